import type { AgentStorage } from '../contract/storage.js';
import type { Session } from '../contract/types.js';
import { countOption, requireCapability, type TransferQuery, walkSessions } from './export-records.js';
import {
  appendJournal,
  type CreationIntent,
  type JournalState,
  lockJournal,
  readJournal,
} from './journal.js';
import {
  readSessionSnapshot,
  type SessionSnapshot,
  sessionChecksum,
  sessionFieldsSum,
  snapshotCounts,
} from './snapshot.js';
import { BATCH_SIZE } from './write-rows.js';
import { findBareCopies, TIE_RUN_GROUPS, type WriteSessionResult, writeSessions } from './write-session.js';

/** Progress of `copySessions`, reported for each session once its group is written. */
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
   * Checked while sessions are counted, between groups of sessions, between batches when `to`
   * declares `deleteSession` (the copies of the group cut short are deleted at once), and
   * between sessions verified. On abort the copy resolves with `interrupted: true` and its
   * verification not done or not finished; the journal is consistent, and running the copy
   * again with it resumes (and verifies).
   */
  signal?: AbortSignal | undefined;
  onProgress?: ((progress: CopyProgress) => void) | undefined;
  /**
   * Groups of sessions copied, and sessions read or verified, at once; default 4 (1: strictly
   * one after another). A server (Postgres) commits several sessions in the time of one.
   */
  concurrency?: number | undefined;
  /**
   * Sessions written together, their messages and tool calls sharing `appendBatch` calls
   * (a group also closes once it holds BATCH_SIZE rows); default 32. Fewer, fuller
   * transactions make a copy of small sessions several times faster on an embedded
   * destination. 1 writes each session on its own, and `signal` is then checked between
   * any two sessions.
   */
  groupSize?: number | undefined;
}

/** How many groups of sessions a copy has in flight by default. */
export const COPY_CONCURRENCY = 4;

/** How many sessions a copy writes together by default (see `CopyOptions.groupSize`). */
export const COPY_GROUP_SIZE = 32;

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
  /** True when `signal` stopped the run; then the verification did not finish (`verified` counts what it checked). */
  interrupted: boolean;
}

/**
 * Copies the sessions `query` matches from `from` to `to`, resumably, through the contract
 * alone. Sessions go through `writeSessions` in groups (so sessions the destination already
 * holds are not written again, journal or not, and small sessions share their batches); the
 * journal records `creating` before a group's sessions are created, `created` right after a
 * copy's session exists and `done` once it is complete. On start, sessions done in the journal
 * are skipped, a copy created but never done (a run killed mid-session) is deleted in `to`
 * (if `to` still holds it: the fields it was created with) and made again, and so is a copy
 * whose creation was journaled but not its id (a run killed between the two): a session of
 * `to` with every field of the source session, nothing under it, and unknown to the journal.
 * After a run that was not interrupted, every session of the run is re-read in `to`: one copied by this run is
 * compared by checksum with the source as it was read for the copy; one the journal had as
 * done, or whose checksum differs, is compared with the source read again (row counts, then
 * checksums), which also tells a source changed since. Differences are listed in
 * `mismatches`, not thrown.
 *
 * Needs `listSessions` on `from`, and `deleteSession` on `to` when the journal holds a
 * partial copy. Memory: `concurrency` + 1 groups (each at most `groupSize` sessions and
 * BATCH_SIZE rows, or one larger session) and `concurrency` sessions read ahead, plus the
 * ids and checksums of the run's sessions.
 */
export async function copySessions(
  from: AgentStorage,
  to: AgentStorage,
  options: CopyOptions,
): Promise<CopyResult> {
  const { journal } = options;
  requireCapability(from, 'listSessions', 'copySessions');
  const workers = countOption('concurrency', options.concurrency, COPY_CONCURRENCY);
  const groupSize = countOption('groupSize', options.groupSize, COPY_GROUP_SIZE);
  const unlock = lockJournal(journal);
  let result: CopyResult;
  try {
    result = await copyWithJournal(from, to, options, journal, workers, groupSize);
  } catch (e) {
    // The copy's own error is the one to hear; letting the journal go is best effort then.
    try {
      unlock();
    } catch {}
    throw e;
  }
  unlock();
  return result;
}

