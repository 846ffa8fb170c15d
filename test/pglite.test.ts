import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import {
  checkWriters,
  outcomes,
  WORKER_SPEC,
  type WorkerEvent,
  type WorkerSpec,
} from '../conformance/fault-workload.js';
import { pgliteTarget } from '../conformance/targets.js';
import { describeConformance } from '../conformance/vitest.js';
import { createStorage } from '../src/create-storage.js';

// The whole suite, model-based and interleaving requirements included, on PostgreSQL in this process.
describeConformance(pgliteTarget());

describe('pglite URLs', () => {
  const dir = mkdtempSync(join(tmpdir(), 'agent-storage-pglite-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('pglite: is a private in-memory database; pglite:<folder> keeps its data across reopening and across kill -9', async () => {
    const memory = await createStorage('pglite:');
    expect(memory.adapter).toBe('pglite');
    expect(memory.capabilities.persistent).toBe(false);
    await memory.close();

    const url = `pglite:${join(dir, 'data')}?schema=agents`;
    const first = await createStorage(url);
    expect(first.capabilities.persistent).toBe(true);
    const id = await first.createSession({ agentName: 'a', provider: 'p', model: 'm', userPrompt: 'hello' });
    await first.createMessage({ sessionId: id, role: 'user', content: 'kept' });
    await first.close();

    const again = await createStorage(url);
    expect((await again.getMessages(id)).map((m) => m.content)).toEqual(['kept']);
    await again.close();

    // The fault tier cannot run on PGlite (two processes must never open one data folder at
    // once), so its crash check is made here: the tier's writer, on the same folder, killed
    // with SIGKILL at its 100th acknowledgement; the folder reopened holds every write it
    // acknowledged, none in part.
    const events = await writeUntilKilled(url, 100);
    const reopened = await createStorage(url);
    const tally = await checkWriters(reopened, [{ worker: 0, outcomes: outcomes(events) }]);
    expect((await reopened.getMessages(id)).map((m) => m.content)).toEqual(['kept']);
    await reopened.close();
    expect(tally.problems).toEqual([]);
    expect(tally.acknowledged).toBeGreaterThanOrEqual(100);
  });

  it('refuses query parameters and options it does not know, naming them', async () => {
    await expect(createStorage('pglite:?shema=x')).rejects.toMatchObject({
      code: 'INVALID_INPUT',
      field: 'url',
    });
    await expect(createStorage('pglite:', { busyTimeoutMs: 5 })).rejects.toMatchObject({
      code: 'INVALID_INPUT',
      field: 'busyTimeoutMs',
    });
  });
});

/** Runs the fault tier's writer on `url` in a child process and kills it (SIGKILL) at its `acks`-th acknowledgement. */
async function writeUntilKilled(url: string, acks: number): Promise<WorkerEvent[]> {
  const spec: WorkerSpec = {
    store: {
      module: join(import.meta.dirname, '..', 'src', 'create-storage.ts'),
      export: 'createStorage',
      options: { url },
    },
    worker: 0,
    seed: 1,
  };
  const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
  const worker = join(import.meta.dirname, '..', 'conformance', 'fault-worker.ts');
  const child = spawn(process.execPath, ['--import', tsx, worker], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, [WORKER_SPEC]: JSON.stringify(spec) },
  });
  const events: WorkerEvent[] = [];
  let seen = 0;
  let rest = '';
  const closed = new Promise((resolve) => child.on('close', resolve));
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    const lines = (rest + chunk).split('\n');
    rest = lines.pop() as string;
    for (const line of lines) {
      const event = JSON.parse(line) as WorkerEvent;
      events.push(event);
      if (event.t === 'ack' && ++seen === acks) child.kill('SIGKILL');
    }
  });
  await closed;
  // A writer that ended on its own (an error) never got its kill: say so, with what it wrote.
  if (child.signalCode !== 'SIGKILL')
    throw new Error(`the writer ended with ${child.exitCode} after ${seen} acknowledgements`);
  return events;
}
