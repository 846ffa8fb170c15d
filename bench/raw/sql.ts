/**
 * The SQL the raw-driver baselines run: copied verbatim from `src/dialects/sqlite.ts`,
 * `src/dialects/postgres.ts` and the builders in `src/core/sql-queries.ts` (as they build
 * the benchmark's calls: the tool-call UPDATE, a page after a cursor, a session listing
 * without filters), so kit and raw driver execute the same statements. `sqlDrift()` compares these
 * copies with the dialects at startup, so a change to the kit's SQL is reported instead of
 * silently turning the comparison into one of different queries.
 */

const SQLITE_MESSAGE_COLUMNS =
  'CAST(id AS TEXT) AS id, CAST(session_id AS TEXT) AS session_id, role, content, created_at, client_key';
const SQLITE_SESSION_COLUMNS = `CAST(id AS TEXT) AS id, agent_name, provider, model, system_prompt, user_prompt, config, status, started_at,
  ended_at, result, error`;

export const SQLITE_SQL = {
  insertSession: `INSERT INTO agent_sessions (agent_name, provider, model, system_prompt, user_prompt,
        config, status, started_at, ended_at, result, error)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING CAST(id AS TEXT) AS id`,
  insertMessage: `WITH p(session_id, role, content, created_at, client_key) AS (VALUES (?, ?, ?, ?, ?))
      INSERT INTO agent_messages (session_id, role, content, created_at, client_key)
      SELECT s.id, p.role, p.content, p.created_at, p.client_key FROM p JOIN agent_sessions s ON s.id = p.session_id
      RETURNING CAST(id AS TEXT) AS id`,
  selectMessages: `SELECT ${SQLITE_MESSAGE_COLUMNS} FROM agent_messages x WHERE x.session_id = ? ORDER BY x.created_at, x.id`,
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
  /** What `sqliteDialect.sql.update('agent_tool_calls', [status, response, execution_time_ms, completed_at])` builds. */
  completeToolCall:
    'UPDATE agent_tool_calls SET status = ?, response = ?, execution_time_ms = ?, completed_at = ? WHERE id = ?',
  /** `sql.page('agent_messages', 'after')`. Params: sessionId, cursor createdAt, cursor id, limit + 1. */
  messagesPageAfter: `SELECT ${SQLITE_MESSAGE_COLUMNS} FROM agent_messages x
    WHERE x.session_id = ? AND (x.created_at, x.id) > (?, ?)
    ORDER BY x.created_at ASC, x.id ASC LIMIT ?`,
  /** `sql.listSessions(no filters)`. Params: limit + 1. */
  listSessions: `SELECT ${SQLITE_SESSION_COLUMNS} FROM agent_sessions x
     ORDER BY x.started_at DESC, x.id DESC LIMIT ?`,
  /** `sql.listSessions(cursor only)`. Params: cursor startedAt, cursor id, limit + 1. */
  listSessionsBefore: `SELECT ${SQLITE_SESSION_COLUMNS} FROM agent_sessions x
    WHERE (x.started_at, x.id) < (?, ?) ORDER BY x.started_at DESC, x.id DESC LIMIT ?`,
  // Setup only (seeding, finding a deep position); not measured and not part of the comparison.
  seedMessage: 'INSERT INTO agent_messages (session_id, role, content, created_at) VALUES (?, ?, ?, ?)',
  seedSession: `INSERT INTO agent_sessions (agent_name, provider, model, user_prompt, status, started_at)
      VALUES (?, ?, ?, ?, 'completed', ?)`,
  messageKeyAt: `SELECT created_at AS key, CAST(id AS TEXT) AS id FROM agent_messages
      WHERE session_id = ? ORDER BY created_at, id LIMIT 1 OFFSET ?`,
  sessionKeyAt: `SELECT started_at AS key, CAST(id AS TEXT) AS id FROM agent_sessions
      ORDER BY started_at DESC, id DESC LIMIT 1 OFFSET ?`,
} as const;

export type PostgresSql = ReturnType<typeof postgresSql>;

