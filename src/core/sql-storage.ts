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
import type { SqlExecutor, SqlValue } from './executor.js';
import { idempotencyConflict, sameMessage, sameToolCall } from './idempotency.js';
import { compareIds, isRowId } from './ids.js';
import {
  type MigrationStatus,
  type MigratorConfig,
  migrateDown,
  migrateUp,
  migrationStatus,
} from './migrator.js';
import { toPage } from './paging.js';
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
} from './rows.js';
import type { SqlDialect } from './sql-dialect.js';

export interface SqlStorageConfig extends StorageOptions {
  /** Name shown in errors and reports (`sqlite`, `libsql`, `postgres`). */
  adapter: string;
  executor: SqlExecutor;
  dialect: SqlDialect;
  /** Whether data outlives `close()` (false for `:memory:` databases). */
  persistent: boolean;
}

const isCode = (e: unknown, code: string): boolean => e instanceof AgentStorageError && e.code === code;

/**
 * The contract implemented once over any `SqlExecutor` + `SqlDialect`. Single writes
 * are one statement (one round trip): existence checks ride inside the INSERT, updates
 * report NOT_FOUND from their row count, and the extra lookups of idempotent retries and
 * conditional updates happen only on the failure path. Multi-row writes run in one
 * transaction.
 */
export class SqlAgentStorage implements AgentStorage {
  readonly adapter: string;
  readonly capabilities: Capabilities;
  readonly #executor: SqlExecutor;
  readonly #dialect: SqlDialect;
  readonly #sql: SqlDialect['sql'];
  readonly #ctx: ValidationContext;
  /** Generated statements (updates, listing shapes, pages), built once per shape. */
  readonly #generated = new Map<string, string>();
  #closed = false;

  constructor(config: SqlStorageConfig) {
    this.adapter = config.adapter;
    this.capabilities = Object.freeze({ persistent: config.persistent, ...ALL_CAPABILITIES });
    this.#executor = config.executor;
    this.#dialect = config.dialect;
    this.#sql = config.dialect.sql;
    this.#ctx = { adapter: config.adapter, clock: config.clock ?? unixSeconds };
  }

  /** The executor, for tests and tools that must reach the database directly. */
  get executor(): SqlExecutor {
    this.#assertOpen();
    return this.#executor;
  }

  /** The dialect, for tools and tests that run the migrator or raw SQL themselves. */
  get dialect(): SqlDialect {
    return this.#dialect;
  }

