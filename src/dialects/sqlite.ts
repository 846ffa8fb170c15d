import { AgentStorageError, type ErrorCode } from '../contract/errors.js';
import { redactError, redactSecrets } from '../contract/redact.js';
import type { SqlValue } from '../core/executor.js';
import { MIGRATION_LOG } from '../core/migrator.js';
import { REFINERY_HISTORY_DDL, refineryAppliedOn, refineryChecksum } from '../core/refinery-history.js';
import type { SqlDialect } from '../core/sql-dialect.js';
import {
  countSql,
  deleteSessionSql,
  listSessionsSql,
  pageSql,
  QUESTION_COLUMNS,
  SETTING_COLUMNS,
  type SqlSyntax,
  selectChildrenSql,
  sessionColumns,
  setByKeySql,
  setLatestByKeySql,
  updateSql,
} from '../core/sql-queries.js';

/**
 * SQLite's SQL for nocodo's schema, shared by every SQLite driver
 * (better-sqlite3, libsql). Ids are selected as text so that 64-bit ids
 * survive JavaScript numbers; id parameters arrive as decimal text and
 * INTEGER affinity turns them back into integers (indexes still apply).
 */
const syntax: SqlSyntax = {
  param: () => '?',
  table: (name) => name,
  idText: (column) => `CAST(${column} AS TEXT)`,
};
const SESSION_COLUMNS = sessionColumns(syntax);
const MESSAGE_COLUMNS =
  'CAST(id AS TEXT) AS id, CAST(session_id AS TEXT) AS session_id, role, content, created_at, client_key';
const TOOL_CALL_COLUMNS = `CAST(id AS TEXT) AS id, CAST(session_id AS TEXT) AS session_id,
  CAST(message_id AS TEXT) AS message_id, tool_call_id, tool_name, request, response, status,
  execution_time_ms, created_at, completed_at, error_details, client_key`;

// Parameters come in through a one-row CTE so each is bound once, in the documented order,
// and the parent's existence is checked inside the INSERT: one statement, and no row back
// means NOT_FOUND.
const insertChild = (
  table: string,
  columns: string[],
) => `WITH p(session_id, tool_call_id, ${columns.join(', ')})
      AS (VALUES (?, ?, ${columns.map(() => '?').join(', ')}))
    INSERT INTO ${table} (session_id, tool_call_id, ${columns.join(', ')})
    SELECT s.id, t.id, ${columns.map((c) => `p.${c}`).join(', ')}
    FROM p JOIN agent_sessions s ON s.id = p.session_id
    LEFT JOIN agent_tool_calls t ON t.id = p.tool_call_id AND t.session_id = s.id
    WHERE p.tool_call_id IS NULL OR t.id IS NOT NULL
    RETURNING CAST(id AS TEXT) AS id`;

/**
 * Batches insert with multi-row VALUES, at most `BATCH_CHUNK` rows a statement: in
 * better-sqlite3 this is a third faster per row than binding one JSON document and
 * unpacking it with json_each, and 500 parameters stay far below SQLite's limit (32,766).
 * Each row count has its own statement text, so a driver caches at most `BATCH_CHUNK` of them.
 */
const BATCH_CHUNK = 100;
const batchSql = new Map<number, string>();
function insertMessagesSql(rows: number): string {
  let sql = batchSql.get(rows);
  if (sql === undefined) {
    sql = `INSERT INTO agent_messages (session_id, role, content, created_at, client_key)
      VALUES ${Array.from({ length: rows }, () => '(?, ?, ?, ?, ?)').join(', ')}
      RETURNING CAST(id AS TEXT) AS id`;
    batchSql.set(rows, sql);
  }
  return sql;
}

