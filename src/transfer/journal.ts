import { randomUUID } from 'node:crypto';
import {
  appendFileSync,
  linkSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { hostname } from 'node:os';
import { AgentStorageError } from '../contract/errors.js';
import { TRANSFER } from './format.js';

/**
 * The copy journal: an append-only JSONL file, one event per line, each written with one
 * `appendFileSync` call (no fsync). A process killed at any point (Ctrl-C, kill -9) leaves
 * every event it appended, at worst a torn last line; a power loss may lose the file's tail,
 * which costs a redo, never a duplicate the final verification would not report.
 */
export type JournalEvent =
  /**
   * The session's copy is about to be created. Until `created` follows, a kill may have left
   * the copy's session in the destination without its id in the journal (the window between
   * `createSession` and the append of `created`): bare, with nothing under it yet. The rest
   * is what finds it again (`CreationIntent`).
   */
  | ({ creating: string } & Omit<CreationIntent, 'sourceId'>)
  /** The session's copy exists in the destination, but may lack rows. */
  | { created: string; to: string }
  /** The session's copy is complete. */
  | { done: string; to: string }
  /** A partial copy was deleted (so a later session that gets its id is never taken for it). */
  | { deleted: string; to: string };

/**
 * A session about to be created as the copy of `sourceId`: what tells its copy, should the
 * run be killed before the copy's id is journaled, from every other session of the destination.
 */
export interface CreationIntent {
  sourceId: string;
  /** `sessionFieldsSum` of the session as it is created. */
  fields: string;
  /** Its agent and start (Unix seconds): where to list for it. */
  agent: string;
  at: number;
  /** Sessions of the destination with the same fields before it was created: never taken for it. */
  twins: string[];
}

/** What a journal says about each source session it names. */
export interface JournalState {
  /** source id → destination id of its complete copy. */
  done: Map<string, string>;
  /**
   * source id → the copy begun and not completed: its destination id, and the fields it was
   * created with (`undefined` when the journal holds no `creating` event for it). To delete
   * and redo, once the destination's session is seen to be that copy.
   */
  partial: Map<string, { to: string; fields: string | undefined }>;
  /** Copies being created whose ids were never journaled: the destination may hold them bare. */
  unsettled: Map<string, CreationIntent>;
}

/**
 * Reads the journal at `path` (a missing file is an empty journal). A torn last line, the
 * trace of a kill mid-append, is cut off the file so the next append starts a fresh line;
 * any other bad line is `INVALID_INPUT` naming it, as is a path that is not a regular file
 * (a folder; a device such as /dev/zero, which would be read forever). The file is checked
 * whole before anything is cut: a file that is no journal (a database or an export named by
 * mistake) is refused unchanged.
 */
export function readJournal(path: string): JournalState {
  const { state, tornAt } = checkJournal(path);
  if (tornAt !== undefined) truncateSync(path, tornAt);
  return state;
}

/**
 * `readJournal` without the cut: what the journal says, and where its torn last line
 * begins (in bytes), if it has one. Changes nothing: for checking a `--journal` before
 * any store is opened.
 */
export function checkJournal(path: string): { state: JournalState; tornAt: number | undefined } {
  const state: JournalState = { done: new Map(), partial: new Map(), unsettled: new Map() };
  const stat = statSync(path, { throwIfNoEntry: false });
  if (stat === undefined) return { state, tornAt: undefined };
  const notJournal = (what: string) =>
    new AgentStorageError('INVALID_INPUT', `copy journal ${path} ${what}`, {
      adapter: TRANSFER,
      field: 'journal',
    });
  if (!stat.isFile()) throw notJournal('is not a regular file');
  const text = readFileSync(path, 'utf8');
  const complete = text.lastIndexOf('\n') + 1;
  const tail = text.slice(complete);
  const lines = text.slice(0, complete).split('\n');
  lines.pop(); // the empty string after the last newline
  lines.forEach((line, i) => {
    const event = parseEvent(line);
    if (event === undefined) throw notJournal(`line ${i + 1} is not a journal event`);
    if ('creating' in event) {
      const { creating: sourceId, ...intent } = event;
      state.unsettled.set(sourceId, { sourceId, ...intent });
    } else if ('created' in event) {
      const fields = state.unsettled.get(event.created)?.fields;
      state.unsettled.delete(event.created);
      state.partial.set(event.created, { to: event.to, fields });
    } else if ('done' in event) {
      state.unsettled.delete(event.done);
      state.partial.delete(event.done);
      state.done.set(event.done, event.to);
    } else {
      // A partial copy deleted, or a bare one found and deleted: either way nothing of it is left.
      if (state.partial.get(event.deleted)?.to === event.to) state.partial.delete(event.deleted);
      state.unsettled.delete(event.deleted);
    }
  });
  // What a kill mid-append leaves: the start of an event's line, never anything else.
  if (tail !== '' && !EVENT_STARTS.some((start) => tail.startsWith(start) || start.startsWith(tail)))
    throw notJournal(`line ${lines.length + 1} is not a journal event`);
  return { state, tornAt: tail === '' ? undefined : Buffer.byteLength(text.slice(0, complete)) };
}

/** How every journal line begins (JSON.stringify of an event puts its kind first). */
const EVENT_STARTS = ['{"creating":', '{"created":', '{"done":', '{"deleted":'];

function parseEvent(line: string): JournalEvent | undefined {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const keys = Object.keys(value);
  const record = value as Record<string, unknown>;
  if (typeof record.creating === 'string')
    return keys.length === 5 &&
      typeof record.fields === 'string' &&
      typeof record.agent === 'string' &&
      Number.isSafeInteger(record.at) &&
      Array.isArray(record.twins) &&
      record.twins.every((t) => typeof t === 'string')
      ? (value as JournalEvent)
      : undefined;
  const kind = keys.find((k) => k === 'created' || k === 'done' || k === 'deleted');
  if (
    keys.length !== 2 ||
    kind === undefined ||
    typeof record[kind] !== 'string' ||
    typeof record.to !== 'string'
  )
    return undefined;
  return value as JournalEvent;
}

/**
 * Appends events, one line each, in one write: they are in the file once this returns (a kill
 * mid-write tears the last line at worst, and `readJournal` cuts it off). A write that fails
 * (a full disk, the folder gone) is `UNAVAILABLE` naming the journal: the copy stops there,
 * and what the journal already holds still resumes it.
 */
export function appendJournal(path: string, ...events: JournalEvent[]): void {
  if (events.length === 0) return;
  try {
    appendFileSync(path, events.map((e) => `${JSON.stringify(e)}\n`).join(''));
  } catch (e) {
    throw new AgentStorageError(
      'UNAVAILABLE',
      `copy journal ${path} could not be written (${e instanceof Error ? e.message : String(e)}): the copy stopped; once the journal can be written, run it again to resume`,
      { adapter: TRANSFER, field: 'journal', cause: e },
    );
  }
}

/** Tokens of the journal locks this process holds: its own pid in a lock is live only with one of these. */
const held = new Set<string>();

/**
 * Takes the journal for one copy: `path.lock`, holding `pid:random:host`. Two copies on one journal
 * would each take the other's copies in progress for partial ones and delete them (seen: a
 * second copy run while the first was still going failed the first with NOT_FOUND). The lock
 * appears with its content at once (written aside, then hard-linked into place), so no one
 * reads it empty. A lock of this host whose process is gone (a copy killed with kill -9), or
 * that names this process without being one it holds (a container restarted gets its pid
 * again), is taken over under a second lock (`path.lock.takeover`, made with O_EXCL): its
 * holder removes the stale lock only if it still holds the stale token, so of any number of
 * processes taking over one stale lock, one gets it. A lock of another host
 * (another container on a shared volume, whose pid may be this one's) cannot be checked and
 * counts as held. Rejects with `UNAVAILABLE` naming the journal, the process and its host while
 * another copy holds it. Resolves the function that lets the journal go (only a lock still its own).
 */
export function lockJournal(path: string): () => void {
  const lock = `${path}.lock`;
  const token = `${process.pid}:${randomUUID()}:${hostname()}`;
  const cannot = (e: unknown) =>
    new AgentStorageError(
      'UNAVAILABLE',
      `copy journal ${path} could not be taken: ${lock} could not be made (${e instanceof Error ? e.message : String(e)})`,
      { adapter: TRANSFER, field: 'journal', cause: e },
    );
  const aside = `${lock}.${process.pid}.${randomUUID()}`;
  try {
    writeFileSync(aside, `${token}\n`, { flag: 'wx' });
  } catch (e) {
    throw cannot(e);
  }
  try {
    for (let attempt = 0; attempt < 100; attempt++) {
      try {
        linkSync(aside, lock);
        held.add(token);
        return () => {
          held.delete(token);
          if (holderOf(lock) === token) rmSync(lock, { force: true });
        };
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw cannot(e);
      }
      const holder = holderOf(lock);
      if (holder === undefined) continue; // let go meanwhile
      const { live, pid, host } = holderState(holder);
      if (live)
        throw new AgentStorageError(
          'UNAVAILABLE',
          `copy journal ${path} is in use by another copy (process ${pid}${host === undefined ? '' : ` on ${host}`}); run one copy at a time (if none runs, delete ${lock})`,
          { adapter: TRANSFER, field: 'journal' },
        );
      takeOver(lock, holder, token, aside, `${aside}.stale`);
    }
    throw cannot(
      new Error(
        `other copies kept taking it, or ${lock}.takeover names a process that runs (if no copy runs, delete it)`,
      ),
    );
  } finally {
    rmSync(aside, { force: true });
  }
}

/** The lock's content (a holder's token), or undefined when there is no lock. */
function holderOf(lock: string): string | undefined {
  try {
    return readFileSync(lock, 'utf8').trim();
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
}

/**
 * Whether a lock's holder (`pid:random:host`) is live: a process of this host that runs (this
 * process only with a token it holds: a container restarted gets its pid again); another
 * host's process cannot be looked at, and is taken for running.
 */
function holderState(holder: string): { live: boolean; pid: number; host: string | undefined } {
  const [pidText = '', , ...rest] = holder.split(':');
  const pid = Number.parseInt(pidText, 10);
  const host = rest.length > 0 && rest.join(':') !== hostname() ? rest.join(':') : undefined;
  const live =
    host !== undefined ||
    (pid === process.pid ? held.has(holder) : Number.isSafeInteger(pid) && pid > 0 && isRunning(pid));
  return { live, pid, host };
}

/**
 * Removes the lock if it still holds `stale`, under the takeover lock: while one process
 * holds that, no lock can be removed but by it, and a lock is only ever made where there is
 * none, so what it read is what it removes. Another taking over meanwhile: a short pause,
 * and the caller looks again. A takeover lock left by a process killed while holding it is
 * renamed aside and put back if it turns out to be someone's fresh one (that rare case alone
 * keeps the old race of three).
 */
function takeOver(lock: string, stale: string, token: string, tokenFile: string, aside: string): void {
  const takeover = `${lock}.takeover`;
  try {
    // Linked from the file that already holds the token, as the lock is: never seen empty (an
    // empty one would read as a dead holder's, and be removed under its maker).
    linkSync(tokenFile, takeover);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    const other = holderOf(takeover);
    if (other !== undefined && !holderState(other).live) removeStale(takeover, other, aside);
    else pause(5);
    return;
  }
  try {
    if (holderOf(lock) === stale) rmSync(lock, { force: true });
  } finally {
    if (holderOf(takeover) === token) rmSync(takeover, { force: true });
  }
}

/** Renames `file` aside (of two doing this, one gets it), and puts it back unless it held `stale`. */
function removeStale(file: string, stale: string, aside: string): void {
  try {
    renameSync(file, aside);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return; // removed by another meanwhile
    throw e;
  }
  try {
    if (holderOf(aside) !== stale) linkSync(aside, file);
  } catch {
    // Another made a fresh one meanwhile: it holds it now.
  } finally {
    rmSync(aside, { force: true });
  }
}

/** Blocks this thread for `ms` (the lock is taken synchronously, before a copy starts). */
function pause(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // EPERM: it runs, as another user.
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
