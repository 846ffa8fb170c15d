import type {
  Message,
  NewMessage,
  NewSession,
  NewToolCall,
  Session,
  SessionUpdate,
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
}

/**
 * The storage contract for agent runs: nocodo-agents' nine operations plus `close()`.
 *
 * Obligations every implementation shares (each is a requirement in `conformance/`):
 * - Input is validated before anything is written; bad input rejects with
 *   `INVALID_INPUT` naming the field, and the store is unchanged.
 * - Ids are opaque strings assigned by the store. Reads of an unknown or malformed id
 *   return `null` / `[]`; writes that name one reject with `NOT_FOUND`.
 * - Returned objects are fresh copies; mutating them, or an input after the call,
 *   never changes what is stored.
 * - A stored value the contract cannot represent rejects with `CORRUPT_DATA`
 *   naming table, row and column; it is never remapped.
 * - After `close()`, every call rejects with `CLOSED`.
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
   * Throws `INVALID_INPUT` for a missing or empty `agentName`, `provider` or `model`,
   * an unknown status, a non-JSON config, a text field holding U+0000 or a lone
   * surrogate, a timestamp that is not a safe integer, or an unknown field.
   */
  createSession(session: NewSession): Promise<string>;

  /**
   * Reads one session.
   *
   * Returns `null` when no session has this id (including ids this store could never
   * have issued). Throws `CORRUPT_DATA` when the stored row cannot be represented.
   */
  getSession(id: string): Promise<Session | null>;

  /**
   * Changes the mutable fields of a session: `status`, `endedAt`, `result`, `error`.
   *
   * Omitted fields keep their value; `null` clears a nullable one. Throws
   * `NOT_FOUND` when no session has this id (never a silent no-op, never an insert),
   * `INVALID_INPUT` for an empty update, a bad value, or any other field (they are immutable).
   */
  updateSession(id: string, update: SessionUpdate): Promise<void>;

  /**
   * Appends a message to a session and returns its id.
   *
   * `createdAt` defaults to the storage's clock; `content` may be empty.
   * Throws `NOT_FOUND` when the session does not exist, `INVALID_INPUT` for an
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
   * Records a tool call and returns its id.
   *
   * `status` defaults to `pending`, `createdAt` to the storage's clock, the rest to `null`.
   * Throws `NOT_FOUND` when the session does not exist, or when `messageId` is set and
   * does not name a message of that session. Throws `INVALID_INPUT` for an empty
   * `toolCallId` or `toolName`, a non-JSON request or response, or any other bad field.
   */
  createToolCall(toolCall: NewToolCall): Promise<string>;

  /**
   * Changes the mutable fields of a tool call: `status`, `response`, `executionTimeMs`,
   * `completedAt`, `errorDetails`.
   *
   * Omitted fields keep their value; `null` clears. Throws `NOT_FOUND` when no tool
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
   * Releases the store's resources. Idempotent.
   *
   * Every other call made afterwards rejects with `CLOSED`. Stores opened from an
   * existing client (a better-sqlite3 `Database`, a `pg.Pool`) leave that client open.
   */
  close(): Promise<void>;
}

/** Options every adapter accepts. */
export interface StorageOptions {
  /** Source of `startedAt` / `createdAt` when the caller omits them. Default `Date.now`. */
  clock?: (() => number) | undefined;
}
