import { unixSeconds } from '../contract/clock.js';
import { AgentStorageError } from '../contract/errors.js';
import {
  type AgentStorage,
  ALL_CAPABILITIES,
  type Capabilities,
  type StorageOptions,
} from '../contract/storage.js';
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
  SessionQuery,
  SessionUpdate,
  SessionUpdateOptions,
  Setting,
  SettingValue,
  ToolCall,
  ToolCallUpdate,
} from '../contract/types.js';
import {
  type MessageRecord,
  type ToolCallRecord,
  type UpdateRecord,
  type ValidationContext,
  validateAnswers,
  validateBatch,
  validateExpectedStatus,
  validateIdArgument,
  validateNewMessage,
  validateNewSession,
  validateNewToolCall,
  validatePageQuery,
  validateQuestions,
  validateSessionQuery,
  validateSessionUpdate,
  validateSettings,
  validateSettingValues,
  validateToolCallUpdate,
} from '../contract/validation.js';
import { idempotencyConflict, sameMessage, sameToolCall } from '../core/idempotency.js';
import { isRowId } from '../core/ids.js';
import { toPage } from '../core/paging.js';
import {
  COLUMN_OF,
  decodeMessage,
  decodeQuestion,
  decodeSession,
  decodeSetting,
  decodeToolCall,
  type MessageRow,
  type QuestionRow,
  type SessionRow,
  type SettingRow,
  TABLES,
  type TableName,
  type ToolCallRow,
} from '../core/rows.js';

const ADAPTER = 'memory';

type AnyRow = { id: string } & Record<string, unknown>;
/** The tables as generic rows, for the code that treats them alike. */
const generic = (table: Map<string, unknown>) => table as Map<string, AnyRow>;

/** The stored rows, in the same shape the SQL adapters select, so one decoder checks both. */
export interface MemoryTables {
  readonly agent_sessions: Map<string, SessionRow>;
  readonly agent_messages: Map<string, MessageRow>;
  readonly agent_tool_calls: Map<string, ToolCallRow>;
  readonly project_requirements_qna: Map<string, QuestionRow>;
  readonly project_settings: Map<string, SettingRow>;
}

const tablesOf = new WeakMap<MemoryAgentStorage, MemoryTables>();

/**
 * The raw rows behind a memory store, for tests that must see or damage what is stored
 * (the conformance suite's row counts and corrupt-data checks).
 */
export function memoryTables(store: MemoryAgentStorage): MemoryTables {
  return tablesOf.get(store) as MemoryTables;
}

/** Ids are one counter's decimal text, so numeric order is insertion order (as for SQL row ids). */
const byPosition = (a: { created_at: unknown; id: string }, b: { created_at: unknown; id: string }) =>
  Number(a.created_at) - Number(b.created_at) || Number(a.id) - Number(b.id);

/** Keyset comparison against a cursor position: negative when the row comes before it. */
const comparePosition = (row: { created_at: unknown; id: string }, key: number, id: string) =>
  Number(row.created_at) - key || Number(row.id) - Number(id);

/**
 * The contract without SQL: rows in maps, ids from one counter. Data lives as long as the
 * object; `capabilities.persistent` is false. Rows hold JSON as text, exactly as the SQL
 * adapters do, so every copy handed out is fresh and `-0` or key order behave the same.
 * Multi-row writes validate and check everything before the first change, which is what
 * makes them all-or-nothing here.
 */
