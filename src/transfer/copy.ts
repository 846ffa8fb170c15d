import type { AgentStorage } from '../contract/storage.js';
import { requireCapability, type TransferQuery, walkSessions } from './export-records.js';
import { appendJournal, readJournal } from './journal.js';
import { readSessionSnapshot, type SessionSnapshot, sessionChecksum, snapshotCounts } from './snapshot.js';
import { writeSession } from './write-session.js';

/** Progress of `copySessions`, reported after each session. */
export interface CopyProgress {
  /** Sessions handled so far in this run (copied or skipped). */
  done: number;
  /** Sessions the query matched when the run began (they may change while it runs). */
  total: number | null;
  copied: number;
  skipped: number;
}

/** Options of `copySessions`. */
export interface CopyOptions {
  /** Path of the journal file that makes the copy resumable; created when missing. */
  journal: string;
  /** Which sessions to copy (default: all). */
  query?: TransferQuery | undefined;
  /**
   * Checked between sessions, and between batches when `to` declares `deleteSession` (the
   * session cut short is deleted at once). On abort the copy resolves with
   * `interrupted: true` and no verification; the journal is consistent, and running the copy
   * again with it resumes.
   */
  signal?: AbortSignal | undefined;
  onProgress?: ((progress: CopyProgress) => void) | undefined;
  /**
   * Sessions copied (and verified) at once; default 4. A server destination (Postgres)
   * commits several sessions in the time of one; an embedded one queues them and loses
   * nothing. 1 copies strictly one after another.
   */
  concurrency?: number | undefined;
}

/** How many sessions a copy has in flight by default. */
export const COPY_CONCURRENCY = 4;

/**
 * Runs `work` on every item of `items` with at most `workers` at once. A failure stops the
 * others from taking new items; each finishes the item it holds, then the first error is thrown.
 */
async function inParallel<T>(
  items: AsyncIterable<T> | Iterable<T>,
  workers: number,
  work: (item: T) => Promise<'stop' | undefined>,
): Promise<'stopped' | 'done'> {
  const it =
    Symbol.asyncIterator in items ? items[Symbol.asyncIterator]() : (items as Iterable<T>)[Symbol.iterator]();
  let stop = false;
  const outcomes = await Promise.allSettled(
    Array.from({ length: Math.max(1, workers) }, async () => {
      while (!stop) {
        const next = await it.next();
        if (next.done) return;
        try {
          if ((await work(next.value)) === 'stop') stop = true;
        } catch (e) {
          stop = true;
          throw e;
        }
      }
    }),
  );
  const failed = outcomes.find((o): o is PromiseRejectedResult => o.status === 'rejected');
  if (failed) throw failed.reason;
  return stop ? 'stopped' : 'done';
}

/** A session whose copy does not match its source after the run. */
export interface CopyMismatch {
  sourceId: string;
  /** `null` when the destination has no copy. */
  targetId: string | null;
  reason: string;
}

/** Result of `copySessions`. */
export interface CopyResult {
  /** Sessions written by this run. */
  copied: number;
  /** Sessions already copied: done in the journal, or found identical in the destination. */
  skipped: number;
  /** Sessions of the run whose copy was re-read and found equal. */
  verified: number;
  mismatches: CopyMismatch[];
  /** True when `signal` stopped the run; then nothing was verified. */
  interrupted: boolean;
}

/**
 * Copies the sessions `query` matches from `from` to `to`, resumably, through the contract
 * alone. Each session goes through `writeSession` (so sessions the destination already holds
 * are not written again, journal or not); the journal records `created` right after a copy's
 * session exists and `done` once it is complete. On start, sessions done in the journal are
 * skipped, and a copy created but never done (a run killed mid-session) is deleted in `to`
 * and made again. After a run that was not interrupted, every session of the run is re-read
 * on both sides and compared (counts, then checksums); differences are listed in
 * `mismatches`, not thrown.
 *
 * Needs `listSessions` on `from`, and `deleteSession` on `to` when the journal holds a
 * partial copy. Memory: one session at a time, plus the ids of the run's sessions.
 */