/** Postgres' statements for tables in `schema` (a plain identifier the harness made). */
export function postgresSql(schema: string) {
  const s = `"${schema}"`;
  const messageColumns =
    'id::text AS id, session_id::text AS session_id, role, content, created_at, client_key';
  const sessionColumns = `id::text AS id, agent_name, provider, model, system_prompt, user_prompt, config, status, started_at,
  ended_at, result, error`;
  return {
    insertSession: `INSERT INTO ${s}.agent_sessions (agent_name, provider, model, system_prompt, user_prompt,
          config, status, started_at, ended_at, result, error)
        VALUES ($1, $2, $3, $4, $5, $6::json, $7, $8, $9, $10, $11) RETURNING id::text AS id`,
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
    completeToolCall: `UPDATE ${s}.agent_tool_calls SET status = $1, response = $2, execution_time_ms = $3, completed_at = $4 WHERE id = $5::bigint`,
    messagesPageAfter: `SELECT ${messageColumns} FROM ${s}.agent_messages x
    WHERE x.session_id = $1::bigint AND (x.created_at, x.id) > ($2::bigint, $3::bigint)
    ORDER BY x.created_at ASC, x.id ASC LIMIT $4::bigint`,
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
  };
}

const TOOL_CALL_UPDATE_COLUMNS = ['status', 'response', 'execution_time_ms', 'completed_at'];
/** The `ListShape` of a `listSessions` call without filters. */
const NO_FILTERS = {
  statuses: 0,
  agentName: false,
  provider: false,
  model: false,
  startedFrom: false,
  startedBefore: false,
};

const squash = (sql: string) => sql.replace(/\s+/g, ' ').trim();

/**
 * Names each statement whose copy here differs (whitespace aside) from what the kit's
 * dialect runs; empty when the comparison is like for like.
 */
export async function sqlDrift(schema: string): Promise<string[]> {
  const { sqliteDialect } = await import('../../src/dialects/sqlite.js');
  const { postgresDialect } = await import('../../src/dialects/postgres.js');
  const sqlite = sqliteDialect.sql as unknown as Record<string, unknown>;
  const pgKit = postgresDialect(schema).sql as unknown as Record<string, unknown>;
  const pgRaw = postgresSql(schema);
  // Some statements are built per call shape; a builder that is gone or throws counts as drift.
  const call = (builder: unknown, ...args: unknown[]) => {
    try {
      return typeof builder === 'function' ? (builder as (...a: unknown[]) => unknown)(...args) : undefined;
    } catch {
      return undefined;
    }
  };
  const built = (sql: Record<string, unknown>) =>
    call(sql.update, 'agent_tool_calls', TOOL_CALL_UPDATE_COLUMNS);
  const pairs: [string, string, unknown][] = [];
  for (const key of ['insertSession', 'insertMessage', 'selectMessages', 'insertToolCall'] as const) {
    pairs.push([`sqlite ${key}`, SQLITE_SQL[key], sqlite[key]]);
    pairs.push([`postgres ${key}`, pgRaw[key], pgKit[key]]);
  }
  pairs.push(['sqlite completeToolCall', SQLITE_SQL.completeToolCall, built(sqlite)]);
  const page = (sql: Record<string, unknown>) => call(sql.page, 'agent_messages', 'after');
  const list = (sql: Record<string, unknown>, cursor: boolean) =>
    call(sql.listSessions, { ...NO_FILTERS, cursor });
  pairs.push(['sqlite page(after)', SQLITE_SQL.messagesPageAfter, page(sqlite)]);
  pairs.push(['postgres page(after)', pgRaw.messagesPageAfter, page(pgKit)]);
  pairs.push(['sqlite listSessions', SQLITE_SQL.listSessions, list(sqlite, false)]);
  pairs.push(['postgres listSessions', pgRaw.listSessions, list(pgKit, false)]);
  pairs.push(['sqlite listSessions(cursor)', SQLITE_SQL.listSessionsBefore, list(sqlite, true)]);
  pairs.push(['postgres listSessions(cursor)', pgRaw.listSessionsBefore, list(pgKit, true)]);
  pairs.push(['postgres completeToolCall', pgRaw.completeToolCall, built(pgKit)]);
  return pairs
    .filter(([, raw, kit]) => typeof kit !== 'string' || squash(raw) !== squash(kit))
    .map(([name]) => name);
}
