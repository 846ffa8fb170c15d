/**
 * The records an agent run leaves behind. Field names are camelCase; the SQL
 * columns they map to are snake_case (see `docs/contract.md`).
 *
 * Timestamps (`startedAt`, `createdAt`, ...) are Unix **seconds**, integers, as nocodo
 * writes them; the default clock writes seconds too. Durations (`executionTimeMs`) are
 * milliseconds. Ties in a second are the norm; order within one is insertion order.
 */

/** A JSON value exactly as `JSON.parse` could return it (plus `-0`, which round-trips). */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

export const SESSION_STATUSES = ['running', 'completed', 'failed', 'waiting_for_user_input'] as const;
export type SessionStatus = (typeof SESSION_STATUSES)[number];

export const MESSAGE_ROLES = ['user', 'assistant', 'system', 'tool'] as const;
export type MessageRole = (typeof MESSAGE_ROLES)[number];

export const TOOL_CALL_STATUSES = ['pending', 'executing', 'completed', 'failed'] as const;
export type ToolCallStatus = (typeof TOOL_CALL_STATUSES)[number];

/** One agent run. */
export interface Session {
  /** Opaque, assigned by the store. */
  id: string;
  agentName: string;
  provider: string;
  model: string;
  systemPrompt: string | null;
  userPrompt: string;
  config: JsonValue;
  status: SessionStatus;
  startedAt: number;
  endedAt: number | null;
  result: string | null;
  error: string | null;
}

/** One turn of the conversation inside a session. */
export interface Message {
  id: string;
  sessionId: string;
  role: MessageRole;
  /** May be empty: an assistant turn that only calls tools has no text. */
  content: string;
  createdAt: number;
  /** The caller's idempotency key, unique within the session; `null` when none was given. */
  clientKey: string | null;
}

/** One tool invocation requested by the model. */
export interface ToolCall {
  id: string;
  sessionId: string;
  /** The message that requested the call, if recorded. */
  messageId: string | null;
  /** The provider's id for the call (used to match the result to the request). */
  toolCallId: string;
  toolName: string;
  request: JsonValue;
  response: JsonValue | null;
  status: ToolCallStatus;
  executionTimeMs: number | null;
  createdAt: number;
  completedAt: number | null;
  errorDetails: string | null;
  /** The caller's idempotency key, unique within the session; `null` when none was given. */
  clientKey: string | null;
}

/** Input of `createSession`. Omitted optional fields take the defaults shown. */
export interface NewSession {
  agentName: string;
  provider: string;
  model: string;
  /** Default `null`. */
  systemPrompt?: string | null;
  userPrompt: string;
  /** Default `null`. */
  config?: JsonValue;
  /** Default `'running'`. */
  status?: SessionStatus;
  /** Default: the storage's clock. */
  startedAt?: number;
  /** Default `null`. */
  endedAt?: number | null;
  /** Default `null`. */
  result?: string | null;
  /** Default `null`. */
  error?: string | null;
}

/** Input of `updateSession`: the mutable fields. Omitted fields keep their value; `null` clears. */
export interface SessionUpdate {
  status?: SessionStatus;
  endedAt?: number | null;
  result?: string | null;
  error?: string | null;
}

/** Input of `createMessage`. */
export interface NewMessage {
  sessionId: string;
  role: MessageRole;
  content: string;
  /** Default: the storage's clock. */
  createdAt?: number;
  /**
   * Idempotency key, unique within the session. Repeating a create with the same key and
   * the same role, content (and createdAt, when given) returns the first id and writes
   * nothing; with a different payload it rejects with `CONFLICT`. Default `null`.
   */
  clientKey?: string | null;
}

/** Input of `createToolCall`. Omitted optional fields take the defaults shown. */
export interface NewToolCall {
  sessionId: string;
  /** Default `null`. When set, must name a message of the same session. */
  messageId?: string | null;
  /**
   * The provider's id for the call. Not unique: providers reuse ids (`call_0`) across turns,
   * and nocodo stores every one.
   */
  toolCallId: string;
  toolName: string;
  request: JsonValue;
  /** Default `null`. */
  response?: JsonValue | null;
  /** Default `'pending'`. */
  status?: ToolCallStatus;
  /** Default `null`. */
  executionTimeMs?: number | null;
  /** Default: the storage's clock. */
  createdAt?: number;
  /** Default `null`. */
  completedAt?: number | null;
  /** Default `null`. */
  errorDetails?: string | null;
  /**
   * Idempotency key, unique within the session. Repeating a create with the same key and the
   * same messageId, toolCallId, toolName and request (and createdAt, when given) returns the
   * first id and writes nothing; with a different payload it rejects with `CONFLICT`.
   * Default `null`.
   */
  clientKey?: string | null;
}

/** Input of `updateToolCall`: the mutable fields. Omitted fields keep their value; `null` clears. */
export interface ToolCallUpdate {
  status?: ToolCallStatus;
  response?: JsonValue | null;
  executionTimeMs?: number | null;
  completedAt?: number | null;
  errorDetails?: string | null;
}

