/**
 * The SQL the raw-driver baselines run: copied verbatim from what `src/sql/statements.ts`
 * generates for each dialect (as the benchmark's calls shape it: the tool-call UPDATE, a
 * page after a cursor, the latest page, a session listing without filters), so kit and raw driver execute
 * the same statements. `sqlDrift()` compares these
 * copies with the dialects at startup, so a change to the kit's SQL is reported instead of
 * silently turning the comparison into one of different queries.
 */

const SQLITE_MESSAGE_COLUMNS =
  'CAST(x.id AS TEXT) AS id, CAST(x.session_id AS TEXT) AS session_id, x.role, x.content, x.created_at, x.client_key';
const SQLITE_SESSION_COLUMNS = `CAST(x.id AS TEXT) AS id, x.agent_name, x.provider, x.model, x.system_prompt, x.user_prompt,
  x.config, x.status, x.started_at, x.ended_at, x.result, x.error`;

export const SQLITE_SQL = {
  /** Params: agentName, provider, model, systemPrompt, userPrompt, config, status, startedAt, endedAt, result, error. */
  insertSession: `INSERT INTO agent_sessions (agent_name, provider, model, system_prompt, user_prompt, config, status,
        started_at, ended_at, result, error)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING CAST(id AS TEXT) AS id`,
  /** Params: role, content, createdAt, clientKey, sessionId. */
  insertMessage: `INSERT INTO agent_messages (session_id, role, content, created_at, client_key)
      SELECT s.id, ?, ?, ?, ? FROM agent_sessions s WHERE s.id = ?
      RETURNING CAST(id AS TEXT) AS id`,
  selectMessages: `SELECT ${SQLITE_MESSAGE_COLUMNS} FROM agent_messages x WHERE x.session_id = ? ORDER BY x.created_at, x.id`,
  /**
   * Params: messageId, toolCallId, toolName, request, response, status, executionTimeMs,
   * createdAt, completedAt, errorDetails, clientKey, sessionId, messageId, messageId.
   */
  insertToolCall: `INSERT INTO agent_tool_calls (session_id, message_id, tool_call_id, tool_name, request, response, status,
        execution_time_ms, created_at, completed_at, error_details, client_key)
      SELECT s.id, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?
      FROM agent_sessions s WHERE s.id = ? AND (? IS NULL OR EXISTS (
        SELECT 1 FROM agent_messages m WHERE m.id = ? AND m.session_id = s.id))
      RETURNING CAST(id AS TEXT) AS id`,
  /** The UPDATE of a tool call's completion (status, response, executionTimeMs, completedAt). */
  completeToolCall:
    'UPDATE agent_tool_calls SET status = ?, response = ?, execution_time_ms = ?, completed_at = ? WHERE id = ?',
  /** A page after a cursor. Params: sessionId, cursor createdAt, cursor id, limit + 1. */
  messagesPageAfter: `SELECT ${SQLITE_MESSAGE_COLUMNS} FROM agent_messages x
    WHERE x.session_id = ? AND (x.created_at, x.id) > (?, ?)
    ORDER BY x.created_at ASC, x.id ASC LIMIT ?`,
  /** The latest messages, newest first (the caller reverses them). Params: sessionId, limit + 1. */
  messagesPageLast: `SELECT ${SQLITE_MESSAGE_COLUMNS} FROM agent_messages x WHERE x.session_id = ?
    ORDER BY x.created_at DESC, x.id DESC LIMIT ?`,
  /** One session; the foreign keys' ON DELETE CASCADE / SET NULL take its rows with it. Params: id. */
  deleteSession: 'DELETE FROM agent_sessions WHERE id = ?',
  /** A listing without filters. Params: limit + 1. */
  listSessions: `SELECT ${SQLITE_SESSION_COLUMNS} FROM agent_sessions x
     ORDER BY x.started_at DESC, x.id DESC LIMIT ?`,
  /** A listing after a cursor. Params: cursor startedAt, cursor id, limit + 1. */
  listSessionsBefore: `SELECT ${SQLITE_SESSION_COLUMNS} FROM agent_sessions x
    WHERE (x.started_at, x.id) < (?, ?) ORDER BY x.started_at DESC, x.id DESC LIMIT ?`,
  // Setup only (seeding, finding a deep position); not measured and not part of the comparison.
  seedMessage: 'INSERT INTO agent_messages (session_id, role, content, created_at) VALUES (?, ?, ?, ?)',
  /** `count` messages in one statement, the rows `seedMessage` would write in a loop. Params: count, sessionId, content, first createdAt. */
  seedMessageSeries: `WITH RECURSIVE i(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM i WHERE n + 1 < ?)
      INSERT INTO agent_messages (session_id, role, content, created_at)
      SELECT ?, CASE n % 4 WHEN 0 THEN 'user' WHEN 1 THEN 'assistant' WHEN 2 THEN 'tool' ELSE 'system' END, ?, ? + n
      FROM i ORDER BY n`,
  seedSession: `INSERT INTO agent_sessions (agent_name, provider, model, user_prompt, status, started_at)
      VALUES (?, ?, ?, ?, 'completed', ?)`,
  messageKeyAt: `SELECT created_at AS key, CAST(id AS TEXT) AS id FROM agent_messages
      WHERE session_id = ? ORDER BY created_at, id LIMIT 1 OFFSET ?`,
  sessionKeyAt: `SELECT started_at AS key, CAST(id AS TEXT) AS id FROM agent_sessions
      ORDER BY started_at DESC, id DESC LIMIT 1 OFFSET ?`,
  /** A completed tool call on each assistant message of a session. Params: request, response, sessionId. */
  seedToolCalls: `INSERT INTO agent_tool_calls (session_id, message_id, tool_call_id, tool_name, request, response, status,
        execution_time_ms, created_at, completed_at)
      SELECT m.session_id, m.id, 'toolu_' || m.id, 'sqlite_query', ?, ?, 'completed', 3, m.created_at, m.created_at
      FROM agent_messages m WHERE m.session_id = ? AND m.role = 'assistant' ORDER BY m.created_at, m.id`,
} as const;

