import { readFileSync } from 'node:fs';
import { AgentStorageError } from '../contract/errors.js';
import type { Studio } from '../studio/server.js';
import { type CliIo, describeError, EXIT, UsageError, writeLine } from './io.js';
import { openForReading } from './stores.js';

/**
 * Hono and its Node server are optional peers: only the studio needs them. Missing, they are
 * UNAVAILABLE naming what to install (exit 1), as a missing driver is.
 */
function needsHono(error: unknown): never {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  if (code === 'ERR_MODULE_NOT_FOUND' && /'(hono|@hono\/node-server)'/.test(String(message)))
    throw new AgentStorageError(
      'UNAVAILABLE',
      'agent-storage studio needs hono and @hono/node-server: npm install --save-dev hono @hono/node-server',
      { adapter: 'studio', cause: error },
    );
  throw error;
}

/** The `--report` file: a usage error naming the flag when it cannot be read or is not JSON. */
function readReport(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new UsageError(
      `--report ${path}: ${(e as { code?: string }).code === 'ENOENT' ? 'there is no such file' : (e as Error).message}`,
    );
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    throw new UsageError(
      `--report ${path}: not a JSON report (verify --json writes one): ${(e as Error).message}`,
    );
  }
}

/** `studio`: serves the page over the store (opened read-only) until Ctrl-C. */
export async function studioCommand(
  url: string,
  options: { port: number | undefined; host: string | undefined; report: string | undefined },
  io: CliIo,
): Promise<number> {
  const report = options.report === undefined ? undefined : readReport(options.report);
  const store = await openForReading(url, io);
  const { startStudio } = await import('../studio/server.js');
  await Promise.all([import('hono'), import('@hono/node-server')]).catch(needsHono);
  const studio: Studio = await startStudio(store, {
    url,
    port: options.port,
    host: options.host,
    report,
    onError: (e) => io.stderr.write(`agent-storage studio: ${describeError(e)}\n`),
    onWarning: (message) => io.stderr.write(`${message}\n`),
  });
  io.onCleanup(() => studio.close());
  await writeLine(io.stdout, `agent-storage studio: ${studio.url}`);
  await writeLine(
    io.stderr,
    'read-only; open the URL above: the token in it is required, and the page keeps it in memory only (a reload or a new tab needs the URL again). Ctrl-C to stop.',
  );
  await new Promise<void>((resolve) => io.signal.addEventListener('abort', () => resolve(), { once: true }));
  return EXIT.ok;
}
