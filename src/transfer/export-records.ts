import { AgentStorageError } from '../contract/errors.js';
import type { AgentStorage, OptionalCapability } from '../contract/storage.js';
import type { Session, SessionQuery } from '../contract/types.js';
import { EXPORT_FORMAT, EXPORT_VERSION, type ExportRecord, TRANSFER } from './format.js';
import { readChildren } from './snapshot.js';

/** Which sessions an export or a copy takes: the filters of `listSessions`. */
export type TransferQuery = Omit<SessionQuery, 'limit' | 'cursor'>;

/** Sessions per `listSessions` page while walking: the most an export holds at once. */
const SESSION_PAGE = 100;

/** NOT_SUPPORTED naming the capability, for a store a transfer cannot walk. */
export function requireCapability(store: AgentStorage, capability: OptionalCapability, use: string): void {
  if (!store.capabilities[capability])
    throw new AgentStorageError(
      'NOT_SUPPORTED',
      `${use} needs capability ${capability}, which this store does not declare`,
      { adapter: store.adapter, field: capability },
    );
}

/** A count option of the transfer functions (`groupSize`, `concurrency`): `fallback` when absent, INVALID_INPUT naming it unless a positive integer. */
export function countOption(field: string, value: number | undefined, fallback: number): number {
  const n = value ?? fallback;
  if (!Number.isSafeInteger(n) || n < 1)
    throw new AgentStorageError('INVALID_INPUT', `${field} must be a positive integer, got ${n}`, {
      adapter: TRANSFER,
      field,
    });
  return n;
}

/**
 * The sessions `query` matches, newest first, one `listSessions` page at a time (cursors,
 * so rows added meanwhile neither repeat nor shift the walk). Capability `listSessions`.
 */
export async function* walkSessions(
  store: AgentStorage,
  query: TransferQuery = {},
  pageSize = SESSION_PAGE,
): AsyncGenerator<Session> {
  requireCapability(store, 'listSessions', 'walking sessions');
  let cursor: string | undefined;
  do {
    const page = await store.listSessions({
      ...query,
      limit: pageSize,
      ...(cursor === undefined ? {} : { cursor }),
    });
    yield* page.items;
    cursor = page.nextCursor ?? undefined;
  } while (cursor !== undefined);
}

/** Options of `exportRecords`. */
export interface ExportOptions {
  /** Checked between sessions; on abort the iteration throws `signal.reason`. */
  signal?: AbortSignal | undefined;
}

/**
 * Streams a store's sessions as export records: first the header, then for each session
 * `query` matches (newest first) its `session` record followed by its `message`, `toolCall`,
 * `question` and `setting` records, in the contract's order, and last the `end` record that
 * says the export is whole (none when the iteration stops early), with the source's ids so that
 * references resolve. Memory stays constant apart from one page of sessions and one page of
 * rows (messages and tool calls are paged with capability `paging`; questions and settings
 * are read per session). Needs capability `listSessions`.
 *
 * Not a snapshot of the whole store: a session written while the export runs may be seen
 * in part. Export a quiet store, or one whose sessions are finished.
 */
export async function* exportRecords(
  store: AgentStorage,
  query: TransferQuery = {},
  options: ExportOptions = {},
): AsyncGenerator<ExportRecord> {
  const { signal } = options;
  requireCapability(store, 'listSessions', 'exportRecords');
  signal?.throwIfAborted();
  // The end record's counts are those of the records this loop passes on, the header's included.
  let sessions = 0;
  let records = 0;
  for await (const record of sessionRecords(store, query, signal)) {
    records++;
    if (record.type === 'session') sessions++;
    yield record;
  }
  yield { type: 'end', sessions, records };
}

/** The header, then each session's record followed by its rows: the export without its end. */
async function* sessionRecords(
  store: AgentStorage,
  query: TransferQuery,
  signal: AbortSignal | undefined,
): AsyncGenerator<ExportRecord> {
  yield {
    type: 'header',
    format: EXPORT_FORMAT,
    version: EXPORT_VERSION,
    exportedAt: Math.floor(Date.now() / 1000),
    adapter: store.adapter,
  };
  for await (const session of walkSessions(store, query)) {
    signal?.throwIfAborted();
    yield { type: 'session', ...session };
    for await (const m of readChildren(store, session.id, 'messages')) yield { type: 'message', ...m };
    for await (const t of readChildren(store, session.id, 'toolCalls')) yield { type: 'toolCall', ...t };
    if (store.capabilities.questions)
      for (const q of await store.getQuestions(session.id)) yield { type: 'question', ...q };
    if (store.capabilities.settings)
      for (const s of await store.getSettings(session.id)) yield { type: 'setting', ...s };
  }
}
