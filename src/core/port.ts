import type { SessionStatus } from '../contract/types.js';
import type * as v from '../contract/validation.js';
import type { Row } from './rows.js';
import type { TableName } from './schema.js';

/**
 * The narrow port a backend implements; `StorageEngine` implements the whole contract over
 * it. A port stores and finds rows and says what happened (an outcome), nothing more:
 * validation, NOT_FOUND and CONFLICT, idempotency decisions, paging and cursors, CLOSED and
 * NOT_SUPPORTED are the engine's, written once for every backend.
 *
 * Rows go in as validated records (`src/contract/validation.ts`) and come out as the
 * columns the tables hold (`src/core/rows.ts`), which the engine decodes. Ids are the
 * decimal text of positive 64-bit integers (`isRowId`); the engine never asks a port about
 * anything else.
 */
export interface StoragePort {
  /** Shown in errors and reports: `sqlite`, `memory`, ... */
  readonly adapter: string;
  /** Data outlives `close()`. */
  readonly persistent: boolean;
  /**
   * Runs `fn` as one atomic unit (a transaction) with a port for its calls, serialised
   * against every other call on this port: committed when `fn` resolves, rolled back when it
   * rejects. Inside a unit the engine looks up keyed rows before inserting them (a failed
   * statement aborts a Postgres transaction), and when an insert still finds its key taken
   * (a concurrent copy committed meanwhile) it rejects with `RetryUnit` and runs `fn` again.
   */
  atomically<T>(fn: (unit: StoragePort) => Promise<T>): Promise<T>;

  insertSession(s: v.SessionRecord): Promise<string>;
  session(id: string): Promise<Row | undefined>;
  /** Sets the update's fields; with `expected`, only while the status is one of them. Resolves to the rows changed (0 or 1). */
  updateSession(
    id: string,
    update: v.UpdateRecord,
    expected: readonly SessionStatus[] | null,
  ): Promise<number>;
  /** Up to `q.limit + 1` sessions in listing order (startedAt, id descending), after `q.cursor`. */
  listSessions(q: v.SessionQueryRecord): Promise<Row[]>;
  /**
   * Deletes the session with everything under it, atomically; with `matching`, only while it
   * still matches those listing filters (their cursor aside), checked in the same step, so a
   * retention batch never deletes a session that stopped matching after it was listed.
   */
  deleteSession(id: string, matching?: v.SessionQueryRecord): Promise<boolean>;

  /** `no-parent`: the session does not exist. `duplicate`: its clientKey is taken in the session. */
  insertMessage(m: v.MessageRecord): Promise<string | 'no-parent' | 'duplicate'>;
  /** Inserts a batch's messages: ids in input order; `no-parent` or `duplicate` as for one. */
  insertMessages(ms: readonly v.MessageRecord[]): Promise<string[] | 'no-parent' | 'duplicate'>;
  messageByKey(sessionId: string, clientKey: string): Promise<Row | undefined>;
  /** The session of a message, or undefined. */
  messageSession(id: string): Promise<string | undefined>;
  /**
   * Inside a unit: holds these sessions until it ends, so that units writing into one session
   * run one after the other and the rows of each get their ids together (two batches side by
   * side on Postgres drew message and tool call ids in opposite orders, which no order of the
   * two explains). A no-op where units run one at a time already.
   */
  lockSessions(ids: readonly string[]): Promise<void>;
  messages(sessionId: string): Promise<Row[]>;

  /** `no-parent`: no such session, or `messageId` is not one of its messages. `duplicate`: its clientKey is taken. */
  insertToolCall(t: v.ToolCallRecord): Promise<string | 'no-parent' | 'duplicate'>;
  toolCallByKey(sessionId: string, clientKey: string): Promise<Row | undefined>;
  updateToolCall(id: string, update: v.UpdateRecord): Promise<number>;
  toolCalls(sessionId: string, pendingOnly: boolean): Promise<Row[]>;

  /** Up to `limit + 1` rows of one session in (createdAt, id) order after the cursor, or in reverse before it. */
  page(list: 'messages' | 'toolCalls', sessionId: string, query: PageRequest): Promise<Row[]>;
  count(list: 'messages' | 'toolCalls', sessionId: string): Promise<number>;

  /** One question or setting; `no-parent`: no such session, or its tool call is not one of the session's. */
  insertChild(
    kind: 'questions' | 'settings',
    sessionId: string,
    item: v.QuestionRecord | v.SettingRecord,
  ): Promise<string | 'no-parent'>;
  children(kind: 'questions' | 'settings', sessionId: string, pendingOnly: boolean): Promise<Row[]>;
  /**
   * Sets the value (answer) of the session's rows with `key`: `pending` ones (value still
   * NULL), or the `latest` one. Resolves to the rows changed.
   */
  setValue(
    kind: 'questions' | 'settings',
    sessionId: string,
    key: string,
    value: { value: string; at: number },
    which: 'pending' | 'latest',
  ): Promise<number>;

  close(): Promise<void>;

  /** Test hooks for the conformance suite; a port that offers them lets its store be inspected. */
  readonly inspection?: PortInspection;
}

/** What is stored, and damage done as another program might: for the suite's row counts and CORRUPT_DATA checks. */
export interface PortInspection {
  rowCounts(): Promise<Record<'agent_sessions' | 'agent_messages' | 'agent_tool_calls', number>>;
  /** Stores `value` as-is in `column` of row `id`, bypassing validation and constraints. */
  writeRaw(table: TableName, id: string, column: string, value: string | null): Promise<void>;
}

export interface PageRequest {
  /** `last`: the newest rows, read descending like `before` (the engine reverses). */
  direction: 'first' | 'last' | 'after' | 'before';
  cursor: v.CursorPosition | null;
  /** Rows to return at most (the engine asks for one more than the page to know whether more follow). */
  limit: number;
}

/** Thrown inside `atomically` to have the unit rolled back and run again. */
export class RetryUnit extends Error {
  override readonly name = 'RetryUnit';
}