/** `copySessions` once it holds the journal. */
async function copyWithJournal(
  from: AgentStorage,
  to: AgentStorage,
  options: CopyOptions,
  journal: string,
  workers: number,
  groupSize: number,
): Promise<CopyResult> {
  const { query = {}, signal, onProgress } = options;
  const state = readJournal(journal);
  // Destination sessions that are some source session's complete copy: never taken for another.
  const claimed = new Set(state.done.values());
  if (state.partial.size > 0) requireCapability(to, 'deleteSession', 'resuming a copy cut short');
  for (const [sourceId, { to: targetId, fields }] of state.partial) {
    // Deleted only if it is the copy the journal created (its fields as recorded; an older
    // journal may name it done, or record no fields): a destination made anew may reuse ids.
    const copy = claimed.has(targetId) || fields === undefined ? null : await to.getSession(targetId);
    if (copy !== null && sessionFieldsSum(copy) === fields) await to.deleteSession(targetId);
    appendJournal(journal, { deleted: sourceId, to: targetId });
  }
  await deleteBareCopies(to, journal, state.unsettled, claimed);
  const result: CopyResult = { copied: 0, skipped: 0, verified: 0, mismatches: [], interrupted: false };
  let total = 0;
  // Counting first reads only session rows, a page of 1000 at a time: cheap next to the copy,
  // and it gives progress a denominator.
  for await (const _ of walkSessions(from, query, 1000)) {
    if (signal?.aborted) return { ...result, interrupted: true };
    total++;
  }
  const pairs: CopiedPair[] = [];
  const groups = groupsOf(from, walkSessions(from, query), state, groupSize, workers);
  const run = await inParallel(groups, workers, async (group) => {
    if (signal?.aborted) return 'stop';
    result.skipped += group.done.length;
    const report = (handled: CopiedPair[]) => {
      for (const pair of handled) {
        pairs.push(pair);
        onProgress?.({ done: pairs.length, total, copied: result.copied, skipped: result.skipped });
      }
    };
    report(group.done);
    let written: WriteSessionResult[];
    try {
      written = await writeSessions(to, group.snapshots, {
        // Between batches only where a session cut short can be deleted at once.
        signal: to.capabilities.deleteSession ? signal : undefined,
        onCreating: (intents) =>
          appendJournal(
            journal,
            ...intents.map(({ sourceId, ...intent }) => ({ creating: sourceId, ...intent })),
          ),
        onCreated: (id, sourceId) => appendJournal(journal, { created: sourceId, to: id }),
        claimed,
      });
    } catch (e) {
      if (signal?.aborted && e === signal.reason) return 'stop';
      throw e;
    }
    const copied = group.snapshots.map((snapshot, i): CopiedPair => {
      const { id, written: wrote } = written[i] as WriteSessionResult;
      if (wrote) result.copied++;
      else result.skipped++;
      return { sourceId: snapshot.session.id, targetId: id, sum: sessionChecksum(snapshot) };
    });
    appendJournal(journal, ...copied.map((p) => ({ done: p.sourceId, to: p.targetId })));
    report(copied);
    // One turn of the event loop per group: @libsql/client frees a statement's native memory
    // only then, and a copy that never yields grew by ~0.25 MB a session (bench/transfer.ts).
    await letLoopTurn();
    return undefined;
  });
  if (run === 'stopped') return { ...result, interrupted: true };
  const verification = await inParallel(pairs, workers, async (pair) => {
    if (signal?.aborted) return 'stop';
    const mismatch = await verify(from, to, pair);
    if (mismatch === null) result.verified++;
    else result.mismatches.push(mismatch);
    await letLoopTurn();
    return undefined;
  });
  return verification === 'stopped' ? { ...result, interrupted: true } : result;
}

const letLoopTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * The copies a killed run created but never journaled: for each copy the journal says was
 * being created (`unsettled`), the destination's sessions that are its bare copy
 * (`findBareCopies`: the fields it recorded, nothing under it, neither known to the journal
 * nor there before it) are deleted, and the deletion journaled. The session is copied again
 * like any other.
 */
async function deleteBareCopies(
  to: AgentStorage,
  journal: string,
  unsettled: ReadonlyMap<string, CreationIntent>,
  journaled: ReadonlySet<string>,
): Promise<void> {
  // Without a listing there is nothing to look in (nor did the run look for copies there).
  if (unsettled.size === 0 || !to.capabilities.listSessions) return;
  for (const intent of unsettled.values())
    for (const bare of await findBareCopies(to, intent, journaled)) {
      requireCapability(to, 'deleteSession', 'resuming a copy cut short');
      await to.deleteSession(bare);
      appendJournal(journal, { deleted: intent.sourceId, to: bare });
    }
}

