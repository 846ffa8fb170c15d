import { appendFileSync, readFileSync, statSync, truncateSync } from 'node:fs';
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
   * `createSession` and the append of `created`): bare, with nothing under it yet.
   */
  | { creating: string }
  /** The session's copy exists in the destination, but may lack rows. */
  | { created: string; to: string }
  /** The session's copy is complete. */
  | { done: string; to: string }
  /** A partial copy was deleted (so a later session that gets its id is never taken for it). */
  | { deleted: string; to: string };

/** What a journal says about each source session it names. */
export interface JournalState {
  /** source id → destination id of its complete copy. */
  done: Map<string, string>;
  /** source id → destination id of a copy begun and not completed: to delete and redo. */
  partial: Map<string, string>;
  /** Source ids whose copy was being created, its id never journaled: the destination may hold it bare. */
  unsettled: Set<string>;
}

/**
 * Reads the journal at `path` (a missing file is an empty journal). A torn last line, the
 * trace of a kill mid-append, is cut off the file so the next append starts a fresh line;
 * any other bad line is `INVALID_INPUT` naming it, as is a path that is not a regular file
 * (a folder; a device such as /dev/zero, which would be read forever).
 */
export function readJournal(path: string): JournalState {
  const state: JournalState = { done: new Map(), partial: new Map(), unsettled: new Set() };
  const stat = statSync(path, { throwIfNoEntry: false });
  if (stat === undefined) return state;
  if (!stat.isFile())
    throw new AgentStorageError('INVALID_INPUT', `copy journal ${path} is not a regular file`, {
      adapter: TRANSFER,
      field: 'journal',
    });
  const text = readFileSync(path, 'utf8');
  const complete = text.lastIndexOf('\n') + 1;
  if (complete < text.length) truncateSync(path, Buffer.byteLength(text.slice(0, complete)));
  const lines = text.slice(0, complete).split('\n');
  lines.pop(); // the empty string after the last newline
  lines.forEach((line, i) => {
    const event = parseEvent(line);
    if (event === undefined)
      throw new AgentStorageError(
        'INVALID_INPUT',
        `copy journal ${path} line ${i + 1} is not a journal event`,
        {
          adapter: TRANSFER,
          field: 'journal',
        },
      );
    if ('creating' in event) state.unsettled.add(event.creating);
    else if ('created' in event) {
      state.unsettled.delete(event.created);
      state.partial.set(event.created, event.to);
    } else if ('done' in event) {
      state.unsettled.delete(event.done);
      state.partial.delete(event.done);
      state.done.set(event.done, event.to);
    } else {
      // A partial copy deleted, or a bare one found and deleted: either way nothing of it is left.
      if (state.partial.get(event.deleted) === event.to) state.partial.delete(event.deleted);
      state.unsettled.delete(event.deleted);
    }
  });
  return state;
}

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
  if (keys.length === 1 && typeof record.creating === 'string') return value as JournalEvent;
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