/** One page of a keyset-paginated read. */
export interface Page<T> {
  items: T[];
  /**
   * Continues in the same direction (pass it as `after` for a forward read, as `before`
   * for a backward one); `null` when there is nothing further. Opaque; stays valid while
   * rows are added.
   */
  nextCursor: string | null;
}

/** Default and maximum `limit` of every paged read. */
export const PAGE_LIMIT = { default: 50, max: 1000 } as const;

/** Input of `listSessions`: every filter is optional and they combine with AND. */
export interface SessionQuery {
  /** One status, or any of several. */
  status?: SessionStatus | SessionStatus[];
  agentName?: string;
  provider?: string;
  model?: string;
  /** Sessions with `startedAt >= startedFrom`. */
  startedFrom?: number;
  /** Sessions with `startedAt < startedBefore`. */
  startedBefore?: number;
  /** Sessions that ended (`endedAt` set) with `endedAt < endedBefore`; one still open never matches. */
  endedBefore?: number;
  /** Default `PAGE_LIMIT.default`, at most `PAGE_LIMIT.max`. */
  limit?: number;
  /** A `nextCursor` from the previous page. */
  cursor?: string;
}

/**
 * Input of `deleteSessions`: the filters of `listSessions` (at least one; they combine with
 * AND) and `limit`, the most sessions one call deletes (default `PAGE_LIMIT.default`, at most
 * `PAGE_LIMIT.max`).
 */
export type SessionDeleteQuery = Omit<SessionQuery, 'cursor'>;

/** Input of the paged reads of messages and tool calls, in the contract's order (createdAt, then insertion). */
export interface PageQuery {
  /** Default `PAGE_LIMIT.default`, at most `PAGE_LIMIT.max`. */
  limit?: number;
  /** Rows strictly after this cursor (the first page when neither is given). */
  after?: string;
  /** Rows strictly before this cursor; the page still reads in ascending order. */
  before?: string;
  /**
   * `'end'`: the last `limit` rows (the latest N a chat view or a context window wants),
   * still ascending, with a `nextCursor` to pass as `before` for earlier ones. Default
   * `'start'`. Not combined with `after` or `before`.
   */
  from?: 'start' | 'end';
}

/** Options of `updateSession`. */
export interface SessionUpdateOptions {
  /** Update only if the session's current status is this one (or one of these), else `CONFLICT`. */
  expectedStatus?: SessionStatus | SessionStatus[];
}

/** A tool call inside `appendBatch`: may point at a message of the same batch by index. */
export interface BatchToolCall extends NewToolCall {
  /** Index into the batch's `messages`; the call's `messageId` becomes that message's id. Excludes `messageId`. */
  messageIndex?: number;
}

/** Input of `appendBatch`. */
export interface Batch {
  messages?: NewMessage[];
  toolCalls?: BatchToolCall[];
}

/** Result of `appendBatch`: ids in input order. */
export interface BatchResult {
  messageIds: string[];
  toolCallIds: string[];
}

/** A question the requirements-gathering agent asked (`project_requirements_qna`). */
export interface Question {
  id: string;
  sessionId: string;
  /** The tool call that asked it, if recorded. */
  toolCallId: string | null;
  /**
   * The agent's own id for the question. Not unique: an agent may ask `q1` again in a later
   * round, and both rows are kept (as nocodo keeps them).
   */
  questionId: string;
  question: string;
  description: string | null;
  /** How the answer is expected (`text`, ...). Default `text`. */
  responseType: string;
  answer: string | null;
  createdAt: number;
  answeredAt: number | null;
}

export interface NewQuestion {
  /** Default `null`; when set, must name a tool call of the same session. */
  toolCallId?: string | null;
  questionId: string;
  question: string;
  /** Default `null`. */
  description?: string | null;
  /** Default `text`. */
  responseType?: string;
  /** Default: the storage's clock. */
  createdAt?: number;
}

export interface Answer {
  questionId: string;
  answer: string;
  /** Default: the storage's clock. */
  answeredAt?: number;
}

/** A setting the settings-management agent collects (`project_settings`). */
export interface Setting {
  id: string;
  sessionId: string;
  toolCallId: string | null;
  /** Not unique: a key asked for again is a new row, as nocodo stores it. */
  settingKey: string;
  settingName: string;
  description: string | null;
  /** Default `text`. */
  settingType: string;
  settingValue: string | null;
  createdAt: number;
  updatedAt: number | null;
}

export interface NewSetting {
  toolCallId?: string | null;
  settingKey: string;
  settingName: string;
  description?: string | null;
  settingType?: string;
  /** Default `null` (pending). */
  settingValue?: string | null;
  createdAt?: number;
}

export interface SettingValue {
  settingKey: string;
  value: string;
  /** Default: the storage's clock. */
  updatedAt?: number;
}