  /** Applies pending migrations (see `docs/migrations.md`); resolves to the names applied. */
  async migrate(): Promise<string[]> {
    return migrateUp(this.#migrator());
  }

  /** Reverts migrations down to and including `to` (default: all). For tests and rollbacks. */
  async migrateDown(to: string | 0 = 0): Promise<string[]> {
    return migrateDown(this.#migrator(), to);
  }

  /** Applied and pending migrations; throws `MIGRATION` for an edited or unknown one. Writes nothing. */
  async migrationStatus(): Promise<MigrationStatus> {
    return migrationStatus(this.#migrator());
  }

  async createSession(input: NewSession): Promise<string> {
    this.#assertOpen();
    const s = validateNewSession(this.#ctx, input);
    const row = await this.#executor.get<{ id: string }>(this.#sql.insertSession, [
      s.agentName,
      s.provider,
      s.model,
      s.systemPrompt,
      s.userPrompt,
      s.config,
      s.status,
      s.startedAt,
      s.endedAt,
      s.result,
      s.error,
    ]);
    return (row as { id: string }).id;
  }

  async getSession(id: string): Promise<Session | null> {
    this.#assertOpen();
    if (!isRowId(validateIdArgument(this.#ctx, 'getSession', 'id', id))) return null;
    return this.#session(this.#executor, id);
  }

  async updateSession(id: string, update: SessionUpdate, options?: SessionUpdateOptions): Promise<void> {
    this.#assertOpen();
    const record = validateSessionUpdate(this.#ctx, id, update);
    const expected = validateExpectedStatus(this.#ctx, options);
    if (expected === null) return this.#update('updateSession', TABLES.sessions, 'session', id, record);
    const sql = this.#memo(`guarded:${record.fields.join(',')}:${expected.length}`, () =>
      this.#sql.update(
        TABLES.sessions,
        record.fields.map((f) => COLUMN_OF[f] as string),
        expected.length,
      ),
    );
    const changed = isRowId(id) ? await this.#executor.run(sql, [...record.values, id, ...expected]) : 0;
    if (changed > 0) return;
    // Only now tell "no such session" from "not in the expected status".
    const current = isRowId(id) ? await this.#session(this.#executor, id) : null;
    if (current === null) throw this.#notFound('updateSession', `session ${JSON.stringify(id)}`);
    throw new AgentStorageError(
      'CONFLICT',
      `updateSession: session ${JSON.stringify(id)} is ${current.status}, not ${expected.join(' or ')}`,
      { adapter: this.adapter },
    );
  }

  async listSessions(query?: SessionQuery): Promise<Page<Session>> {
    this.#assertOpen();
    const q = validateSessionQuery(this.#ctx, query);
    if (q.cursor !== null && !isRowId(q.cursor.id)) throw this.#badCursor('listSessions', 'cursor');
    const shape = {
      statuses: q.statuses?.length ?? 0,
      agentName: q.agentName !== null,
      provider: q.provider !== null,
      model: q.model !== null,
      startedFrom: q.startedFrom !== null,
      startedBefore: q.startedBefore !== null,
      cursor: q.cursor !== null,
    };
    const sql = this.#memo(`list:${JSON.stringify(shape)}`, () => this.#sql.listSessions(shape));
    const params: SqlValue[] = [...(q.statuses ?? [])];
    for (const v of [q.agentName, q.provider, q.model, q.startedFrom, q.startedBefore])
      if (v !== null) params.push(v);
    if (q.cursor !== null) params.push(q.cursor.key, q.cursor.id);
    params.push(q.limit + 1);
    const rows = await this.#executor.all<SessionRow>(sql, params);
    const sessions = rows.map((row) => decodeSession(this.adapter, row));
    return toPage(sessions, q.limit, 'forward', 'sessions', (s) => ({ key: s.startedAt, id: s.id }));
  }

  async deleteSession(id: string): Promise<boolean> {
    this.#assertOpen();
    if (!isRowId(validateIdArgument(this.#ctx, 'deleteSession', 'id', id))) return false;
    // One statement: the foreign keys' ON DELETE CASCADE removes every child row with it.
    return (await this.#executor.run(this.#sql.deleteSession, [id])) > 0;
  }

  async createMessage(input: NewMessage): Promise<string> {
    this.#assertOpen();
    const m = validateNewMessage(this.#ctx, input);
    const row = isRowId(m.sessionId) ? await this.#insertMessage(m) : undefined;
    if (row === undefined) throw this.#notFound('createMessage', `session ${JSON.stringify(m.sessionId)}`);
    return row;
  }

  async getMessages(sessionId: string): Promise<Message[]> {
    this.#assertOpen();
    if (!isRowId(validateIdArgument(this.#ctx, 'getMessages', 'sessionId', sessionId))) return [];
    const rows = await this.#executor.all<MessageRow>(this.#sql.selectMessages, [sessionId]);
    return rows.map((row) => decodeMessage(this.adapter, row));
  }

  async getMessagesPage(sessionId: string, query?: PageQuery): Promise<Page<Message>> {
    const rows = await this.#page<MessageRow>('getMessagesPage', TABLES.messages, sessionId, query);
    return rows.page((row) => decodeMessage(this.adapter, row));
  }

  async countMessages(sessionId: string): Promise<number> {
    return this.#count('countMessages', this.#sql.countMessages, sessionId);
  }

  async createToolCall(input: NewToolCall): Promise<string> {
    this.#assertOpen();
    const t = validateNewToolCall(this.#ctx, input);
    const known = isRowId(t.sessionId) && (t.messageId === null || isRowId(t.messageId));
    const id = known ? await this.#insertToolCall(this.#executor, t, false) : undefined;
    if (id === undefined) throw this.#toolCallParentMissing('createToolCall', t);
    return id;
  }

  async updateToolCall(id: string, update: ToolCallUpdate): Promise<void> {
    this.#assertOpen();
    const record = validateToolCallUpdate(this.#ctx, id, update);
    await this.#update('updateToolCall', TABLES.toolCalls, 'tool call', id, record);
  }

  async getToolCalls(sessionId: string): Promise<ToolCall[]> {
    return this.#toolCalls('getToolCalls', this.#sql.selectToolCalls, sessionId);
  }

  async getPendingToolCalls(sessionId: string): Promise<ToolCall[]> {
    return this.#toolCalls('getPendingToolCalls', this.#sql.selectPendingToolCalls, sessionId);
  }

  async getToolCallsPage(sessionId: string, query?: PageQuery): Promise<Page<ToolCall>> {
    const rows = await this.#page<ToolCallRow>('getToolCallsPage', TABLES.toolCalls, sessionId, query);
    return rows.page((row) => decodeToolCall(this.adapter, row));
  }

  async countToolCalls(sessionId: string): Promise<number> {
    return this.#count('countToolCalls', this.#sql.countToolCalls, sessionId);
  }

  async appendBatch(batch: Batch): Promise<BatchResult> {
    this.#assertOpen();
    const b = validateBatch(this.#ctx, batch);
    const sessionIds = new Set([
      ...b.messages.map((m) => m.sessionId),
      ...b.toolCalls.map((t) => t.sessionId),
    ]);
    for (const sessionId of sessionIds) {
      if (!isRowId(sessionId)) throw this.#notFound('appendBatch', `session ${JSON.stringify(sessionId)}`);
    }
    if (b.messages.length === 0 && b.toolCalls.length === 0) return { messageIds: [], toolCallIds: [] };
    const attempt = () =>
      this.#executor.transaction(async (tx) => {
        // A messageId must name a message that existed before the batch (one of the batch's
        // own is named by messageIndex): checked before the batch's messages exist.
        for (const messageId of new Set(b.toolCalls.map((t) => t.messageId).filter((m) => m !== null))) {
          const owner = isRowId(messageId)
            ? await tx.get<{ session_id: string }>(this.#sql.selectMessageSession, [messageId])
            : undefined;
          const call = b.toolCalls.find((t) => t.messageId === messageId) as ToolCallRecord;
          if (owner?.session_id !== call.sessionId) throw this.#toolCallParentMissing('appendBatch', call);
        }
        const messageIds = await this.#appendMessages(tx, b.messages);
        const toolCallIds: string[] = [];
        for (const t of b.toolCalls) {
          const record: ToolCallRecord =
            t.messageIndex === null ? t : { ...t, messageId: messageIds[t.messageIndex] as string };
          if (record.messageId !== null && !isRowId(record.messageId))
            throw this.#toolCallParentMissing('appendBatch', record);
          const id = await this.#insertToolCall(tx, record, true);
          if (id === undefined) throw this.#toolCallParentMissing('appendBatch', record);
          toolCallIds.push(id);
        }
        return { messageIds, toolCallIds };
      });
    try {
      return await attempt();
    } catch (e) {
      // A unique violation from the database (not our own payload comparison, which has no
      // cause) means a concurrent copy of this batch committed between our look and our
      // insert (Postgres, READ COMMITTED). The transaction rolled back; looking again now
      // finds that copy, so the retry returns its ids or a real CONFLICT.
      if (isCode(e, 'CONFLICT') && (e as AgentStorageError).cause !== undefined) return attempt();
      throw e;
    }
  }

  async createQuestions(sessionId: string, questions: NewQuestion[]): Promise<string[]> {
    this.#assertOpen();
    const list = validateQuestions(this.#ctx, sessionId, questions);
    return this.#insertChildren(
      'createQuestions',
      sessionId,
      list,
      (tx, q) =>
        tx.get<{ id: string }>(this.#sql.insertQuestion, [
          sessionId,
          q.toolCallId,
          q.questionId,
          q.question,
          q.description,
          q.responseType,
          q.createdAt,
        ]),
      (q) => q.toolCallId,
    );
  }

  async getQuestions(sessionId: string): Promise<Question[]> {
    return this.#children('getQuestions', this.#sql.selectQuestions, sessionId, (row: QuestionRow) =>
      decodeQuestion(this.adapter, row),
    );
  }

  async getPendingQuestions(sessionId: string): Promise<Question[]> {
    return this.#children(
      'getPendingQuestions',
      this.#sql.selectPendingQuestions,
      sessionId,
      (row: QuestionRow) => decodeQuestion(this.adapter, row),
    );
  }

  async answerQuestions(sessionId: string, answers: Answer[]): Promise<void> {
    this.#assertOpen();
    const list = validateAnswers(this.#ctx, sessionId, answers);
    await this.#setByKey(
      'answerQuestions',
      sessionId,
      [this.#sql.answerQuestion, this.#sql.reanswerQuestion],
      list.map((a) => [a.answer, a.answeredAt, a.questionId]),
      'question',
    );
  }

  async createSettings(sessionId: string, settings: NewSetting[]): Promise<string[]> {
    this.#assertOpen();
    const list = validateSettings(this.#ctx, sessionId, settings);
    return this.#insertChildren(
      'createSettings',
      sessionId,
      list,
      (tx, s) =>
        tx.get<{ id: string }>(this.#sql.insertSetting, [
          sessionId,
          s.toolCallId,
          s.settingKey,
          s.settingName,
          s.description,
          s.settingType,
          s.settingValue,
          s.createdAt,
        ]),
      (s) => s.toolCallId,
    );
  }

  async getSettings(sessionId: string): Promise<Setting[]> {
    return this.#children('getSettings', this.#sql.selectSettings, sessionId, (row: SettingRow) =>
      decodeSetting(this.adapter, row),
    );
  }

  async getPendingSettings(sessionId: string): Promise<Setting[]> {
    return this.#children(
      'getPendingSettings',
      this.#sql.selectPendingSettings,
      sessionId,
      (row: SettingRow) => decodeSetting(this.adapter, row),
    );
  }

  async setSettingValues(sessionId: string, values: SettingValue[]): Promise<void> {
    this.#assertOpen();
    const list = validateSettingValues(this.#ctx, sessionId, values);
    await this.#setByKey(
      'setSettingValues',
      sessionId,
      [this.#sql.setSettingValue, this.#sql.resetSettingValue],
      list.map((v) => [v.value, v.updatedAt, v.settingKey]),
      'setting',
    );
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#executor.close();
  }

  async #session(on: SqlExecutor, id: string): Promise<Session | null> {
    const row = await on.get<SessionRow>(this.#sql.selectSession, [id]);
    return row === undefined ? null : decodeSession(this.adapter, row);
  }

  async #toolCalls(op: string, sql: string, sessionId: string): Promise<ToolCall[]> {
    return this.#children(op, sql, sessionId, (row: ToolCallRow) => decodeToolCall(this.adapter, row));
  }

  async #children<Row, T>(op: string, sql: string, sessionId: string, decode: (row: Row) => T): Promise<T[]> {
    this.#assertOpen();
    if (!isRowId(validateIdArgument(this.#ctx, op, 'sessionId', sessionId))) return [];
    return (await this.#executor.all<Row>(sql, [sessionId])).map(decode);
  }

  async #count(op: string, sql: string, sessionId: string): Promise<number> {
    this.#assertOpen();
    if (!isRowId(validateIdArgument(this.#ctx, op, 'sessionId', sessionId))) return 0;
    return Number((await this.#executor.get<{ n: number | string }>(sql, [sessionId]))?.n ?? 0);
  }

  async #page<Row extends { id: string; created_at: unknown }>(
    op: string,
    table: 'agent_messages' | 'agent_tool_calls',
    sessionId: string,
    query: PageQuery | undefined,
  ): Promise<{ page<T extends { id: string; createdAt: number }>(decode: (row: Row) => T): Page<T> }> {
    this.#assertOpen();
    const list = table === TABLES.messages ? 'messages' : 'toolCalls';
    const q = validatePageQuery(this.#ctx, op, list, sessionId, query);
    const cursor = q.after ?? q.before;
    if (cursor !== null && !isRowId(cursor.id)) throw this.#badCursor(op, q.after ? 'after' : 'before');
    const direction = q.after ? 'after' : q.before ? 'before' : 'first';
    const rows = isRowId(sessionId)
      ? await this.#executor.all<Row>(
          this.#memo(`page:${table}:${direction}`, () => this.#sql.page(table, direction)),
          cursor === null ? [sessionId, q.limit + 1] : [sessionId, cursor.key, cursor.id, q.limit + 1],
        )
      : [];
    return {
      page: (decode) =>
        toPage(
          rows.map(decode),
          q.limit,
          direction === 'before' ? 'backward' : 'forward',
          `${list}:${sessionId}`,
          (item) => ({
            key: item.createdAt,
            id: item.id,
          }),
        ),
    };
  }

  /** Inserts one message; an idempotency key already used returns the first id when the payload matches. */
  async #insertMessage(m: MessageRecord): Promise<string | undefined> {
    try {
      const row = await this.#insert(this.#executor, this.#sql.insertMessage, [
        m.sessionId,
        m.role,
        m.content,
        m.createdAt,
        m.clientKey,
      ]);
      return row?.id;
    } catch (e) {
      if (!isCode(e, 'CONFLICT') || m.clientKey === null) throw e;
      const row = await this.#executor.get<MessageRow>(this.#sql.selectMessageByKey, [
        m.sessionId,
        m.clientKey,
      ]);
      return this.#sameMessageOrConflict('createMessage', row, m);
    }
  }

  #sameMessageOrConflict(op: string, row: MessageRow | undefined, m: MessageRecord): string {
    const stored = row === undefined ? undefined : decodeMessage(this.adapter, row);
    if (stored === undefined || !sameMessage(stored, m)) {
      throw idempotencyConflict(this.adapter, op, `a message with clientKey ${JSON.stringify(m.clientKey)}`);
    }
    return stored.id;
  }

  /**
   * Batch messages: keyed ones already stored are matched first (so a retried batch writes
   * nothing and Postgres never aborts the transaction on a unique violation), the rest go
   * in with the dialect's batch statements (SQLite: one per 100 messages; Postgres: one).
   */
  async #appendMessages(tx: SqlExecutor, messages: MessageRecord[]): Promise<string[]> {
    const ids: (string | undefined)[] = new Array(messages.length);
    const fresh: number[] = [];
    // (Validation already refused keys repeated within the batch.)
    for (const [i, m] of messages.entries()) {
      if (m.clientKey !== null) {
        const existing = await tx.get<MessageRow>(this.#sql.selectMessageByKey, [m.sessionId, m.clientKey]);
        if (existing !== undefined) {
          ids[i] = this.#sameMessageOrConflict('appendBatch', existing, m);
          continue;
        }
      }
      fresh.push(i);
    }
    if (fresh.length > 0) {
      const rows = fresh.map((i) => messages[i] as MessageRecord);
      const inserted: string[] = [];
      try {
        for (const { sql, params } of this.#sql.insertMessages(rows)) {
          for (const row of await tx.all<{ id: string }>(sql, params)) inserted.push(row.id);
        }
      } catch (e) {
        if (!isCode(e, 'NOT_FOUND')) throw e;
        const sessions = [...new Set(rows.map((r) => r.sessionId))].map((s) => JSON.stringify(s)).join(', ');
        throw new AgentStorageError('NOT_FOUND', `appendBatch: no session among ${sessions}`, {
          adapter: this.adapter,
          cause: e,
        });
      }
      // Ids grow in insertion order, which is input order; RETURNING itself promises no order.
      inserted.sort(compareIds);
      fresh.forEach((i, k) => {
        ids[i] = inserted[k];
      });
    }
    return ids as string[];
  }

  /** Inserts one tool call; its clientKey already used in the session returns the first id when the payload matches. */
  async #insertToolCall(
    on: SqlExecutor,
    t: ToolCallRecord,
    inTransaction: boolean,
  ): Promise<string | undefined> {
    // In a transaction, look first: on Postgres a unique violation would abort the whole transaction.
    if (inTransaction && t.clientKey !== null) {
      const existing = await this.#existingToolCall(on, 'appendBatch', t);
      if (existing !== undefined) return existing;
    }
    try {
      const row = await this.#insert(on, this.#sql.insertToolCall, [
        t.sessionId,
        t.messageId,
        t.toolCallId,
        t.toolName,
        t.request,
        t.response,
        t.status,
        t.executionTimeMs,
        t.createdAt,
        t.completedAt,
        t.errorDetails,
        t.clientKey,
      ]);
      return row?.id;
    } catch (e) {
      // Inside a transaction the statement failed and Postgres has aborted the transaction:
      // no further query can run there; appendBatch retries the whole transaction instead.
      if (!isCode(e, 'CONFLICT') || inTransaction || t.clientKey === null) throw e;
      const existing = await this.#existingToolCall(on, 'createToolCall', t);
      if (existing === undefined) throw e;
      return existing;
    }
  }

  async #existingToolCall(on: SqlExecutor, op: string, t: ToolCallRecord): Promise<string | undefined> {
    if (t.clientKey === null) return undefined;
    const row = await on.get<ToolCallRow>(this.#sql.selectToolCallByKey, [t.sessionId, t.clientKey]);
    if (row === undefined) return undefined;
    const stored = decodeToolCall(this.adapter, row);
    if (!sameToolCall(stored, t)) {
      throw idempotencyConflict(
        this.adapter,
        op,
        `a tool call with clientKey ${JSON.stringify(t.clientKey)} in this session`,
      );
    }
    return stored.id;
  }

  /** Inserts that reference a parent; a foreign-key failure (parent deleted meanwhile) is NOT_FOUND too. */
  async #insert(on: SqlExecutor, sql: string, params: SqlValue[]): Promise<{ id: string } | undefined> {
    try {
      return await on.get<{ id: string }>(sql, params);
    } catch (e) {
      if (isCode(e, 'NOT_FOUND')) return undefined;
      throw e;
    }
  }

  /** Questions and settings: all in one transaction; an unknown parent is NOT_FOUND. Keys may repeat, as nocodo stores them. */
  async #insertChildren<T>(
    op: string,
    sessionId: string,
    items: T[],
    insert: (tx: SqlExecutor, item: T) => Promise<{ id: string } | undefined>,
    toolCallOf: (item: T) => string | null,
  ): Promise<string[]> {
    // An empty list writes nothing and checks nothing, whatever the session id (as on every adapter).
    if (items.length === 0) return [];
    if (!isRowId(sessionId)) throw this.#notFound(op, `session ${JSON.stringify(sessionId)}`);
    for (const item of items) {
      const toolCallId = toolCallOf(item);
      if (toolCallId !== null && !isRowId(toolCallId))
        throw this.#notFound(
          op,
          `tool call ${JSON.stringify(toolCallId)} in session ${JSON.stringify(sessionId)}`,
        );
    }
    return this.#executor.transaction(async (tx) => {
      const ids: string[] = [];
      for (const item of items) {
        let row: { id: string } | undefined;
        try {
          row = await insert(tx, item);
        } catch (e) {
          // A foreign-key failure: the session or tool call went away meanwhile.
          if (isCode(e, 'NOT_FOUND')) row = undefined;
          else throw e;
        }
        if (row === undefined) {
          const toolCallId = toolCallOf(item);
          throw this.#notFound(
            op,
            toolCallId === null
              ? `session ${JSON.stringify(sessionId)}`
              : `session ${JSON.stringify(sessionId)} with tool call ${JSON.stringify(toolCallId)}`,
          );
        }
        ids.push(row.id);
      }
      return ids;
    });
  }

  /**
   * Answers and setting values: all in one transaction. Each goes to the session's pending
   * rows with that key, else replaces the latest row's; a key the session lacks is NOT_FOUND
   * and undoes the rest.
   */
  async #setByKey(
    op: string,
    sessionId: string,
    [pending, latest]: [string, string],
    rows: [string, number, string][],
    what: string,
  ): Promise<void> {
    if (!isRowId(sessionId)) {
      if (rows.length === 0) return;
      throw this.#notFound(
        op,
        `${what} ${JSON.stringify(rows[0]?.[2])} in session ${JSON.stringify(sessionId)}`,
      );
    }
    if (rows.length === 0) return;
    await this.#executor.transaction(async (tx) => {
      for (const [value, at, key] of rows) {
        const params = [value, at, sessionId, key];
        if ((await tx.run(pending, params)) === 0 && (await tx.run(latest, params)) === 0) {
          throw this.#notFound(op, `${what} ${JSON.stringify(key)} in session ${JSON.stringify(sessionId)}`);
        }
      }
    });
  }

  async #update(op: string, table: TableName, what: string, id: string, record: UpdateRecord): Promise<void> {
    const sql = this.#memo(`update:${table}:${record.fields.join(',')}`, () =>
      this.#sql.update(
        table,
        record.fields.map((f) => COLUMN_OF[f] as string),
      ),
    );
    const changed = isRowId(id) ? await this.#executor.run(sql, [...record.values, id]) : 0;
    if (changed === 0) throw this.#notFound(op, `${what} ${JSON.stringify(id)}`);
  }

  #memo(key: string, build: () => string): string {
    let sql = this.#generated.get(key);
    if (sql === undefined) {
      sql = build();
      this.#generated.set(key, sql);
    }
    return sql;
  }

  #toolCallParentMissing(op: string, t: ToolCallRecord): AgentStorageError {
    const what =
      t.messageId === null
        ? `session ${JSON.stringify(t.sessionId)}`
        : `session ${JSON.stringify(t.sessionId)} with message ${JSON.stringify(t.messageId)}`;
    return this.#notFound(op, what);
  }

  #badCursor(op: string, field: string): AgentStorageError {
    return new AgentStorageError('INVALID_INPUT', `${op}: ${field} is not a cursor this storage issued`, {
      adapter: this.adapter,
      field,
    });
  }

  #migrator(): MigratorConfig {
    this.#assertOpen();
    return {
      adapter: this.adapter,
      executor: this.#executor,
      dialect: this.#dialect,
      clock: this.#ctx.clock,
    };
  }

  #notFound(op: string, what: string): AgentStorageError {
    return new AgentStorageError('NOT_FOUND', `${op}: no ${what}`, { adapter: this.adapter });
  }

  #assertOpen(): void {
    if (this.#closed) {
      throw new AgentStorageError('CLOSED', 'the storage was closed', { adapter: this.adapter });
    }
  }
}