export async function copySessions(
  from: AgentStorage,
  to: AgentStorage,
  options: CopyOptions,
): Promise<CopyResult> {
  const { journal, query = {}, signal, onProgress } = options;
  requireCapability(from, 'listSessions', 'copySessions');
  const state = readJournal(journal);
  if (state.partial.size > 0) requireCapability(to, 'deleteSession', 'resuming a copy cut short');
  for (const [sourceId, targetId] of state.partial) {
    await to.deleteSession(targetId);
    appendJournal(journal, { deleted: sourceId, to: targetId });
  }
  const result: CopyResult = { copied: 0, skipped: 0, verified: 0, mismatches: [], interrupted: false };
  let total = 0;
  // Counting first reads only session rows, a page of 1000 at a time: cheap next to the copy,
  // and it gives progress a denominator.
  for await (const _ of walkSessions(from, query, 1000)) total++;
  const pairs: [sourceId: string, targetId: string][] = [];
  const workers = options.concurrency ?? COPY_CONCURRENCY;
  const run = await inParallel(walkSessions(from, query), workers, async (session) => {
    if (signal?.aborted) return 'stop';
    let targetId = state.done.get(session.id);
    if (targetId !== undefined) result.skipped++;
    else {
      const snapshot = await readSessionSnapshot(from, session.id);
      if (snapshot === null) return; // deleted in the source since the page was read
      try {
        const { id, written } = await writeSession(to, snapshot, {
          // Between batches only where a session cut short can be deleted at once.
          signal: to.capabilities.deleteSession ? signal : undefined,
          onCreated: (id) => appendJournal(journal, { created: session.id, to: id }),
        });
        appendJournal(journal, { done: session.id, to: id });
        targetId = id;
        if (written) result.copied++;
        else result.skipped++;
      } catch (e) {
        if (signal?.aborted && e === signal.reason) return 'stop';
        throw e;
      }
    }
    pairs.push([session.id, targetId]);
    onProgress?.({ done: pairs.length, total, copied: result.copied, skipped: result.skipped });
    // One turn of the event loop per session: @libsql/client frees a statement's native memory
    // only then, and a copy that never yields grew by ~0.25 MB a session (bench/transfer.ts).
    await new Promise<void>((resolve) => setImmediate(resolve));
    return undefined;
  });
  if (run === 'stopped') return { ...result, interrupted: true };
  await inParallel(pairs, workers, async ([sourceId, targetId]) => {
    const mismatch = await compare(from, to, sourceId, targetId);
    if (mismatch === null) result.verified++;
    else result.mismatches.push(mismatch);
    return undefined;
  });
  return result;
}

/** How the copy `targetId` differs from its source `sourceId`, or `null` when it does not. */
async function compare(
  from: AgentStorage,
  to: AgentStorage,
  sourceId: string,
  targetId: string,
): Promise<CopyMismatch | null> {
  const source = await readSessionSnapshot(from, sourceId);
  const target = await readSessionSnapshot(to, targetId);
  const differs = (reason: string) => ({ sourceId, targetId, reason });
  if (target === null)
    return { sourceId, targetId: null, reason: `the destination has no session ${JSON.stringify(targetId)}` };
  if (source === null) return differs('the source session no longer exists');
  const counts = differentCounts(source, target);
  if (counts !== '') return differs(counts);
  return sessionChecksum(source) === sessionChecksum(target)
    ? null
    : differs('the content differs (checksums differ)');
}

function differentCounts(source: SessionSnapshot, target: SessionSnapshot): string {
  const a = snapshotCounts(source);
  const b = snapshotCounts(target);
  return (Object.keys(a) as (keyof typeof a)[])
    .filter((k) => a[k] !== b[k])
    .map((k) => `${k}: ${a[k]} in the source, ${b[k]} in the destination`)
    .join('; ');
}