export class MemoryAgentStorage implements AgentStorage {
  readonly adapter = ADAPTER;
  readonly capabilities: Capabilities = Object.freeze({ persistent: false, ...ALL_CAPABILITIES });
  readonly #tables: MemoryTables = {
    agent_sessions: new Map(),
    agent_messages: new Map(),
    agent_tool_calls: new Map(),
    project_requirements_qna: new Map(),
    project_settings: new Map(),
  };
  #lastId = 0;
  readonly #ctx: ValidationContext;
  #closed = false;

  constructor(options: StorageOptions = {}) {
    this.#ctx = { adapter: ADAPTER, clock: options.clock ?? unixSeconds };
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
    return id;
  }

  async getSession(id: string): Promise<Session | null> {
    this.#assertOpen();
    const row = this.#tables.agent_sessions.get(validateIdArgument(this.#ctx, 'getSession', 'id', id));
    return row === undefined ? null : decodeSession(ADAPTER, row);
  }

  async updateSession(id: string, update: SessionUpdate, options?: SessionUpdateOptions): Promise<void> {
    this.#assertOpen();
    const record = validateSessionUpdate(this.#ctx, id, update);
    const expected = validateExpectedStatus(this.#ctx, options);
    const row = this.#tables.agent_sessions.get(id);
    // Decoded first: a status the contract cannot represent is CORRUPT_DATA, not a conflict.
    const current = row === undefined || expected === null ? undefined : decodeSession(ADAPTER, row);
    if (current !== undefined && expected !== null && !expected.includes(current.status)) {
      throw new AgentStorageError(
        'CONFLICT',
        `updateSession: session ${JSON.stringify(id)} is ${current.status}, not ${expected.join(' or ')}`,
        { adapter: ADAPTER },
      );
    }
    this.#update('updateSession', TABLES.sessions, 'session', id, record);
  }

  async listSessions(query?: SessionQuery): Promise<Page<Session>> {
    this.#assertOpen();
    const q = validateSessionQuery(this.#ctx, query);
    if (q.cursor !== null && !isRowId(q.cursor.id)) throw this.#badCursor('listSessions', 'cursor');
    const keep = (r: SessionRow) =>
      (q.statuses === null || q.statuses.includes(r.status as never)) &&
      (q.agentName === null || r.agent_name === q.agentName) &&
      (q.provider === null || r.provider === q.provider) &&
      (q.model === null || r.model === q.model) &&
      (q.startedFrom === null || Number(r.started_at) >= q.startedFrom) &&
      (q.startedBefore === null || Number(r.started_at) < q.startedBefore) &&
      (q.cursor === null ||
        Number(r.started_at) < q.cursor.key ||
        (Number(r.started_at) === q.cursor.key && Number(r.id) < Number(q.cursor.id)));
    const rows = [...this.#tables.agent_sessions.values()]
      .filter(keep)
      .sort((a, b) => Number(b.started_at) - Number(a.started_at) || Number(b.id) - Number(a.id))
      .slice(0, q.limit + 1);
    return toPage(
      rows.map((r) => decodeSession(ADAPTER, r)),
      q.limit,
      'forward',
      'sessions',
      (s) => ({ key: s.startedAt, id: s.id }),
    );
  }

  async deleteSession(id: string): Promise<boolean> {
    this.#assertOpen();
    const t = this.#tables;
    if (!t.agent_sessions.delete(validateIdArgument(this.#ctx, 'deleteSession', 'id', id))) return false;
    for (const table of [
      t.agent_messages,
      t.agent_tool_calls,
      t.project_requirements_qna,
      t.project_settings,
    ].map(generic)) {
      for (const [rowId, row] of table) if (row.session_id === id) table.delete(rowId);
    }
    return true;
  }

  async createMessage(input: NewMessage): Promise<string> {
    this.#assertOpen();
    const m = validateNewMessage(this.#ctx, input);
    if (!this.#tables.agent_sessions.has(m.sessionId))
      throw this.#notFound('createMessage', `session ${JSON.stringify(m.sessionId)}`);
    return this.#existingMessage('createMessage', m) ?? this.#insertMessage(m);
  }

  async getMessages(sessionId: string): Promise<Message[]> {
    this.#assertOpen();
    validateIdArgument(this.#ctx, 'getMessages', 'sessionId', sessionId);
    return this.#rowsOf(this.#tables.agent_messages, sessionId).map((row) => decodeMessage(ADAPTER, row));
  }

  async getMessagesPage(sessionId: string, query?: PageQuery): Promise<Page<Message>> {
    return this.#page('getMessagesPage', this.#tables.agent_messages, sessionId, query, (row) =>
      decodeMessage(ADAPTER, row),
    );
  }

  async countMessages(sessionId: string): Promise<number> {
    this.#assertOpen();
    validateIdArgument(this.#ctx, 'countMessages', 'sessionId', sessionId);
    return this.#rowsOf(this.#tables.agent_messages, sessionId).length;
  }

  async createToolCall(input: NewToolCall): Promise<string> {
    this.#assertOpen();
    const t = validateNewToolCall(this.#ctx, input);
    this.#checkToolCallParents('createToolCall', t);
    return this.#existingToolCall('createToolCall', t) ?? this.#insertToolCall(t);
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

  async getToolCallsPage(sessionId: string, query?: PageQuery): Promise<Page<ToolCall>> {
    return this.#page('getToolCallsPage', this.#tables.agent_tool_calls, sessionId, query, (row) =>
      decodeToolCall(ADAPTER, row),
    );
  }

  async countToolCalls(sessionId: string): Promise<number> {
    this.#assertOpen();
    validateIdArgument(this.#ctx, 'countToolCalls', 'sessionId', sessionId);
    return this.#rowsOf(this.#tables.agent_tool_calls, sessionId).length;
  }

  async appendBatch(batch: Batch): Promise<BatchResult> {
    this.#assertOpen();
    const b = validateBatch(this.#ctx, batch);
    // Check everything first: nothing below may fail once the first row is written.
    // (Validation already refused keys repeated within the batch.)
    const reuse = b.messages.map((m) => {
      if (!this.#tables.agent_sessions.has(m.sessionId)) {
        throw this.#notFound('appendBatch', `session ${JSON.stringify(m.sessionId)}`);
      }
      return this.#existingMessage('appendBatch', m);
    });
    const reuseCalls = b.toolCalls.map((t) => {
      if (t.messageIndex === null) {
        this.#checkToolCallParents('appendBatch', t);
        return this.#existingToolCall('appendBatch', t);
      }
      if (!this.#tables.agent_sessions.has(t.sessionId)) {
        throw this.#notFound('appendBatch', `session ${JSON.stringify(t.sessionId)}`);
      }
      // Linked to a message of this batch: an existing call matches only if that message is
      // an existing one too (a new message has an id no stored call can name).
      const linked = reuse[t.messageIndex] ?? null;
      if (linked === null) {
        if (t.clientKey !== null && this.#callRow(t.sessionId, t.clientKey) !== undefined) {
          throw idempotencyConflict(
            ADAPTER,
            'appendBatch',
            `a tool call with clientKey ${JSON.stringify(t.clientKey)} in this session`,
          );
        }
        return undefined;
      }
      return this.#existingToolCall('appendBatch', { ...t, messageId: linked });
    });
    const messageIds = b.messages.map((m, i) => reuse[i] ?? this.#insertMessage(m));
    const toolCallIds = b.toolCalls.map((t, i) => {
      const record: ToolCallRecord =
        t.messageIndex === null ? t : { ...t, messageId: messageIds[t.messageIndex] as string };
      return reuseCalls[i] ?? this.#insertToolCall(record);
    });
    return { messageIds, toolCallIds };
  }

  async createQuestions(sessionId: string, questions: NewQuestion[]): Promise<string[]> {
    this.#assertOpen();
    const list = validateQuestions(this.#ctx, sessionId, questions);
    this.#checkChildren('createQuestions', sessionId, list);
    return list.map((q) => {
      const id = this.#nextId();
      this.#tables.project_requirements_qna.set(id, {
        id,
        session_id: sessionId,
        tool_call_id: q.toolCallId,
        question_id: q.questionId,
        question: q.question,
        description: q.description,
        response_type: q.responseType,
        answer: null,
        created_at: q.createdAt,
        answered_at: null,
      });
      return id;
    });
  }

  async getQuestions(sessionId: string): Promise<Question[]> {
    return this.#children(
      'getQuestions',
      this.#tables.project_requirements_qna,
      sessionId,
      () => true,
      decodeQuestion,
    );
  }

  async getPendingQuestions(sessionId: string): Promise<Question[]> {
    return this.#children(
      'getPendingQuestions',
      this.#tables.project_requirements_qna,
      sessionId,
      (r) => r.answer === null,
      decodeQuestion,
    );
  }

  async answerQuestions(sessionId: string, answers: Answer[]): Promise<void> {
    this.#assertOpen();
    const list = validateAnswers(this.#ctx, sessionId, answers);
    const rows = list.map((a) =>
      this.#byKey(
        'answerQuestions',
        generic(this.#tables.project_requirements_qna),
        sessionId,
        'question_id',
        a.questionId,
        'answer',
        'question',
      ),
    );
    list.forEach((a, i) => {
      for (const row of rows[i] as AnyRow[])
        Object.assign(row, { answer: a.answer, answered_at: a.answeredAt });
    });
  }

  async createSettings(sessionId: string, settings: NewSetting[]): Promise<string[]> {
    this.#assertOpen();
    const list = validateSettings(this.#ctx, sessionId, settings);
    this.#checkChildren('createSettings', sessionId, list);
    return list.map((s) => {
      const id = this.#nextId();
      this.#tables.project_settings.set(id, {
        id,
        session_id: sessionId,
        tool_call_id: s.toolCallId,
        setting_key: s.settingKey,
        setting_name: s.settingName,
        description: s.description,
        setting_type: s.settingType,
        setting_value: s.settingValue,
        created_at: s.createdAt,
        updated_at: null,
      });
      return id;
    });
  }

  async getSettings(sessionId: string): Promise<Setting[]> {
    return this.#children('getSettings', this.#tables.project_settings, sessionId, () => true, decodeSetting);
  }

  async getPendingSettings(sessionId: string): Promise<Setting[]> {
    return this.#children(
      'getPendingSettings',
      this.#tables.project_settings,
      sessionId,
      (r) => r.setting_value === null,
      decodeSetting,
    );
  }

  async setSettingValues(sessionId: string, values: SettingValue[]): Promise<void> {
    this.#assertOpen();
    const list = validateSettingValues(this.#ctx, sessionId, values);
    const rows = list.map((v) =>
      this.#byKey(
        'setSettingValues',
        generic(this.#tables.project_settings),
        sessionId,
        'setting_key',
        v.settingKey,
        'setting_value',
        'setting',
      ),
    );
    list.forEach((v, i) => {
      for (const row of rows[i] as AnyRow[])
        Object.assign(row, { setting_value: v.value, updated_at: v.updatedAt });
    });
  }

  async close(): Promise<void> {
    this.#closed = true;
  }

  #rowsOf<Row extends { session_id: unknown; created_at: unknown; id: string }>(
    table: Map<string, Row>,
    sessionId: string,
  ): Row[] {
    return [...table.values()].filter((r) => r.session_id === sessionId).sort(byPosition);
  }

  #children<Row extends { session_id: unknown; created_at: unknown; id: string }, T>(
    op: string,
    table: Map<string, Row>,
    sessionId: string,
    keep: (row: Row) => boolean,
    decode: (adapter: string, row: Row) => T,
  ): T[] {
    this.#assertOpen();
    validateIdArgument(this.#ctx, op, 'sessionId', sessionId);
    return this.#rowsOf(table, sessionId)
      .filter(keep)
      .map((row) => decode(ADAPTER, row));
  }

  #toolCalls(op: string, sessionId: string, keep: (row: ToolCallRow) => boolean): ToolCall[] {
    return this.#children(op, this.#tables.agent_tool_calls, sessionId, keep, decodeToolCall);
  }

  #page<
    Row extends { session_id: unknown; created_at: unknown; id: string },
    T extends { id: string; createdAt: number },
  >(
    op: string,
    table: Map<string, Row>,
    sessionId: string,
    query: PageQuery | undefined,
    decode: (row: Row) => T,
  ): Page<T> {
    this.#assertOpen();
    const list = table === (this.#tables.agent_messages as unknown) ? 'messages' : 'toolCalls';
    const q = validatePageQuery(this.#ctx, op, list, sessionId, query);
    const cursor = q.after ?? q.before;
    if (cursor !== null && !isRowId(cursor.id)) throw this.#badCursor(op, q.after ? 'after' : 'before');
    const rows = this.#rowsOf(table, sessionId);
    let picked: Row[];
    if (q.before !== null) {
      const { key, id } = q.before;
      picked = rows
        .filter((r) => comparePosition(r, key, id) < 0)
        .reverse()
        .slice(0, q.limit + 1);
    } else {
      const after = q.after;
      picked = (
        after === null ? rows : rows.filter((r) => comparePosition(r, after.key, after.id) > 0)
      ).slice(0, q.limit + 1);
    }
    return toPage(
      picked.map(decode),
      q.limit,
      q.before === null ? 'forward' : 'backward',
      `${list}:${sessionId}`,
      (item) => ({
        key: item.createdAt,
        id: item.id,
      }),
    );
  }

  #existingMessage(op: string, m: MessageRecord): string | undefined {
    if (m.clientKey === null) return undefined;
    for (const row of this.#tables.agent_messages.values()) {
      if (row.session_id === m.sessionId && row.client_key === m.clientKey) {
        const stored = decodeMessage(ADAPTER, row);
        if (!sameMessage(stored, m))
          throw idempotencyConflict(ADAPTER, op, `a message with clientKey ${JSON.stringify(m.clientKey)}`);
        return stored.id;
      }
    }
    return undefined;
  }

  #insertMessage(m: MessageRecord): string {
    const id = this.#nextId();
    this.#tables.agent_messages.set(id, {
      id,
      session_id: m.sessionId,
      role: m.role,
      content: m.content,
      created_at: m.createdAt,
      client_key: m.clientKey,
    });
    return id;
  }

  #checkToolCallParents(op: string, t: ToolCallRecord): void {
    const message = t.messageId === null ? undefined : this.#tables.agent_messages.get(t.messageId);
    if (
      !this.#tables.agent_sessions.has(t.sessionId) ||
      (t.messageId !== null && message?.session_id !== t.sessionId)
    ) {
      const what =
        t.messageId === null
          ? `session ${JSON.stringify(t.sessionId)}`
          : `session ${JSON.stringify(t.sessionId)} with message ${JSON.stringify(t.messageId)}`;
      throw this.#notFound(op, what);
    }
  }

  #callRow(sessionId: string, clientKey: string): ToolCallRow | undefined {
    for (const row of this.#tables.agent_tool_calls.values()) {
      if (row.session_id === sessionId && row.client_key === clientKey) return row;
    }
    return undefined;
  }

  #existingToolCall(op: string, t: ToolCallRecord): string | undefined {
    const row = t.clientKey === null ? undefined : this.#callRow(t.sessionId, t.clientKey);
    if (row === undefined) return undefined;
    const stored = decodeToolCall(ADAPTER, row);
    if (!sameToolCall(stored, t)) {
      throw idempotencyConflict(
        ADAPTER,
        op,
        `a tool call with clientKey ${JSON.stringify(t.clientKey)} in this session`,
      );
    }
    return stored.id;
  }

  #insertToolCall(t: ToolCallRecord): string {
    const id = this.#nextId();
    this.#tables.agent_tool_calls.set(id, {
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
      client_key: t.clientKey,
    });
    return id;
  }

  /** Questions and settings: the session and the tool calls they name exist. Keys may repeat, as nocodo stores them. */
  #checkChildren(op: string, sessionId: string, items: readonly { toolCallId: string | null }[]): void {
    if (items.length === 0) return;
    if (!this.#tables.agent_sessions.has(sessionId))
      throw this.#notFound(op, `session ${JSON.stringify(sessionId)}`);
    for (const item of items) {
      const call = item.toolCallId === null ? undefined : this.#tables.agent_tool_calls.get(item.toolCallId);
      if (item.toolCallId !== null && call?.session_id !== sessionId) {
        throw this.#notFound(
          op,
          `session ${JSON.stringify(sessionId)} with tool call ${JSON.stringify(item.toolCallId)}`,
        );
      }
    }
  }

  /** The rows a value for `key` goes to: the pending ones, else the latest one; NOT_FOUND when the session has none. */
  #byKey<Row extends AnyRow>(
    op: string,
    table: Map<string, Row>,
    sessionId: string,
    keyColumn: string,
    key: string,
    valueColumn: string,
    what: string,
  ): Row[] {
    const rows = [...table.values()]
      .filter((row) => row.session_id === sessionId && row[keyColumn] === key)
      .sort((a, b) => byPosition(a as never, b as never));
    if (rows.length === 0)
      throw this.#notFound(op, `${what} ${JSON.stringify(key)} in session ${JSON.stringify(sessionId)}`);
    const pending = rows.filter((row) => row[valueColumn] === null);
    return pending.length > 0 ? pending : [rows[rows.length - 1] as Row];
  }

  #update(op: string, table: TableName, what: string, id: string, record: UpdateRecord): void {
    const row = (this.#tables as unknown as Record<TableName, Map<string, AnyRow>>)[table].get(id);
    if (row === undefined) throw this.#notFound(op, `${what} ${JSON.stringify(id)}`);
    record.fields.forEach((field, i) => {
      row[COLUMN_OF[field] as string] = record.values[i];
    });
  }

  #nextId(): string {
    this.#lastId += 1;
    return String(this.#lastId);
  }

  #badCursor(op: string, field: string): AgentStorageError {
    return new AgentStorageError('INVALID_INPUT', `${op}: ${field} is not a cursor this storage issued`, {
      adapter: ADAPTER,
      field,
    });
  }

  #notFound(op: string, what: string): AgentStorageError {
    return new AgentStorageError('NOT_FOUND', `${op}: no ${what}`, { adapter: ADAPTER });
  }

  #assertOpen(): void {
    if (this.#closed) throw new AgentStorageError('CLOSED', 'the storage was closed', { adapter: ADAPTER });
  }
}