/**
 * libsql's reads select every column as the kit's `bytesDialect` does: text as its UTF-8
 * bytes (@libsql/client 0.18 cuts text at U+0000 and aborts the process on text that is not
 * UTF-8), a blob after a 0xFF byte, ids as text while they are integers, an enum's known
 * values as themselves. The raw side decodes those bytes as the kit does; its writes are
 * SQLite's.
 */
const asBytes = (c: string) =>
  `CASE typeof(${c}) WHEN 'text' THEN CAST(${c} AS BLOB) WHEN 'blob' THEN CAST(X'FF' || ${c} AS BLOB) ELSE ${c} END`;
const idAsBytes = (c: string) =>
  `CASE typeof(${c}) WHEN 'integer' THEN CAST(${c} AS TEXT) ELSE ${asBytes(c)} END`;
const enumAsBytes = (c: string, values: readonly string[]) =>
  `CASE WHEN ${c} IN (${values.map((v) => `'${v}'`).join(', ')}) THEN ${c} ELSE ${asBytes(c)} END`;
const as = (expression: string, column: string) => `${expression} AS ${column}`;
const LIBSQL_MESSAGE_COLUMNS = [
  as(idAsBytes('x.id'), 'id'),
  as(idAsBytes('x.session_id'), 'session_id'),
  as(enumAsBytes('x.role', ['user', 'assistant', 'system', 'tool']), 'role'),
  ...['content', 'created_at', 'client_key'].map((c) => as(asBytes(`x.${c}`), c)),
].join(', ');
const LIBSQL_SESSION_COLUMNS = [
  as(idAsBytes('x.id'), 'id'),
  ...['agent_name', 'provider', 'model', 'system_prompt', 'user_prompt', 'config'].map((c) =>
    as(asBytes(`x.${c}`), c),
  ),
  as(enumAsBytes('x.status', ['running', 'completed', 'failed', 'waiting_for_user_input']), 'status'),
  ...['started_at', 'ended_at', 'result', 'error'].map((c) => as(asBytes(`x.${c}`), c)),
].join(', ');

export const LIBSQL_SQL = {
  ...SQLITE_SQL,
  selectMessages: `SELECT ${LIBSQL_MESSAGE_COLUMNS} FROM agent_messages x WHERE x.session_id = ? ORDER BY x.created_at, x.id`,
  messagesPageAfter: `SELECT ${LIBSQL_MESSAGE_COLUMNS} FROM agent_messages x
    WHERE x.session_id = ? AND (x.created_at, x.id) > (?, ?)
    ORDER BY x.created_at ASC, x.id ASC LIMIT ?`,
  messagesPageLast: `SELECT ${LIBSQL_MESSAGE_COLUMNS} FROM agent_messages x WHERE x.session_id = ?
    ORDER BY x.created_at DESC, x.id DESC LIMIT ?`,
  listSessions: `SELECT ${LIBSQL_SESSION_COLUMNS} FROM agent_sessions x
     ORDER BY x.started_at DESC, x.id DESC LIMIT ?`,
  listSessionsBefore: `SELECT ${LIBSQL_SESSION_COLUMNS} FROM agent_sessions x
    WHERE (x.started_at, x.id) < (?, ?) ORDER BY x.started_at DESC, x.id DESC LIMIT ?`,
} as const;