/**
 * A session of the run: where its copy is, and the checksum of the source as this run read it
 * for the copy (`undefined` for a session the journal had as done: its source is read again).
 */
interface CopiedPair {
  sourceId: string;
  targetId: string;
  sum: string | undefined;
}

/** Sessions of one step of the copy: those the journal says are done, and the snapshots to write. */
interface CopyGroup {
  done: CopiedPair[];
  snapshots: SessionSnapshot[];
}

/**
 * The walk cut into groups: sessions done in the journal pass through, the others are read
 * whole, `reads` at a time (a server source answers them in parallel), and a group closes
 * once it holds `size` sessions or BATCH_SIZE rows (what a read brought beyond that waits for
 * the next group) and the next session was not started in the same second as its last: such
 * a run stays in one group (up to TIE_RUN_GROUPS groups' worth of sessions and of rows), so
 * that its sessions keep their listing order in the copy. A session deleted in the source since its page was read
 * is left out.
 */
async function* groupsOf(
  from: AgentStorage,
  sessions: AsyncIterable<Session>,
  state: JournalState,
  size: number,
  reads: number,
): AsyncGenerator<CopyGroup> {
  let group: CopyGroup = { done: [], snapshots: [] };
  let rows = 0;
  let toRead: string[] = [];
  const ready: SessionSnapshot[] = [];
  const full = () => group.done.length + group.snapshots.length >= size || rows >= BATCH_SIZE;
  const read = async () => {
    for (const snapshot of await Promise.all(toRead.map((id) => readSessionSnapshot(from, id))))
      if (snapshot !== null) ready.push(snapshot);
    toRead = [];
  };
  const take = () => {
    const snapshot = ready.shift() as SessionSnapshot;
    group.snapshots.push(snapshot);
    rows += snapshot.messages.length + snapshot.toolCalls.length;
  };
  // The next session read was started in the same second as the group's last: one group
  // keeps such a run whole (up to TIE_RUN_GROUPS groups' worth), since writeSessions keeps
  // their order only within one call.
  const continuesRun = () => {
    const [next, last] = [ready[0], group.snapshots.at(-1)];
    return (
      next !== undefined &&
      last !== undefined &&
      next.session.startedAt === last.session.startedAt &&
      group.snapshots.length < size * TIE_RUN_GROUPS &&
      rows < BATCH_SIZE * TIE_RUN_GROUPS
    );
  };
  // Fills the group from what is read; says whether it is complete: full, and the session
  // after it known not to continue its last second (unknown yet: not complete, unless the
  // walk is over, or the group holds no session to continue: only ones done in the journal).
  const fill = (walked: boolean) => {
    while (!full() && ready.length > 0) take();
    if (!full()) return false;
    while (continuesRun()) take();
    return ready.length > 0 || walked || group.snapshots.length === 0;
  };
  const next = () => {
    const out = group;
    group = { done: [], snapshots: [] };
    rows = 0;
    return out;
  };
  for await (const session of sessions) {
    const done = state.done.get(session.id);
    if (done !== undefined) group.done.push({ sourceId: session.id, targetId: done, sum: undefined });
    else toRead.push(session.id);
    if (toRead.length >= reads) await read();
    while (fill(false)) yield next();
  }
  await read();
  while (fill(true) && group.done.length + group.snapshots.length > 0) yield next();
  if (group.done.length + group.snapshots.length > 0) yield group;
}

/**
 * Checks a session's copy: its checksum in `to` against the source's as this run copied it.
 * When they differ, or the session was copied by an earlier run, the source is read again
 * and the two compared, to say how they differ (a journal from another source with the same
 * ids, or a source changed since, shows up here).
 */
async function verify(from: AgentStorage, to: AgentStorage, pair: CopiedPair): Promise<CopyMismatch | null> {
  const { sourceId, targetId, sum } = pair;
  const target = await readSessionSnapshot(to, targetId);
  if (target === null)
    return { sourceId, targetId: null, reason: `the destination has no session ${JSON.stringify(targetId)}` };
  if (sum !== undefined && sessionChecksum(target) === sum) return null;
  return compare(from, target, sourceId, targetId);
}

/** How the copy `target` differs from its source `sourceId`, or `null` when it does not. */
async function compare(
  from: AgentStorage,
  target: SessionSnapshot,
  sourceId: string,
  targetId: string,
): Promise<CopyMismatch | null> {
  const source = await readSessionSnapshot(from, sourceId);
  const differs = (reason: string) => ({ sourceId, targetId, reason });
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
