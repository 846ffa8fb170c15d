import { AgentStorageError } from '../contract/errors.js';
import type { AgentStorage, Capabilities, StorageOptions } from '../contract/storage.js';
import type {
  Message,
  NewMessage,
  NewSession,
  NewToolCall,
  Session,
  SessionUpdate,
  ToolCall,
  ToolCallUpdate,
} from '../contract/types.js';
import {
  type UpdateRecord,
  type ValidationContext,
  validateIdArgument,
  validateNewMessage,
  validateNewSession,
  validateNewToolCall,
  validateSessionUpdate,
  validateToolCallUpdate,
} from '../contract/validation.js';
import {
  COLUMN_OF,
  decodeMessage,
  decodeSession,
  decodeToolCall,
  type MessageRow,
  type SessionRow,
  TABLES,
  type TableName,
  type ToolCallRow,
} from '../core/rows.js';

const ADAPTER = 'memory';

type AnyRow = { id: string } & Record<string, unknown>;

/** The stored rows, in the same shape the SQL adapters select, so one decoder checks both. */
export interface MemoryTables {
  readonly agent_sessions: Map<string, SessionRow>;
  readonly agent_messages: Map<string, MessageRow>;
  readonly agent_tool_calls: Map<string, ToolCallRow>;
}

const tablesOf = new WeakMap<MemoryAgentStorage, MemoryTables>();

/**
 * The raw rows behind a memory store, for tests that must see or damage what is stored
 * (the conformance suite's row counts and corrupt-data checks).
 */
export function memoryTables(store: MemoryAgentStorage): MemoryTables {
  return tablesOf.get(store) as MemoryTables;
}

/**
 * The contract without SQL: rows in maps, ids from counters. Data lives as long as the
 * object; `capabilities.persistent` is false. Rows hold JSON as text, exactly as the SQL
 * adapters do, so every copy handed out is fresh and `-0` or key order behave the same.
 */
