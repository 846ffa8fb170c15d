/**
 * The records an agent run leaves behind. Field names are camelCase; the SQL
 * columns they map to are snake_case (see `docs/contract.md`).
 *
 * Timestamps are integers in whatever unit the application chose (nocodo writes
 * Unix seconds; the default clock writes Unix milliseconds). The kit never
 * converts them; it only requires them to be safe integers.
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
}

/** Input of `createToolCall`. Omitted optional fields take the defaults shown. */
export interface NewToolCall {
  sessionId: string;
  /** Default `null`. When set, must name a message of the same session. */
  messageId?: string | null;
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
}

/** Input of `updateToolCall`: the mutable fields. Omitted fields keep their value; `null` clears. */
export interface ToolCallUpdate {
  status?: ToolCallStatus;
  response?: JsonValue | null;
  executionTimeMs?: number | null;
  completedAt?: number | null;
  errorDetails?: string | null;
}
