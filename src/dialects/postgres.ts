import { AgentStorageError, type ErrorCode } from '../contract/errors.js';
import { redactError, redactSecrets } from '../contract/redact.js';
import { MIGRATION_LOG } from '../core/migrator.js';
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

/** Schema names are interpolated into SQL, so only plain identifiers are accepted. */
const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

export function checkSchemaName(adapter: string, schema: string): string {
  if (!IDENTIFIER.test(schema)) {
    throw new AgentStorageError(
      'INVALID_INPUT',
      `schema must be a plain identifier ([A-Za-z_][A-Za-z0-9_]*), got ${JSON.stringify(schema)}`,
      {
        adapter,
        field: 'schema',
      },
    );
  }
  return schema;
}

/**
 * Postgres' SQL for the kit's schema inside `schema`. Every table name is qualified, so
 * a pooled connection's search_path never matters; parameters carry explicit casts
 * because INSERT ... SELECT gives Postgres nothing to infer their types from. Ids and
 * JSON come back as text (`::text`, and the executor's type parsers) so the shared
 * decoder sees exactly what SQLite returns.
 */
export function postgresDialect(schema = 'public'): SqlDialect {
  const s = `"${schema}"`;
  const syntax: SqlSyntax = {
    param: (index, type) => (type === undefined ? `$${index}` : `$${index}::${type}`),
    table: (name) => `${s}.${name}`,
    idText: (column) => `${column}::text`,
  };
  const sessionSelect = sessionColumns(syntax);
  const messageColumns =
    'id::text AS id, session_id::text AS session_id, role, content, created_at, client_key';
  const toolCallColumns = `id::text AS id, session_id::text AS session_id, message_id::text AS message_id,
    tool_call_id, tool_name, request, response, status, execution_time_ms, created_at, completed_at, error_details,
    client_key`;
  const log = `${s}.${MIGRATION_LOG}`;
  const insertMessages = `INSERT INTO ${s}.agent_messages (session_id, role, content, created_at, client_key)
    SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::bigint[], $5::text[])
    RETURNING id::text AS id`;
  // Questions and settings: the parent session (and tool call, when named) is checked inside the INSERT.
  const insertChild = (table: string, columns: [string, string][]) => `INSERT INTO ${s}.${table}
      (session_id, tool_call_id, ${columns.map(([c]) => c).join(', ')})
    SELECT p.id, $2::bigint, ${columns.map(([, type], i) => `$${i + 3}::${type}`).join(', ')}
    FROM ${s}.agent_sessions p
    WHERE p.id = $1::bigint AND ($2::bigint IS NULL OR EXISTS (
      SELECT 1 FROM ${s}.agent_tool_calls t WHERE t.id = $2::bigint AND t.session_id = p.id))
    RETURNING id::text AS id`;
  return {
    name: 'postgres',
    sql: {
      insertSession: `INSERT INTO ${s}.agent_sessions (agent_name, provider, model, system_prompt, user_prompt,
          config, status, started_at, ended_at, result, error)
        VALUES ($1, $2, $3, $4, $5, $6::json, $7, $8, $9, $10, $11) RETURNING id::text AS id`,
      selectSession: `SELECT ${sessionSelect} FROM ${s}.agent_sessions WHERE id = $1::bigint`,
      insertMessage: `INSERT INTO ${s}.agent_messages (session_id, role, content, created_at, client_key)
        SELECT p.id, $2::text, $3::text, $4::bigint, $5::text FROM ${s}.agent_sessions p WHERE p.id = $1::bigint
        RETURNING id::text AS id`,
      selectMessages: `SELECT ${messageColumns} FROM ${s}.agent_messages x WHERE x.session_id = $1::bigint
        ORDER BY x.created_at, x.id`,
      insertToolCall: `INSERT INTO ${s}.agent_tool_calls (session_id, message_id, tool_call_id, tool_name, request,
          response, status, execution_time_ms, created_at, completed_at, error_details, client_key)
        SELECT p.id, $2::bigint, $3::text, $4::text, $5::json, $6::json, $7::text, $8::bigint, $9::bigint,
          $10::bigint, $11::text, $12::text
        FROM ${s}.agent_sessions p
        WHERE p.id = $1::bigint AND ($2::bigint IS NULL OR EXISTS (
          SELECT 1 FROM ${s}.agent_messages m WHERE m.id = $2::bigint AND m.session_id = p.id))
        RETURNING id::text AS id`,
      selectToolCalls: `SELECT ${toolCallColumns} FROM ${s}.agent_tool_calls x WHERE x.session_id = $1::bigint
        ORDER BY x.created_at, x.id`,
      selectPendingToolCalls: `SELECT ${toolCallColumns} FROM ${s}.agent_tool_calls x
        WHERE x.session_id = $1::bigint AND status = 'pending' ORDER BY x.created_at, x.id`,
      update: (table, columns, statuses) => updateSql(syntax, table, columns, statuses),
      selectMessageByKey: `SELECT ${messageColumns} FROM ${s}.agent_messages x WHERE x.session_id = $1::bigint AND client_key = $2::text`,
      selectToolCallByKey: `SELECT ${toolCallColumns} FROM ${s}.agent_tool_calls x
        WHERE x.session_id = $1::bigint AND client_key = $2::text`,
      selectMessageSession: `SELECT session_id::text AS session_id FROM ${s}.agent_messages WHERE id = $1::bigint`,
      deleteSession: deleteSessionSql(syntax),
      countMessages: countSql(syntax, 'agent_messages'),
      countToolCalls: countSql(syntax, 'agent_tool_calls'),
      listSessions: (shape) => listSessionsSql(syntax, shape),
      page: (table, direction) =>
        pageSql(syntax, table, table === 'agent_messages' ? messageColumns : toolCallColumns, direction),
      // One array per column: one statement and five bound values for any batch size.
      insertMessages: (rows) => [
        {
          sql: insertMessages,
          params: [
            rows.map((r) => r.sessionId),
            rows.map((r) => r.role),
            rows.map((r) => r.content),
            rows.map((r) => r.createdAt),
            rows.map((r) => r.clientKey),
          ],
        },
      ],
      insertQuestion: insertChild('project_requirements_qna', [
        ['question_id', 'text'],
        ['question', 'text'],
        ['description', 'text'],
        ['response_type', 'text'],
        ['created_at', 'bigint'],
      ]),
      selectQuestions: selectChildrenSql(syntax, 'project_requirements_qna', QUESTION_COLUMNS),
      selectPendingQuestions: selectChildrenSql(
        syntax,
        'project_requirements_qna',
        QUESTION_COLUMNS,
        'answer',
      ),
      answerQuestion: setByKeySql(syntax, 'project_requirements_qna', 'answer', 'answered_at', 'question_id'),
      reanswerQuestion: setLatestByKeySql(
        syntax,
        'project_requirements_qna',
        'answer',
        'answered_at',
        'question_id',
      ),
      insertSetting: insertChild('project_settings', [
        ['setting_key', 'text'],
        ['setting_name', 'text'],
        ['description', 'text'],
        ['setting_type', 'text'],
        ['setting_value', 'text'],
        ['created_at', 'bigint'],
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
    migrationSql: {
      // One advisory lock per schema, held to the end of the migration transaction: concurrent
      // migrators queue here. The schema is created under the lock, and search_path is set for
      // this transaction only so that the migration files can use unqualified names.
      lock: `SELECT pg_advisory_xact_lock(hashtext('agent-storage-kit'), hashtext('${schema}'));
        CREATE SCHEMA IF NOT EXISTS ${s};
        SET LOCAL search_path TO ${s};`,
      hasLog: `SELECT 1 FROM information_schema.tables WHERE table_schema = '${schema}' AND table_name = '${MIGRATION_LOG}'`,
      createLog: `CREATE TABLE IF NOT EXISTS ${log} (
        name TEXT PRIMARY KEY, checksum TEXT NOT NULL, applied_at BIGINT NOT NULL)`,
      selectLog: `SELECT name, checksum FROM ${log} ORDER BY name`,
      insertLog: `INSERT INTO ${log} (name, checksum, applied_at) VALUES ($1, $2, $3)`,
      updateLog: `UPDATE ${log} SET checksum = $1 WHERE name = $2`,
      deleteLog: `DELETE FROM ${log} WHERE name = $1`,
    },
  };
}

/** SQLSTATE classes and codes → the contract's codes. https://www.postgresql.org/docs/current/errcodes-appendix.html */
export function postgresErrorCode(sqlstate: string | undefined): ErrorCode {
  if (sqlstate === undefined) return 'UNAVAILABLE'; // network errors (ECONNREFUSED, terminated connections)
  if (sqlstate === '23503') return 'NOT_FOUND'; // foreign_key_violation: the parent went away
  if (sqlstate === '23505') return 'CONFLICT'; // unique_violation
  if (sqlstate.startsWith('23') || sqlstate.startsWith('22')) return 'INVALID_INPUT'; // integrity / data exception
  if (sqlstate === 'XX001' || sqlstate === 'XX002') return 'CORRUPT_DATA'; // data_corrupted, index_corrupted
  // 08 connection, 40 serialization/deadlock, 53 resources, 57 operator intervention, ...
  return 'UNAVAILABLE';
}

export function mapPgError(adapter: string, error: unknown): AgentStorageError {
  if (error instanceof AgentStorageError) return error;
  const code = (error as { code?: unknown })?.code;
  const sqlstate = typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? code : undefined;
  redactError(error);
  const message = redactSecrets(error instanceof Error ? error.message : String(error));
  return new AgentStorageError(
    postgresErrorCode(sqlstate),
    `${typeof code === 'string' ? code : 'error'}: ${message}`,
    {
      adapter,
      cause: error,
    },
  );
}