export type PostgresSql = ReturnType<typeof postgresSql>;

/** Postgres' statements for tables in `schema` (a plain identifier the harness made). */
export function postgresSql(schema: string) {
  const s = `"${schema}"`;
  const messageColumns =
    'x.id::text AS id, x.session_id::text AS session_id, x.role, x.content, x.created_at, x.client_key';
  const sessionColumns = `x.id::text AS id, x.agent_name, x.provider, x.model, x.system_prompt, x.user_prompt, x.config,
    x.status, x.started_at, x.ended_at, x.result, x.error`;
  return {
    insertSession: `INSERT INTO ${s}.agent_sessions (agent_name, provider, model, system_prompt, user_prompt, config, status,
          started_at, ended_at, result, error)
        VALUES ($1::text, $2::text, $3::text, $4::text, $5::text, $6::json, $7::text, $8::bigint, $9::bigint, $10::text,
          $11::text) RETURNING id::text AS id`,
    insertMessage: `INSERT INTO ${s}.agent_messages (session_id, role, content, created_at, client_key)
        SELECT s.id, $1::text, $2::text, $3::bigint, $4::text FROM ${s}.agent_sessions s WHERE s.id = $5::bigint FOR NO KEY UPDATE
        RETURNING id::text AS id`,
    selectMessages: `SELECT ${messageColumns} FROM ${s}.agent_messages x WHERE x.session_id = $1::bigint
        ORDER BY x.created_at, x.id`,
    insertToolCall: `INSERT INTO ${s}.agent_tool_calls (session_id, message_id, tool_call_id, tool_name, request, response,
          status, execution_time_ms, created_at, completed_at, error_details, client_key)
        SELECT s.id, $1::bigint, $2::text, $3::text, $4::json, $5::json, $6::text, $7::bigint, $8::bigint, $9::bigint,
          $10::text, $11::text
        FROM ${s}.agent_sessions s WHERE s.id = $12::bigint AND ($1::bigint IS NULL OR EXISTS (
          SELECT 1 FROM ${s}.agent_messages m WHERE m.id = $1::bigint AND m.session_id = s.id)) FOR NO KEY UPDATE
        RETURNING id::text AS id`,
    completeToolCall: `UPDATE ${s}.agent_tool_calls SET status = $1::text, response = $2::json, execution_time_ms = $3::bigint,
      completed_at = $4::bigint WHERE id = $5::bigint`,
    messagesPageAfter: `SELECT ${messageColumns} FROM ${s}.agent_messages x
    WHERE x.session_id = $1::bigint AND (x.created_at, x.id) > ($2::bigint, $3::bigint)
    ORDER BY x.created_at ASC, x.id ASC LIMIT $4::bigint`,
    messagesPageLast: `SELECT ${messageColumns} FROM ${s}.agent_messages x WHERE x.session_id = $1::bigint
    ORDER BY x.created_at DESC, x.id DESC LIMIT $2::bigint`,
    deleteSession: `DELETE FROM ${s}.agent_sessions WHERE id = $1::bigint`,
    listSessions: `SELECT ${sessionColumns} FROM ${s}.agent_sessions x
     ORDER BY x.started_at DESC, x.id DESC LIMIT $1::bigint`,
    listSessionsBefore: `SELECT ${sessionColumns} FROM ${s}.agent_sessions x
    WHERE (x.started_at, x.id) < ($1::bigint, $2::bigint) ORDER BY x.started_at DESC, x.id DESC LIMIT $3::bigint`,
    // Setup only: one statement writes a whole session's messages / many sessions.
    seedMessages: `INSERT INTO ${s}.agent_messages (session_id, role, content, created_at)
        SELECT $1::bigint, (ARRAY['user', 'assistant', 'tool', 'system'])[1 + i % 4], $2::text, $3::bigint + i
        FROM generate_series(0, $4::int - 1) AS i`,
    seedSessions: `INSERT INTO ${s}.agent_sessions (agent_name, provider, model, user_prompt, status, started_at)
        SELECT 'bench-agent', 'anthropic', 'claude-sonnet-4-5', 'seeded session ' || i, 'completed', $1::bigint + i
        FROM generate_series(0, $2::int - 1) AS i`,
    messageKeyAt: `SELECT created_at AS key, id::text AS id FROM ${s}.agent_messages
        WHERE session_id = $1::bigint ORDER BY created_at, id LIMIT 1 OFFSET $2::bigint`,
    sessionKeyAt: `SELECT started_at AS key, id::text AS id FROM ${s}.agent_sessions
        ORDER BY started_at DESC, id DESC LIMIT 1 OFFSET $1::bigint`,
    /**
     * A session with `$3` messages and a completed tool call on each assistant one, in one
     * statement and without VACUUM (for per-call setup). Params: agentName, content,
     * firstCreatedAt, count, request, response; resolves to the session's id.
     */
    seedRun: `WITH s AS (
          INSERT INTO ${s}.agent_sessions (agent_name, provider, model, user_prompt, status, started_at)
          VALUES ($1::text, 'anthropic', 'claude-sonnet-4-5', 'benchmark', 'running', $3::bigint) RETURNING id
        ), m AS (
          INSERT INTO ${s}.agent_messages (session_id, role, content, created_at)
          SELECT s.id, (ARRAY['user', 'assistant', 'tool', 'system'])[1 + i % 4], $2::text, $3::bigint + i
          FROM s, generate_series(0, $4::int - 1) AS i ORDER BY i
          RETURNING id, session_id, role, created_at
        ), t AS (
          INSERT INTO ${s}.agent_tool_calls (session_id, message_id, tool_call_id, tool_name, request, response, status,
            execution_time_ms, created_at, completed_at)
          SELECT m.session_id, m.id, 'toolu_' || m.id, 'sqlite_query', $5::json, $6::json, 'completed', 3, m.created_at,
            m.created_at
          FROM m WHERE m.role = 'assistant' ORDER BY m.created_at, m.id
        )
        SELECT id::text AS id FROM s`,
  };
}

