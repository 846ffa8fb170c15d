import type {
  Answer,
  Batch,
  BatchResult,
  Message,
  NewMessage,
  NewQuestion,
  NewSession,
  NewSetting,
  NewToolCall,
  Page,
  PageQuery,
  Question,
  Session,
  SessionDeleteQuery,
  SessionQuery,
  SessionUpdate,
  SessionUpdateOptions,
  Setting,
  SettingValue,
  ToolCall,
  ToolCallUpdate,
} from './types.js';

/**
 * What an adapter declares about itself. The conformance suite runs a group of
 * requirements only when the matching flag is set, and never skips by adapter name.
 */
export interface Capabilities {
  /** Data outlives `close()`: a store reopened over the same location reads it back. */
  readonly persistent: boolean;
  /** `listSessions`. */
  readonly listSessions: boolean;
  /** `getMessagesPage`, `getToolCallsPage`, `countMessages`, `countToolCalls`. */
  readonly paging: boolean;
  /** `deleteSession`, `deleteSessions`. */
  readonly deleteSession: boolean;
  /** `appendBatch`. */
  readonly batch: boolean;
  /** `clientKey` on messages and tool calls: a retried create returns the first id. */
  readonly idempotency: boolean;
  /** The `expectedStatus` option of `updateSession`. */
  readonly conditionalUpdate: boolean;
  /** `createQuestions`, `getQuestions`, `getPendingQuestions`, `answerQuestions`. */
  readonly questions: boolean;
  /** `createSettings`, `getSettings`, `getPendingSettings`, `setSettingValues`. */
  readonly settings: boolean;
}

/** Names of the optional capabilities (every flag but `persistent`). */
export type OptionalCapability = Exclude<keyof Capabilities, 'persistent'>;

/** Every capability flag set, as the built-in adapters declare. */
export const ALL_CAPABILITIES: Omit<Capabilities, 'persistent'> = Object.freeze({
  listSessions: true,
  paging: true,
  deleteSession: true,
  batch: true,
  idempotency: true,
  conditionalUpdate: true,
  questions: true,
  settings: true,
});

/**
 * The storage contract for agent runs: nocodo-agents' nine operations plus `close()`.
 *
 * Obligations every implementation shares (each is a requirement in `conformance/`):
 * - Every operation returns a promise and reports every failure by rejecting it with an
 *   `AgentStorageError`, never by throwing synchronously (`errors.async`): bad arguments,
 *   an undeclared capability and a closed store included.
 * - Input is validated before anything is written; bad input rejects with
 *   `INVALID_INPUT` naming the field, and the store is unchanged.
 * - Ids are opaque strings assigned by the store. Reads of an unknown or malformed id
 *   return `null` / `[]`; writes that name one reject with `NOT_FOUND`.
 * - Returned objects are fresh copies; mutating them, or an input after the call,
 *   never changes what is stored.
 * - A stored value the contract cannot represent rejects with `CORRUPT_DATA`
 *   naming table, row and column; it is never remapped.
 * - After `close()`, every call rejects with `CLOSED`.
 * - An operation whose capability the adapter does not declare rejects with `NOT_SUPPORTED`.
 */
export interface AgentStorage {
  /** Which adapter this is (`sqlite`, `memory`, ...); used in error messages and reports. */
  readonly adapter: string;

  /** Optional features this adapter supports. */
  readonly capabilities: Capabilities;

  /**
   * Records a new session and returns its id.
   *
   * `startedAt` defaults to the storage's clock, `status` to `running`, `config`,
   * `systemPrompt`, `endedAt`, `result` and `error` to `null`.
   * Rejects with `INVALID_INPUT` for a missing or empty `agentName`, `provider` or `model`,
   * an unknown status, a non-JSON config, a text field holding U+0000 or a lone
   * surrogate, a timestamp that is not a safe integer, or an unknown field.
   */
  createSession(session: NewSession): Promise<string>;

  /**
   * Reads one session.
   *
   * Returns `null` when no session has this id (including ids this store could never
   * have issued). Rejects with `CORRUPT_DATA` when the stored row cannot be represented.
   */
  getSession(id: string): Promise<Session | null>;

