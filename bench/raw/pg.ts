import { type PostgresSql, postgresSql } from './sql.js';
import {
  type RawKey,
  type RawMessage,
  type RawSession,
  type RawStore,
  type RawToolCallCompletion,
  type RawToolCallInput,
  rawLatestPage,
  rawPage,
  sessionParams,
} from './types.js';

// int8 columns arrive as text and json as parsed values with pg's default type parsers.
interface MessageRow {
  id: string;
  session_id: string;
  role: string;
  content: string;
  created_at: string;
  client_key: string | null;
}

interface SessionRow {
  id: string;
  agent_name: string;
  provider: string;
  model: string;
  system_prompt: string | null;
  user_prompt: string;
  config: unknown;
  status: string;
  started_at: string;
  ended_at: string | null;
  result: string | null;
  error: string | null;
}

const message = (r: MessageRow): RawMessage => ({
  id: r.id,
  sessionId: r.session_id,
  role: r.role,
  content: r.content,
  createdAt: Number(r.created_at),
  clientKey: r.client_key,
});

const session = (r: SessionRow): RawSession => ({
  id: r.id,
  agentName: r.agent_name,
  provider: r.provider,
  model: r.model,
  systemPrompt: r.system_prompt,
  userPrompt: r.user_prompt,
  config: r.config,
  status: r.status,
  startedAt: Number(r.started_at),
  endedAt: r.ended_at === null ? null : Number(r.ended_at),
  result: r.result,
  error: r.error,
});

/**
 * pg used directly: `pool.query(text, values)` with the kit's SQL (unnamed statements, pg's
 * default type parsers), rows mapped by hand. Tables live in `schema`.
 */
export async function openRawPg(connectionString: string, schema: string): Promise<RawStore> {
  const { default: pg } = await import('pg');
  const pool = new pg.Pool({ connectionString, max: 10 });
  pool.on('error', () => undefined);
  const sql: PostgresSql = postgresSql(schema);
  const keyAt = async (text: string, values: (string | number)[]): Promise<RawKey> => {
    const row = (await pool.query<{ key: string; id: string }>(text, values)).rows[0];
    if (row === undefined) throw new Error(`no row at ${values.join(', ')}`);
    return { key: Number(row.key), id: row.id };
  };

  return {
    async createSession(agentName) {
      const { rows } = await pool.query<{ id: string }>(sql.insertSession, sessionParams(agentName));
      return rows[0]?.id as string;
    },
    async seedMessages(sessionId, count, content, firstCreatedAt) {
      await pool.query(sql.seedMessages, [sessionId, content, firstCreatedAt, count]);
      // Sets hint bits and statistics now, so neither side's reads pay for (or race) autovacuum.
      await pool.query(`VACUUM (ANALYZE) "${schema}".agent_messages`);
    },
    async seedSessions(count, firstStartedAt) {
      await pool.query(sql.seedSessions, [firstStartedAt, count]);
      await pool.query(`VACUUM (ANALYZE) "${schema}".agent_sessions`);
    },
    messageKeyAt(sessionId, offset) {
      return keyAt(sql.messageKeyAt, [sessionId, offset]);
    },
    sessionKeyAt(offset) {
      return keyAt(sql.sessionKeyAt, [offset]);
    },
    async seedRun(run) {
      const { rows } = await pool.query<{ id: string }>(sql.seedRun, [
        run.agentName,
        run.content,
        run.firstCreatedAt,
        run.count,
        run.request,
        run.response,
      ]);
      return rows[0]?.id as string;
    },
    async createMessage(sessionId, role, content) {
      const { rows } = await pool.query<{ id: string }>(sql.insertMessage, [
        role,
        content,
        Math.floor(Date.now() / 1000),
        null,
        sessionId,
      ]);
      return rows[0]?.id as string;
    },
    async getMessages(sessionId): Promise<RawMessage[]> {
      const { rows } = await pool.query<MessageRow>(sql.selectMessages, [sessionId]);
      return rows.map(message);
    },
    async createToolCall(t: RawToolCallInput) {
      const { rows } = await pool.query<{ id: string }>(sql.insertToolCall, [
        t.messageId,
        t.toolCallId,
        t.toolName,
        JSON.stringify(t.request),
        null,
        'pending',
        null,
        Math.floor(Date.now() / 1000),
        null,
        null,
        null,
        t.sessionId,
      ]);
      return rows[0]?.id as string;
    },
    async completeToolCall(id: string, c: RawToolCallCompletion) {
      await pool.query(sql.completeToolCall, [
        'completed',
        JSON.stringify(c.response),
        c.executionTimeMs,
        c.completedAt,
        id,
      ]);
    },
    async getMessagesPage(sessionId, after, limit) {
      const { rows } = await pool.query<MessageRow>(sql.messagesPageAfter, [
        sessionId,
        after.key,
        after.id,
        limit + 1,
      ]);
      return rawPage(rows.map(message), limit, (m) => ({ key: m.createdAt, id: m.id }));
    },
    async listSessions(before, limit) {
      const { rows } =
        before === null
          ? await pool.query<SessionRow>(sql.listSessions, [limit + 1])
          : await pool.query<SessionRow>(sql.listSessionsBefore, [before.key, before.id, limit + 1]);
      return rawPage(rows.map(session), limit, (s) => ({ key: s.startedAt, id: s.id }));
    },
    async getLatestMessages(sessionId, limit) {
      const { rows } = await pool.query<MessageRow>(sql.messagesPageLast, [sessionId, limit + 1]);
      return rawLatestPage(rows.map(message), limit, (m) => ({ key: m.createdAt, id: m.id }));
    },
    async deleteSession(id) {
      const { rowCount } = await pool.query(sql.deleteSession, [id]);
      return (rowCount ?? 0) > 0;
    },
    async close() {
      await pool.end();
    },
  };
}