const NO_FILTERS = {
  statuses: 0,
  agentName: false,
  provider: false,
  model: false,
  startedFrom: false,
  startedBefore: false,
  endedBefore: false,
};

const squash = (sql: string) => sql.replace(/\s+/g, ' ').trim();

/**
 * Names each statement whose copy here differs (whitespace aside) from what the kit runs
 * (`src/sql/statements.ts` for each dialect's syntax); empty when the comparison is like for like.
 */
export async function sqlDrift(schema: string): Promise<string[]> {
  const { bytesDialect, sqliteDialect } = await import('../../src/dialects/sqlite.js');
  const { postgresDialect } = await import('../../src/dialects/postgres.js');
  const { statements } = await import('../../src/sql/statements.js');
  const { SCHEMA } = await import('../../src/core/schema.js');
  const kits = {
    sqlite: statements(sqliteDialect.syntax),
    libsql: statements(bytesDialect.syntax),
    postgres: statements(postgresDialect(schema).syntax),
  };
  const raws = {
    sqlite: SQLITE_SQL as Record<keyof typeof SQLITE_SQL, string>,
    libsql: LIBSQL_SQL as Record<keyof typeof LIBSQL_SQL, string>,
    postgres: postgresSql(schema),
  };
  const pairs: [string, string, string][] = [];
  for (const dialect of ['sqlite', 'libsql', 'postgres'] as const) {
    const kit = kits[dialect];
    const raw = raws[dialect];
    const completion = ['status', 'response', 'executionTimeMs', 'completedAt'];
    pairs.push(
      [`${dialect} insertSession`, raw.insertSession, kit.insertSession.text],
      [`${dialect} insertMessage`, raw.insertMessage, kit.insertMessage.text],
      [`${dialect} selectMessages`, raw.selectMessages, kit.rows(SCHEMA.messages).text],
      [`${dialect} insertToolCall`, raw.insertToolCall, kit.insertToolCall.text],
      [`${dialect} completeToolCall`, raw.completeToolCall, kit.update(SCHEMA.toolCalls, completion).text],
      [`${dialect} page(after)`, raw.messagesPageAfter, kit.page(SCHEMA.messages, 'after').text],
      [`${dialect} page(last)`, raw.messagesPageLast, kit.page(SCHEMA.messages, 'last').text],
      [`${dialect} deleteSession`, raw.deleteSession, kit.deleteSession.text],
      [`${dialect} listSessions`, raw.listSessions, kit.listSessions({ ...NO_FILTERS, cursor: false }).text],
      [
        `${dialect} listSessions(cursor)`,
        raw.listSessionsBefore,
        kit.listSessions({ ...NO_FILTERS, cursor: true }).text,
      ],
    );
  }
  return pairs.filter(([, raw, kit]) => squash(raw) !== squash(kit)).map(([name]) => name);
}
