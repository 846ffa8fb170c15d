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
import type { SqlExecutor, SqlValue } from './executor.js';
import { isRowId } from './ids.js';
import {
  type MigrationStatus,
  type MigratorConfig,
  migrateDown,
  migrateUp,
  migrationStatus,
} from './migrator.js';
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

/**
 * The contract implemented once over any `SqlExecutor` + `SqlDialect`. Every
 * operation is one statement (one round trip): existence checks ride inside
 * the INSERT, and updates report NOT_FOUND from their row count.
 */
export class SqlAgentStorage implements AgentStorage {
  readonly adapter: string;
  readonly capabilities: Capabilities;
  readonly #executor: SqlExecutor;
  readonly #dialect: SqlDialect;
  readonly #sql: SqlDialect['sql'];
  readonly #ctx: ValidationContext;
  readonly #updates = new Map<string, string>();
  #closed = false;

  constructor(config: SqlStorageConfig) {
    this.adapter = config.adapter;
    this.capabilities = Object.freeze({ persistent: config.persistent });
    this.#executor = config.executor;
    this.#dialect = config.dialect;
    this.#sql = config.dialect.sql;
    this.#ctx = { adapter: config.adapter, clock: config.clock ?? Date.now };
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

  #migrator(): MigratorConfig {
    this.#assertOpen();
    return {
      adapter: this.adapter,
      executor: this.#executor,
      dialect: this.#dialect,
      clock: this.#ctx.clock,
    };
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
    const row = await this.#executor.get<SessionRow>(this.#sql.selectSession, [id]);
    return row === undefined ? null : decodeSession(this.adapter, row);
  }

  async updateSession(id: string, update: SessionUpdate): Promise<void> {
    this.#assertOpen();
    await this.#update(
      'updateSession',
      TABLES.sessions,
      'session',
      id,
      validateSessionUpdate(this.#ctx, id, update),
    );
  }

  async createMessage(input: NewMessage): Promise<string> {
    this.#assertOpen();
    const m = validateNewMessage(this.#ctx, input);
    const row = isRowId(m.sessionId)
      ? await this.#insert(this.#sql.insertMessage, [m.sessionId, m.role, m.content, m.createdAt])
      : undefined;
    if (row === undefined) throw this.#notFound('createMessage', `session ${JSON.stringify(m.sessionId)}`);
    return row.id;
  }

  async getMessages(sessionId: string): Promise<Message[]> {
    this.#assertOpen();
    if (!isRowId(validateIdArgument(this.#ctx, 'getMessages', 'sessionId', sessionId))) return [];
    const rows = await this.#executor.all<MessageRow>(this.#sql.selectMessages, [sessionId]);
    return rows.map((row) => decodeMessage(this.adapter, row));
  }

  async createToolCall(input: NewToolCall): Promise<string> {
    this.#assertOpen();
    const t = validateNewToolCall(this.#ctx, input);
    const known = isRowId(t.sessionId) && (t.messageId === null || isRowId(t.messageId));
    const row = known
      ? await this.#insert(this.#sql.insertToolCall, [
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
        ])
      : undefined;
    if (row === undefined) {
      const what =
        t.messageId === null
          ? `session ${JSON.stringify(t.sessionId)}`
          : `session ${JSON.stringify(t.sessionId)} with message ${JSON.stringify(t.messageId)}`;
      throw this.#notFound('createToolCall', what);
    }
    return row.id;
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

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#executor.close();
  }

  async #toolCalls(op: string, sql: string, sessionId: string): Promise<ToolCall[]> {
    this.#assertOpen();
    if (!isRowId(validateIdArgument(this.#ctx, op, 'sessionId', sessionId))) return [];
    const rows = await this.#executor.all<ToolCallRow>(sql, [sessionId]);
    return rows.map((row) => decodeToolCall(this.adapter, row));
  }

  /** Inserts that reference a parent; a foreign-key failure (parent deleted meanwhile) is NOT_FOUND too. */
  async #insert(sql: string, params: SqlValue[]): Promise<{ id: string } | undefined> {
    try {
      return await this.#executor.get<{ id: string }>(sql, params);
    } catch (e) {
      if (e instanceof AgentStorageError && e.code === 'NOT_FOUND') return undefined;
      throw e;
    }
  }

  async #update(op: string, table: TableName, what: string, id: string, record: UpdateRecord): Promise<void> {
    const changed = isRowId(id)
      ? await this.#executor.run(this.#updateSql(table, record.fields), [...record.values, id])
      : 0;
    if (changed === 0) throw this.#notFound(op, `${what} ${JSON.stringify(id)}`);
  }

  #updateSql(table: TableName, fields: string[]): string {
    const key = `${table}:${fields.join(',')}`;
    let sql = this.#updates.get(key);
    if (sql === undefined) {
      sql = this.#sql.update(
        table,
        fields.map((f) => COLUMN_OF[f] as string),
      );
      this.#updates.set(key, sql);
    }
    return sql;
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