  /**
   * Changes the mutable fields of a session: `status`, `endedAt`, `result`, `error`.
   *
   * Omitted fields keep their value; `null` clears a nullable one. Rejects with
   * `NOT_FOUND` when no session has this id (never a silent no-op, never an insert),
   * `INVALID_INPUT` for an empty update, a bad value, or any other field (they are immutable).
   * With `options.expectedStatus` (capability `conditionalUpdate`) the update happens only
   * if the session is in that status (or one of them), atomically; otherwise `CONFLICT`
   * and nothing changes, so two workers cannot both finish one session.
   */
  updateSession(id: string, update: SessionUpdate, options?: SessionUpdateOptions): Promise<void>;

  /**
   * Appends a message to a session and returns its id.
   *
   * `createdAt` defaults to the storage's clock; `content` may be empty.
   * Rejects with `NOT_FOUND` when the session does not exist, `INVALID_INPUT` for an
   * unknown role or any other bad field.
   */
  createMessage(message: NewMessage): Promise<string>;

  /**
   * Lists a session's messages ordered by `createdAt`, ties in insertion order.
   *
   * Returns `[]` for an unknown session.
   */
  getMessages(sessionId: string): Promise<Message[]>;

  /**
   * Lists sessions newest first (`startedAt` descending, ties by id descending), filtered
   * by status, agent, provider, model and a `startedAt` range, one keyset page at a time.
   * Capability `listSessions`. Rejects with `INVALID_INPUT` for a bad filter, a limit outside
   * 1..`PAGE_LIMIT.max`, or a cursor no store of this kind could have issued (a cursor names
   * a position, not a store or a filter).
   */
  listSessions(query?: SessionQuery): Promise<Page<Session>>;

  /**
   * Deletes a session with everything that hangs from it (messages, tool calls, questions,
   * settings) in one atomic step. Resolves `true` when it existed, `false` when not.
   * Capability `deleteSession`.
   */
  deleteSession(id: string): Promise<boolean>;

  /**
   * Retention in bounded batches: deletes up to `limit` of the sessions matching every filter
   * of `query`, in `listSessions` order, each with everything under it and each all-or-nothing
   * as `deleteSession`; resolves how many it deleted. A session is deleted only if it still
   * matches at that moment: one changed since the batch was chosen (a failed run retried, now
   * running) stays (`delete.bulk-current`). Call again until it resolves 0: a batch
   * never holds a long transaction or the whole store. A failure rejects; the sessions deleted
   * before it stay deleted, each whole. Capability `deleteSession`. Rejects with
   * `INVALID_INPUT` (field `query`) when no filter is given (deleting every session takes an
   * explicit one, such as `startedBefore`), and for a bad filter or limit.
   */
  deleteSessions(query: SessionDeleteQuery): Promise<number>;

  /**
   * One page of a session's messages in `getMessages` order: the first `limit` after the
   * `after` cursor, or the last `limit` before the `before` cursor (still ascending).
   * Costs the same deep in a long session as at its start (keyset, never OFFSET).
   * Capability `paging`. An unknown session gives an empty page.
   */
  getMessagesPage(sessionId: string, query?: PageQuery): Promise<Page<Message>>;

  /** Number of messages in a session (0 for an unknown one). Capability `paging`. */
  countMessages(sessionId: string): Promise<number>;

  /**
   * Appends messages and tool calls in one call, all or nothing, in one transaction and
   * as few round trips as the backend allows. A tool call may point at a message of the
   * same batch with `messageIndex`. Every item is validated first (`INVALID_INPUT` names
   * `messages[i].field`); an unknown session or message is `NOT_FOUND`; with
   * `idempotency`, repeated keys behave as in the single creates, and a retried batch
   * writes nothing new. Resolves to the ids in input order. An empty batch writes nothing
   * and resolves to empty lists, whatever its sessions. Capability `batch`.
   */
  appendBatch(batch: Batch): Promise<BatchResult>;

  /**
   * Records a tool call and returns its id.
   *
   * `status` defaults to `pending`, `createdAt` to the storage's clock, the rest to `null`.
   * Rejects with `NOT_FOUND` when the session does not exist, or when `messageId` is set and
   * does not name a message of that session. Rejects with `INVALID_INPUT` for an empty
   * `toolCallId` or `toolName`, a non-JSON request or response, or any other bad field.
   * `toolCallId` may repeat within a session (providers reuse ids; nocodo stores each).
   * With `idempotency`, a `clientKey` identifies the call within its session: repeating the
   * create with the same messageId, toolCallId, toolName and request (and createdAt, when
   * given) returns the first id and writes nothing; a different payload is `CONFLICT`.
   */
  createToolCall(toolCall: NewToolCall): Promise<string>;