export const sqliteDialect: SqlDialect = {
  name: 'sqlite',
  sql: {
    insertSession: `INSERT INTO agent_sessions (agent_name, provider, model, system_prompt, user_prompt,
        config, status, started_at, ended_at, result, error)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING CAST(id AS TEXT) AS id`,
    selectSession: `SELECT ${SESSION_COLUMNS} FROM agent_sessions WHERE id = ?`,
    insertMessage: `WITH p(session_id, role, content, created_at, client_key) AS (VALUES (?, ?, ?, ?, ?))
      INSERT INTO agent_messages (session_id, role, content, created_at, client_key)
      SELECT s.id, p.role, p.content, p.created_at, p.client_key FROM p JOIN agent_sessions s ON s.id = p.session_id
      RETURNING CAST(id AS TEXT) AS id`,
    // Ties in created_at are the norm (nocodo writes whole seconds): id breaks them in insertion order.
    selectMessages: `SELECT ${MESSAGE_COLUMNS} FROM agent_messages x WHERE x.session_id = ? ORDER BY x.created_at, x.id`,
    insertToolCall: `WITH p(session_id, message_id, tool_call_id, tool_name, request, response, status,
        execution_time_ms, created_at, completed_at, error_details, client_key)
        AS (VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?))
      INSERT INTO agent_tool_calls (session_id, message_id, tool_call_id, tool_name, request,
        response, status, execution_time_ms, created_at, completed_at, error_details, client_key)
      SELECT s.id, m.id, p.tool_call_id, p.tool_name, p.request, p.response, p.status,
        p.execution_time_ms, p.created_at, p.completed_at, p.error_details, p.client_key
      FROM p JOIN agent_sessions s ON s.id = p.session_id
      LEFT JOIN agent_messages m ON m.id = p.message_id AND m.session_id = s.id
      WHERE p.message_id IS NULL OR m.id IS NOT NULL
      RETURNING CAST(id AS TEXT) AS id`,
    selectToolCalls: `SELECT ${TOOL_CALL_COLUMNS} FROM agent_tool_calls x WHERE x.session_id = ?
      ORDER BY x.created_at, x.id`,
    selectPendingToolCalls: `SELECT ${TOOL_CALL_COLUMNS} FROM agent_tool_calls x
      WHERE x.session_id = ? AND status = 'pending' ORDER BY x.created_at, x.id`,
    update: (table, columns, statuses) => updateSql(syntax, table, columns, statuses),
    selectMessageByKey: `SELECT ${MESSAGE_COLUMNS} FROM agent_messages x WHERE x.session_id = ? AND client_key = ?`,
    selectToolCallByKey: `SELECT ${TOOL_CALL_COLUMNS} FROM agent_tool_calls x WHERE x.session_id = ? AND client_key = ?`,
    selectMessageSession: 'SELECT CAST(session_id AS TEXT) AS session_id FROM agent_messages WHERE id = ?',
    deleteSession: deleteSessionSql(syntax),
    countMessages: countSql(syntax, 'agent_messages'),
    countToolCalls: countSql(syntax, 'agent_tool_calls'),
    listSessions: (shape) => listSessionsSql(syntax, shape),
    page: (table, direction) =>
      pageSql(syntax, table, table === 'agent_messages' ? MESSAGE_COLUMNS : TOOL_CALL_COLUMNS, direction),
    insertMessages: (rows) => {
      const statements: { sql: string; params: SqlValue[] }[] = [];
      for (let at = 0; at < rows.length; at += BATCH_CHUNK) {
        const chunk = rows.slice(at, at + BATCH_CHUNK);
        const params: SqlValue[] = [];
        for (const r of chunk) params.push(r.sessionId, r.role, r.content, r.createdAt, r.clientKey);
        statements.push({ sql: insertMessagesSql(chunk.length), params });
      }
      return statements;
    },
    insertQuestion: insertChild('project_requirements_qna', [
      'question_id',
      'question',
      'description',
      'response_type',
      'created_at',
    ]),
    selectQuestions: selectChildrenSql(syntax, 'project_requirements_qna', QUESTION_COLUMNS),
    selectPendingQuestions: selectChildrenSql(syntax, 'project_requirements_qna', QUESTION_COLUMNS, 'answer'),
    answerQuestion: setByKeySql(syntax, 'project_requirements_qna', 'answer', 'answered_at', 'question_id'),
    reanswerQuestion: setLatestByKeySql(
      syntax,
      'project_requirements_qna',
      'answer',
      'answered_at',
      'question_id',
    ),
    insertSetting: insertChild('project_settings', [
      'setting_key',
      'setting_name',
      'description',
      'setting_type',
      'setting_value',
      'created_at',
    ]),
    selectSettings: selectChildrenSql(syntax, 'project_settings', SETTING_COLUMNS),
    selectPendingSettings: selectChildrenSql(syntax, 'project_settings', SETTING_COLUMNS, 'setting_value'),
    setSettingValue: setByKeySql(syntax, 'project_settings', 'setting_value', 'updated_at', 'setting_key'),
    resetSettingValue: setLatestByKeySql(
      syntax,
      'project_settings',
      'setting_value',
      'updated_at',
      'setting_key',
    ),
  },
  // Databases nocodo created (with or without refinery's history table) are adopted, and
  // refinery's history is kept in step: our first five migrations are its V1-V5, byte for byte.
  adoption: {
    origin: 'nocodo',
    columns: 'SELECT name FROM pragma_table_info(?)',
    hasHistory: `SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'refinery_schema_history'`,
    history: 'SELECT version FROM refinery_schema_history ORDER BY version',
    createHistory: REFINERY_HISTORY_DDL,
    insertHistory:
      'INSERT INTO refinery_schema_history (version, name, applied_on, checksum) VALUES (?, ?, ?, ?)',
    deleteHistory: 'DELETE FROM refinery_schema_history WHERE version = ?',
    dropHistory: 'DROP TABLE refinery_schema_history',
    record: (name, version, sql, at) => ({
      checksum: refineryChecksum(name, version, sql),
      appliedOn: refineryAppliedOn(at),
    }),
    migrations: {
      '0001_create_agent_sessions': {
        version: 1,
        name: 'create_agent_sessions',
        table: 'agent_sessions',
        columns: [
          'id',
          'agent_name',
          'provider',
          'model',
          'system_prompt',
          'user_prompt',
          'config',
          'status',
          'started_at',
          'ended_at',
          'result',
          'error',
        ],
      },
      '0002_create_agent_messages': {
        version: 2,
        name: 'create_agent_messages',
        table: 'agent_messages',
        columns: ['id', 'session_id', 'role', 'content', 'created_at'],
      },
      '0003_create_agent_tool_calls': {
        version: 3,
        name: 'create_agent_tool_calls',
        table: 'agent_tool_calls',
        columns: [
          'id',
          'session_id',
          'message_id',
          'tool_call_id',
          'tool_name',
          'request',
          'response',
          'status',
          'execution_time_ms',
          'created_at',
          'completed_at',
          'error_details',
        ],
      },
      '0004_create_project_requirements_qna': {
        version: 4,
        name: 'create_project_requirements_qna',
        table: 'project_requirements_qna',
        columns: [
          'id',
          'session_id',
          'tool_call_id',
          'question_id',
          'question',
          'description',
          'response_type',
          'answer',
          'created_at',
          'answered_at',
        ],
      },
      '0005_create_project_settings': {
        version: 5,
        name: 'create_project_settings',
        table: 'project_settings',
        columns: [
          'id',
          'session_id',
          'tool_call_id',
          'setting_key',
          'setting_name',
          'description',
          'setting_type',
          'setting_value',
          'created_at',
          'updated_at',
        ],
      },
    },
  },
  migrationSql: {
    // Migrations run in a BEGIN IMMEDIATE transaction, which already holds the write lock.
    lock: null,
    hasLog: `SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = '${MIGRATION_LOG}'`,
    createLog: `CREATE TABLE IF NOT EXISTS ${MIGRATION_LOG} (
      name TEXT PRIMARY KEY, checksum TEXT NOT NULL, applied_at INTEGER NOT NULL)`,
    selectLog: `SELECT name, checksum FROM ${MIGRATION_LOG} ORDER BY name`,
    insertLog: `INSERT INTO ${MIGRATION_LOG} (name, checksum, applied_at) VALUES (?, ?, ?)`,
    updateLog: `UPDATE ${MIGRATION_LOG} SET checksum = ? WHERE name = ?`,
    deleteLog: `DELETE FROM ${MIGRATION_LOG} WHERE name = ?`,
  },
};

