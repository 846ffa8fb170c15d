import { createHash } from 'node:crypto';
import {
  closeSync,
  constants,
  createReadStream,
  createWriteStream,
  lstatSync,
  openSync,
  readlinkSync,
  readSync,
  realpathSync,
  renameSync,
  rmSync,
  statSync,
  type WriteStream,
} from 'node:fs';
import { dirname, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { redactUrl, withoutSecrets } from '../contract/redact.js';
import type { AgentStorage } from '../contract/storage.js';
import { copySessions } from '../transfer/copy.js';
import { exportRecords, type TransferQuery } from '../transfer/export-records.js';
import {
  emptyExport,
  formatExportLine,
  lineError,
  parseExportLine,
  parseExportLines,
} from '../transfer/format.js';
import { importRecords } from '../transfer/import-records.js';
import { type CliIo, EXIT, letSignalsIn, UsageError, writeLine } from './io.js';
import { progressBar } from './progress.js';

/** `export`, `import` and `copy`: the transfer library (src/transfer/) with files, progress and Ctrl-C. */

/**
 * Whether `path`, link by link, leads to an open descriptor (`/dev/stdout` → `/proc/self/fd/1`,
 * `/dev/fd/3`): what the shell redirected, a `>> log` say, which realpath would name as a
 * plain file.
 */
function leadsToDescriptor(path: string): boolean {
  return linkChain(path).some((at) => /^\/proc\/(self|thread-self|\d+)\/fd\/|^\/dev\/fd\//.test(at));
}

/** `path` made absolute, then each name its chain of symlinks leads to, link by link (at most 40). */
function linkChain(path: string): string[] {
  let at = resolve(path);
  const chain = [at];
  while (chain.length <= 40 && lstatSync(at, { throwIfNoEntry: false })?.isSymbolicLink()) {
    at = resolve(dirname(at), readlinkSync(at));
    chain.push(at);
  }
  return chain;
}

/**
 * Where `--out` writes: a file (new, or one a symlink leads to) is written beside its name and
 * renamed over it when complete, so an interrupted export never leaves a truncated file that
 * looks whole. Anything else that exists (a named pipe, a device), and a name that leads to an
 * open descriptor (`/dev/stdout` with `>> log`), is written to as it is, appending: renaming
 * over it would replace it, and truncating it would wipe what the shell meant to keep.
 */
function outTarget(out: string): { path: string; partial: string | undefined } {
  const stat = statSync(out, { throwIfNoEntry: false });
  if (leadsToDescriptor(out) || (stat !== undefined && !stat.isFile()))
    return { path: out, partial: undefined };
  if (stat === undefined) {
    // A link to a file not made yet: the file is made where it points, the link kept.
    const chain = linkChain(out);
    const path = chain.length > 1 ? (chain[chain.length - 1] as string) : out;
    return { path, partial: `${path}.partial` };
  }
  const path = realpathSync(out);
  return { path, partial: `${path}.partial` };
}

/**
 * Opens `--out` as it is (see `outTarget`). A named pipe blocks its opener until a reader
 * comes, and a blocked thread hears no Ctrl-C: the reader is waited for with non-blocking
 * opens (ENXIO until one is there), kept open until the real one is made. `undefined` when
 * interrupted first.
 */
async function openInPlace(path: string, signal: AbortSignal): Promise<number | undefined> {
  if (!statSync(path, { throwIfNoEntry: false })?.isFIFO()) return openSync(path, 'a');
  for (;;) {
    let probe: number | undefined;
    try {
      probe = openSync(path, constants.O_WRONLY | constants.O_NONBLOCK);
    } catch (e) {
      if ((e as { code?: unknown }).code !== 'ENXIO') throw e;
    }
    if (probe !== undefined) {
      try {
        return openSync(path, 'a');
      } finally {
        closeSync(probe);
      }
    }
    if (signal.aborted) return undefined;
    await new Promise((wake) => setTimeout(wake, 50));
  }
}

/** `export`: JSONL to stdout or `--out FILE` (see `outTarget`). */
export async function exportCommand(
  store: AgentStorage,
  query: TransferQuery,
  options: { out: string | undefined },
  io: CliIo,
): Promise<number> {
  const target = options.out === undefined ? undefined : outTarget(options.out);
  const partial = target?.partial;
  // Opened at once, so a file that cannot be made fails here as an error; a write error later
  // (a full disk) is heard, and read back as `file.errored`, instead of crashing the process
  // as an unheard 'error' event.
  const fd =
    target === undefined
      ? undefined
      : partial !== undefined
        ? openSync(partial, 'w')
        : await openInPlace(target.path, io.signal);
  if (target !== undefined && fd === undefined) return EXIT.interrupted;
  const file = fd === undefined ? undefined : createWriteStream('', { fd });
  file?.on('error', () => undefined);
  const out = file ?? io.stdout;
  if (partial !== undefined) io.onCleanup(() => rmSync(partial, { force: true }));
  // A write error (a full disk) names the file, and says what became of it.
  const cannotWrite = (e: Error) =>
    new Error(
      `cannot write ${options.out}: ${e.message}${partial === undefined ? '' : '; the export stopped, and nothing of it is left there'}`,
      { cause: e },
    );
  let sessions = 0;
  try {
    for await (const record of exportRecords(store, query, { signal: io.signal })) {
      if (record.type === 'session' && ++sessions % 16 === 0) await letSignalsIn();
      await writeLine(out, formatExportLine(record));
      if (file?.errored) throw file.errored;
    }
  } catch (e) {
    if (io.signal.aborted) return EXIT.interrupted;
    if (readerLeft(file?.errored)) return EXIT.ok;
    throw file?.errored ? cannotWrite(file.errored) : e;
  } finally {
    if (file !== undefined) await closeFile(file);
  }
  if (readerLeft(file?.errored)) return EXIT.ok;
  if (file?.errored) throw cannotWrite(file.errored);
  if (partial !== undefined && target !== undefined) renameSync(partial, target.path);
  await writeLine(io.stderr, `exported ${sessions} sessions`);
  return EXIT.ok;
}

/**
 * The reader of a named pipe went away (`--out fifo` read by `head -1`): quietly done, as on
 * stdout (`export | head -1`), not a failure.
 */
const readerLeft = (e: Error | null | undefined) =>
  (e as NodeJS.ErrnoException | undefined)?.code === 'EPIPE';

/** Ends a file stream; one that already failed is destroyed instead (its end would never come). */
function closeFile(out: WriteStream): Promise<void> {
  if (out.errored) {
    out.destroy();
    return Promise.resolve();
  }
  return new Promise((resolve, reject) => {
    // A reader gone while the last bytes went out: `errored` tells, as for any earlier write.
    out.once('error', (e) => (readerLeft(e) ? resolve() : reject(e)));
    out.end(() => resolve());
  });
}

/**
 * What `import FILE` checks before it opens the store (which, when new, it creates and
 * migrates): the file is there and not a folder (usage errors), and a regular file's first
 * line is an export's header (`parseExportLine`'s INVALID_INPUT naming line 1). A pipe is
 * read once, so it is checked as it is imported.
 */
export function checkImportFile(file: string): void {
  const stat = statSync(file, { throwIfNoEntry: false });
  if (stat === undefined) throw new UsageError(`there is no file ${file}`);
  if (stat.isDirectory()) throw new UsageError(`${file} is a folder, not an export`);
  if (!stat.isFile()) return;
  const fd = openSync(file, 'r');
  try {
    const head = Buffer.alloc(64 * 1024);
    const text = head.subarray(0, readSync(fd, head, 0, head.length, 0)).toString('utf8');
    const line = (text.split('\n')[0] as string).replace(/^\uFEFF/, '');
    // Empty, or blank lines only: what the import itself would say of it.
    if (text.trim() === '' && text.length < head.length) throw emptyExport();
    if (line.length < text.length || text.length < head.length) {
      const first = parseExportLine(line.replace(/\r$/, ''), 1);
      // All of it read, and nothing after the header: an import could only fail (cut short).
      const rest = text.slice(line.length + 1).trim();
      if (text.length < head.length && rest === '' && first.type === 'header' && first.version >= 2)
        throw lineError(
          2,
          'is missing: the export ends without its end record, so it was cut short (an export killed, a full disk)',
        );
    }
  } finally {
    closeSync(fd);
  }
}

/**
 * `import [file]`: JSONL from a file or stdin (`-`), whole sessions in groups; importing twice
 * writes nothing new. The store is opened (`open`: and, when new, created and migrated) only
 * once the first record has been read and is an export's header: an empty or foreign input
 * on stdin or from a pipe creates nothing, as a regular file's is refused before.
 */
export async function importCommand(
  open: () => Promise<AgentStorage>,
  file: string,
  options: { json: boolean },
  io: CliIo & { stdin?: NodeJS.ReadableStream },
): Promise<number> {
  const input = file === '-' ? (io.stdin ?? process.stdin) : createReadStream(file);
  const lines = createInterface({ input: input as Readable, crlfDelay: Number.POSITIVE_INFINITY });
  // Ctrl-C while the input is silent (a terminal, a stalled producer) stops the wait at once.
  const records = untilAborted(parseExportLines(lines), io.signal);
  const stop = () => {
    lines.close();
    (input as Readable).destroy();
  };
  const first = await records.next().catch((e: unknown) => {
    if (io.signal.aborted && e === io.signal.reason) return { done: true as const, value: undefined };
    throw e;
  });
  if (first.done) {
    stop();
    if (io.signal.aborted) return EXIT.interrupted;
    throw emptyExport();
  }
  const store = await open();
  let seen = 0;
  const result = await importRecords(store, withFirst(first.value, records), {
    signal: io.signal,
    onSession: () => {
      seen++;
      if (io.stderrIsTTY && seen % 100 === 0) io.stderr.write(`\rimported ${seen} sessions`);
    },
  })
    .catch(async (e: unknown) => {
      // What is in the store already stays there: say how much, before the error is printed.
      if (io.stderrIsTTY && seen >= 100) io.stderr.write('\n');
      await writeLine(io.stderr, `${seen} sessions imported before the error (each one whole)`);
      throw e;
    })
    .finally(stop);
  if (io.stderrIsTTY && seen >= 100) io.stderr.write('\n');
  const summary = `${result.sessions} sessions: ${result.written} written, ${result.skipped} already there${result.interrupted ? ' (interrupted; import again to finish)' : ''}`;
  await writeLine(options.json ? io.stdout : io.stderr, options.json ? JSON.stringify(result) : summary);
  return result.interrupted ? EXIT.interrupted : EXIT.ok;
}

/** `source`'s items until `signal` fires, which ends a wait for the next one with its reason. */
async function* untilAborted<T>(source: AsyncIterator<T>, signal: AbortSignal): AsyncGenerator<T> {
  let abort: () => void = () => undefined;
  const aborted = new Promise<never>((_, reject) => {
    abort = () => reject(signal.reason);
    if (signal.aborted) abort();
    else signal.addEventListener('abort', abort, { once: true });
  });
  aborted.catch(() => undefined); // heard here; thrown from the wait it ends
  try {
    for (let next = await Promise.race([source.next(), aborted]); !next.done; ) {
      yield next.value;
      next = await Promise.race([source.next(), aborted]);
    }
  } finally {
    signal.removeEventListener('abort', abort);
  }
}

/** The record already read, then the rest. */
async function* withFirst<T>(first: T, rest: AsyncIterator<T>): AsyncGenerator<T> {
  yield first;
  for (let next = await rest.next(); !next.done; next = await rest.next()) yield next.value;
}

/**
 * The journal of a copy between two stores when `--journal` is not given: in the working
 * folder, named by a hash of both URLs, so running the same copy again resumes it. The URLs
 * are hashed without their secrets (`withoutSecrets`), but with every part that tells two
 * databases apart (host, port, `?host=`, `?schema=`).
 */
export function defaultJournal(from: string, to: string): string {
  const hash = createHash('sha256')
    .update(`${withoutSecrets(from)}\n${withoutSecrets(to)}`)
    .digest('hex')
    .slice(0, 12);
  return `.agent-storage-copy-${hash}.jsonl`;
}

/** `copy --from --to`: resumable (a journal), idempotent, verified at the end; a progress bar with ETA on a TTY. */
export async function copyCommand(
  from: AgentStorage,
  to: AgentStorage,
  query: TransferQuery,
  options: { journal: string; json: boolean; urls: [string, string] },
  io: CliIo,
): Promise<number> {
  const { journal } = options;
  const [source, target] = options.urls.map(redactUrl);
  await writeLine(io.stderr, `copying ${source} → ${target} (journal ${journal})`);
  const bar = progressBar(io, 'copy');
  let started = false;
  const result = await copySessions(from, to, {
    journal,
    query,
    signal: io.signal,
    onProgress: (p) => {
      if (!started && p.total !== null) {
        bar.start(p.total);
        started = true;
      }
      bar.update(p.done, `${p.copied} copied, ${p.skipped} already there`);
    },
  }).finally(() => bar.stop());
  const interrupted = 'interrupted' in result && result.interrupted === true;
  if (options.json) await writeLine(io.stdout, JSON.stringify({ journal, ...result }));
  else {
    await writeLine(
      io.stderr,
      `${result.copied} copied, ${result.skipped} already there${interrupted ? '; interrupted: run the same command again to resume' : `; ${result.verified} verified`}`,
    );
    for (const m of result.mismatches)
      await writeLine(io.stderr, `MISMATCH ${m.sourceId} → ${m.targetId ?? '(missing)'}: ${m.reason}`);
    // The journal is believed over the destination (that is what resuming is); a destination
    // emptied or made anew since then shows up here, and only the user can say which it was.
    // Most often a session that was still running when it was copied: a copy is never updated.
    if (result.mismatches.some((m) => m.targetId !== null))
      await writeLine(
        io.stderr,
        'a copy is not updated when its source changes later (a session still running when it was copied): to copy a source as it is now, delete its copy in the destination (deleteSession), then the journal, and run the copy again; the sessions already there are found and skipped',
      );
    if (result.mismatches.some((m) => m.targetId === null))
      await writeLine(
        io.stderr,
        `the journal ${journal} names copies the destination does not have: if the destination was emptied or made anew since, delete the journal and run the copy again`,
      );
  }
  if (interrupted) return EXIT.interrupted;
  return result.mismatches.length > 0 ? EXIT.failed : EXIT.ok;
}