export class MemoryAgentStorage implements AgentStorage {
  readonly adapter = ADAPTER;
  readonly capabilities: Capabilities = Object.freeze({ persistent: false });
  readonly #tables: MemoryTables = {
    agent_sessions: new Map(),
    agent_messages: new Map(),
    agent_tool_calls: new Map(),
  };
  /** Children per session in insertion order; reads sort stably by created_at. */
  readonly #children = new Map<string, { messages: MessageRow[]; toolCalls: ToolCallRow[] }>();
  #lastId = 0;
  readonly #ctx: ValidationContext;
  #closed = false;

  constructor(options: StorageOptions = {}) {
    this.#ctx = { adapter: ADAPTER, clock: options.clock ?? Date.now };
    tablesOf.set(this, this.#tables);
  }

  async createSession(input: NewSession): Promise<string> {
    this.#assertOpen();
    const s = validateNewSession(this.#ctx, input);
    const id = this.#nextId();
    this.#tables.agent_sessions.set(id, {
      id,
      agent_name: s.agentName,
      provider: s.provider,
      model: s.model,
      system_prompt: s.systemPrompt,
      user_prompt: s.userPrompt,
      config: s.config,
      status: s.status,
      started_at: s.startedAt,
      ended_at: s.endedAt,
      result: s.result,
      error: s.error,
    });
    this.#children.set(id, { messages: [], toolCalls: [] });
    return id;
  }

  async getSession(id: string): Promise<Session | null> {
    this.#assertOpen();
    const row = this.#tables.agent_sessions.get(validateIdArgument(this.#ctx, 'getSession', 'id', id));
    return row === undefined ? null : decodeSession(ADAPTER, row);
  }

  async updateSession(id: string, update: SessionUpdate): Promise<void> {
    this.#assertOpen();
    const record = validateSessionUpdate(this.#ctx, id, update);
    this.#update('updateSession', TABLES.sessions, 'session', id, record);
  }

  async createMessage(input: NewMessage): Promise<string> {
    this.#assertOpen();
    const m = validateNewMessage(this.#ctx, input);
    const children = this.#children.get(m.sessionId);
    if (children === undefined)
      throw this.#notFound('createMessage', `session ${JSON.stringify(m.sessionId)}`);
    const id = this.#nextId();
    const row: MessageRow = {
      id,
      session_id: m.sessionId,
      role: m.role,
      content: m.content,
      created_at: m.createdAt,
    };
    this.#tables.agent_messages.set(id, row);
    children.messages.push(row);
    return id;
  }

  async getMessages(sessionId: string): Promise<Message[]> {
    this.#assertOpen();
    const children = this.#children.get(validateIdArgument(this.#ctx, 'getMessages', 'sessionId', sessionId));
    return children ? byCreatedAt(children.messages).map((row) => decodeMessage(ADAPTER, row)) : [];
  }

  async createToolCall(input: NewToolCall): Promise<string> {
    this.#assertOpen();
    const t = validateNewToolCall(this.#ctx, input);
    const children = this.#children.get(t.sessionId);
    const message = t.messageId === null ? undefined : this.#tables.agent_messages.get(t.messageId);
    if (children === undefined || (t.messageId !== null && message?.session_id !== t.sessionId)) {
      const what =
        t.messageId === null
          ? `session ${JSON.stringify(t.sessionId)}`
          : `session ${JSON.stringify(t.sessionId)} with message ${JSON.stringify(t.messageId)}`;
      throw this.#notFound('createToolCall', what);
    }
    const id = this.#nextId();
    const row: ToolCallRow = {
      id,
      session_id: t.sessionId,
      message_id: t.messageId,
      tool_call_id: t.toolCallId,
      tool_name: t.toolName,
      request: t.request,
      response: t.response,
      status: t.status,
      execution_time_ms: t.executionTimeMs,
      created_at: t.createdAt,
      completed_at: t.completedAt,
      error_details: t.errorDetails,
    };
    this.#tables.agent_tool_calls.set(id, row);
    children.toolCalls.push(row);
    return id;
  }

  async updateToolCall(id: string, update: ToolCallUpdate): Promise<void> {
    this.#assertOpen();
    const record = validateToolCallUpdate(this.#ctx, id, update);
    this.#update('updateToolCall', TABLES.toolCalls, 'tool call', id, record);
  }

  async getToolCalls(sessionId: string): Promise<ToolCall[]> {
    return this.#toolCalls('getToolCalls', sessionId, () => true);
  }

  async getPendingToolCalls(sessionId: string): Promise<ToolCall[]> {
    return this.#toolCalls('getPendingToolCalls', sessionId, (row) => row.status === 'pending');
  }

  async close(): Promise<void> {
    this.#closed = true;
  }

  #toolCalls(op: string, sessionId: string, keep: (row: ToolCallRow) => boolean): ToolCall[] {
    this.#assertOpen();
    const children = this.#children.get(validateIdArgument(this.#ctx, op, 'sessionId', sessionId));
    return children
      ? byCreatedAt(children.toolCalls.filter(keep)).map((row) => decodeToolCall(ADAPTER, row))
      : [];
  }

  #update(op: string, table: TableName, what: string, id: string, record: UpdateRecord): void {
    const row = (this.#tables as unknown as Record<TableName, Map<string, AnyRow>>)[table].get(id);
    if (row === undefined) throw this.#notFound(op, `${what} ${JSON.stringify(id)}`);
    record.fields.forEach((field, i) => {
      row[COLUMN_OF[field] as string] = record.values[i];
    });
  }

  /** One counter for every table: ids are opaque, and distinct ids catch mixed-up arguments. */
  #nextId(): string {
    this.#lastId += 1;
    return String(this.#lastId);
  }

  #notFound(op: string, what: string): AgentStorageError {
    return new AgentStorageError('NOT_FOUND', `${op}: no ${what}`, { adapter: ADAPTER });
  }

  #assertOpen(): void {
    if (this.#closed) throw new AgentStorageError('CLOSED', 'the storage was closed', { adapter: ADAPTER });
  }
}

/** Rows sorted by created_at; `toSorted` is stable, so ties keep insertion order. */
function byCreatedAt<Row extends { created_at: unknown }>(rows: readonly Row[]): Row[] {
  return rows.toSorted((a, b) => Number(a.created_at) - Number(b.created_at));
}