/**
 * What an acknowledged write survives, one setting for every SQLite adapter (WAL mode):
 * `normal` — a process crash (kill -9): the commit is in the WAL before the call
 * resolves; an OS crash or power loss may undo the last commits (`synchronous=NORMAL`).
 * `full` — also an OS crash or power loss: every commit waits for an fsync
 * (`synchronous=FULL`).
 */
export type Durability = 'normal' | 'full';
export const DEFAULT_DURABILITY: Durability = 'normal';
export const SYNCHRONOUS: Record<Durability, 'NORMAL' | 'FULL'> = { normal: 'NORMAL', full: 'FULL' };
/** How long a writer waits for another connection's lock before `UNAVAILABLE`. */
export const DEFAULT_BUSY_TIMEOUT_MS = 5000;

/**
 * Maps a SQLite result code (`SQLITE_CONSTRAINT_FOREIGNKEY`, `SQLITE_BUSY`, ...) to the
 * contract's error codes; every SQLite driver funnels its errors through here.
 */
export function sqliteErrorCode(code: string | undefined): ErrorCode {
  if (code === undefined) return 'UNAVAILABLE';
  if (code.startsWith('SQLITE_CONSTRAINT_FOREIGNKEY')) return 'NOT_FOUND';
  if (code.startsWith('SQLITE_CONSTRAINT_UNIQUE') || code.startsWith('SQLITE_CONSTRAINT_PRIMARYKEY')) {
    return 'CONFLICT';
  }
  if (code.startsWith('SQLITE_CONSTRAINT')) return 'INVALID_INPUT';
  if (code.startsWith('SQLITE_CORRUPT') || code.startsWith('SQLITE_NOTADB')) return 'CORRUPT_DATA';
  // BUSY, LOCKED, IOERR, FULL, READONLY, CANTOPEN, ...: the database cannot serve the call now.
  return 'UNAVAILABLE';
}

export function mapSqliteError(adapter: string, error: unknown): AgentStorageError {
  if (error instanceof AgentStorageError) return error;
  // better-sqlite3 puts the extended code in `code`; libsql puts it in `extendedCode`.
  const { code, extendedCode } = (error ?? {}) as { code?: unknown; extendedCode?: unknown };
  const text = typeof extendedCode === 'string' ? extendedCode : typeof code === 'string' ? code : undefined;
  // A driver's message may quote the URL it was given (libsql: `https://user:token@…`).
  redactError(error);
  const message = redactSecrets(error instanceof Error ? error.message : String(error));
  return new AgentStorageError(sqliteErrorCode(text), `${text ?? 'error'}: ${message}`, {
    adapter,
    cause: error,
  });
}