  /**
   * Changes the mutable fields of a tool call: `status`, `response`, `executionTimeMs`,
   * `completedAt`, `errorDetails`.
   *
   * Omitted fields keep their value; `null` clears. Rejects with `NOT_FOUND` when no tool
   * call has this id, `INVALID_INPUT` for an empty update, a bad value, or any other field.
   */
  updateToolCall(id: string, update: ToolCallUpdate): Promise<void>;

  /**
   * Lists a session's tool calls ordered by `createdAt`, ties in insertion order.
   *
   * Returns `[]` for an unknown session.
   */
  getToolCalls(sessionId: string): Promise<ToolCall[]>;

  /**
   * Lists a session's tool calls whose status is exactly `pending`, in the order of `getToolCalls`.
   *
   * Returns `[]` for an unknown session.
   */
  getPendingToolCalls(sessionId: string): Promise<ToolCall[]>;

  /**
   * One page of a session's tool calls in `getToolCalls` order; see `getMessagesPage`.
   * Capability `paging`.
   */
  getToolCallsPage(sessionId: string, query?: PageQuery): Promise<Page<ToolCall>>;

  /** Number of tool calls in a session (0 for an unknown one). Capability `paging`. */
  countToolCalls(sessionId: string): Promise<number>;

  /**
   * Stores questions for a session, optionally tied to one of its tool calls; resolves to
   * their ids, one new row per question. A `questionId` may repeat (an agent asks `q1` again
   * in a later round), as nocodo stores it. `NOT_FOUND` for an unknown session or tool call.
   * An empty list resolves to `[]` and writes and checks nothing, whatever the session (the
   * same for every list-taking call below). Capability `questions`.
   */
  createQuestions(sessionId: string, questions: NewQuestion[]): Promise<string[]>;

  /** A session's questions ordered by createdAt, ties in insertion order. Capability `questions`. */
  getQuestions(sessionId: string): Promise<Question[]>;

  /** The session's unanswered questions, in `getQuestions` order. Capability `questions`. */
  getPendingQuestions(sessionId: string): Promise<Question[]>;

  /**
   * Stores answers by `questionId`, all or nothing. An answer goes to every still-unanswered
   * question of the session with that id; when none is unanswered, it replaces the answer of
   * the latest one (answering again). Earlier rounds' answers are never overwritten by a
   * later round's. `NOT_FOUND` when the session has no question with that id; a `questionId`
   * repeated within one call is `INVALID_INPUT`. Capability `questions`.
   */
  answerQuestions(sessionId: string, answers: Answer[]): Promise<void>;

  /**
   * Stores settings for a session (value `null` = still to collect); resolves to their
   * ids, one new row per setting. A `settingKey` may repeat, as nocodo stores it.
   * Capability `settings`.
   */
  createSettings(sessionId: string, settings: NewSetting[]): Promise<string[]>;

  /** All settings of a session ordered by createdAt, ties in insertion order. Capability `settings`. */
  getSettings(sessionId: string): Promise<Setting[]>;

  /** Settings whose value is still `null`, in `getSettings` order. Capability `settings`. */
  getPendingSettings(sessionId: string): Promise<Setting[]>;

  /**
   * Stores values by `settingKey`, all or nothing, as `answerQuestions` stores answers: to
   * every setting of the session with that key whose value is still `null`, else to the
   * latest one. `NOT_FOUND` when the session has no such setting. Capability `settings`.
   */
  setSettingValues(sessionId: string, values: SettingValue[]): Promise<void>;

  /**
   * Releases the store's resources. Idempotent.
   *
   * Calls made before it settle as if it came after them (a write in flight resolves and
   * is stored; a call of several steps, such as a keyed retry that reads the first write
   * back, finishes them all), and it resolves once they have (`close.in-flight`). Every other call made
   * afterwards rejects with `CLOSED`. Stores opened from an existing client (a
   * better-sqlite3 `Database`, a `pg.Pool`) leave that client open.
   */
  close(): Promise<void>;
}

/** Options every adapter accepts. */
export interface StorageOptions {
  /** Source of `startedAt` / `createdAt` when the caller omits them: Unix seconds. Default `Math.floor(Date.now() / 1000)`. */
  clock?: (() => number) | undefined;
}
