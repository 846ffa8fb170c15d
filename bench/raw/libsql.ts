import type { InStatement, Row } from '@libsql/client';
import { LIBSQL_SQL as SQL } from './sql.js';
import {
  type RawKey,
  type RawMessage,
  type RawSession,
  type RawStore,
  type RawToolCallCompletion,
  type RawToolCallInput,
  rawLatestPage,
  rawPage,
  SEED_CHUNK,
  sessionParams,
} from './types.js';

/** A column `LIBSQL_SQL` selected as bytes, read back as the text they encode (the raw side writes no blobs). */
const utf8 = new TextDecoder();
const text = (v: unknown) => (v instanceof ArrayBuffer ? utf8.decode(v) : v);

const message = (r: Row): RawMessage => ({
  id: r.id as string,
  sessionId: r.session_id as string,
  role: r.role as string,
  content: text(r.content) as string,
  createdAt: r.created_at as number,
  clientKey: text(r.client_key) as string | null,
});

const session = (r: Row): RawSession => {
  const config = text(r.config) as string | null;
  return {
    id: r.id as string,
    agentName: text(r.agent_name) as string,
    provider: text(r.provider) as string,
    model: text(r.model) as string,
    systemPrompt: text(r.system_prompt) as string | null,
    userPrompt: text(r.user_prompt) as string,
    config: config === null ? null : JSON.parse(config),
    status: r.status as string,
    startedAt: r.started_at as number,
    endedAt: r.ended_at as number | null,
    result: text(r.result) as string | null,
    error: text(r.error) as string | null,
  };
};

/**
 * @libsql/client used directly on a local file: `client.execute` with the kit's SQL, the
 * client's default `intMode` ('number'), one connection in WAL with synchronous=NORMAL as the
 * kit sets it, rows mapped by hand.
 */
export async function openRawLibsql(path: string): Promise<RawStore> {
  const { createClient } = await import('@libsql/client');
  // Set up as the kit sets up a local file: one connection, WAL, synchronous=NORMAL.
  const client = createClient({ url: `file:${path}`, timeout: 5000, concurrency: 1 });
  await client.execute('PRAGMA journal_mode = WAL');
  await client.execute('PRAGMA synchronous = NORMAL');

  const bulk = async (count: number, statement: (i: number) => InStatement) => {
    for (let start = 0; start < count; start += SEED_CHUNK) {
      const chunk: InStatement[] = [];
      for (let i = start; i < Math.min(count, start + SEED_CHUNK); i++) chunk.push(statement(i));
      await client.batch(chunk, 'write');
    }
  };
  const keyAt = async (sql: string, args: (string | number)[]): Promise<RawKey> => {
    const row = (await client.execute({ sql, args })).rows[0];
    if (row === undefined) throw new Error(`no row at ${args.join(', ')}`);
    return { key: row.key as number, id: row.id as string };
  };

  return {
    async createSession(agentName) {
      const rs = await client.execute({
        sql: SQL.insertSession,
        args: sessionParams(agentName),
      });
      return rs.rows[0]?.id as string;
    },
    async seedMessages(sessionId, count, content, firstCreatedAt) {
      // One statement: the rows of `SQL.seedMessage` in a loop, a hundred times faster over this client.
      if (count > 0) {
        await client.execute({
          sql: SQL.seedMessageSeries,
          args: [count, sessionId, content, firstCreatedAt],
        });
      }
    },
    seedSessions(count, firstStartedAt) {
      return bulk(count, (i) => ({
        sql: SQL.seedSession,
        args: ['bench-agent', 'anthropic', 'claude-sonnet-4-5', `seeded session ${i}`, firstStartedAt + i],
      }));
    },
    messageKeyAt(sessionId, offset) {
      return keyAt(SQL.messageKeyAt, [sessionId, offset]);
    },
    sessionKeyAt(offset) {
      return keyAt(SQL.sessionKeyAt, [offset]);
    },
    async seedRun(run) {
      const tx = await client.transaction('write');
      try {
        const rs = await tx.execute({ sql: SQL.insertSession, args: sessionParams(run.agentName) });
        const id = rs.rows[0]?.id as string;
        await tx.batch([
          { sql: SQL.seedMessageSeries, args: [run.count, id, run.content, run.firstCreatedAt] },
          { sql: SQL.seedToolCalls, args: [run.request, run.response, id] },
        ]);
        await tx.commit();
        return id;
      } finally {
        tx.close();
      }
    },
    async createMessage(sessionId, role, content) {
      const rs = await client.execute({
        sql: SQL.insertMessage,
        args: [role, content, Math.floor(Date.now() / 1000), null, sessionId],
      });
      return rs.rows[0]?.id as string;
    },
    async getMessages(sessionId) {
      const rs = await client.execute({ sql: SQL.selectMessages, args: [sessionId] });
      return rs.rows.map(message);
    },
    async createToolCall(t: RawToolCallInput) {
      const rs = await client.execute({
        sql: SQL.insertToolCall,
        args: [
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
          t.messageId,
          t.messageId,
        ],
      });
      return rs.rows[0]?.id as string;
    },
    async completeToolCall(id: string, c: RawToolCallCompletion) {
      await client.execute({
        sql: SQL.completeToolCall,
        args: ['completed', JSON.stringify(c.response), c.executionTimeMs, c.completedAt, id],
      });
    },
    async getMessagesPage(sessionId, after, limit) {
      const rs = await client.execute({
        sql: SQL.messagesPageAfter,
        args: [sessionId, after.key, after.id, limit + 1],
      });
      return rawPage(rs.rows.map(message), limit, (m) => ({ key: m.createdAt, id: m.id }));
    },
    async listSessions(before, limit) {
      const rs = await client.execute(
        before === null
          ? { sql: SQL.listSessions, args: [limit + 1] }
          : { sql: SQL.listSessionsBefore, args: [before.key, before.id, limit + 1] },
      );
      return rawPage(rs.rows.map(session), limit, (s) => ({ key: s.startedAt, id: s.id }));
    },
    async getLatestMessages(sessionId, limit) {
      const rs = await client.execute({ sql: SQL.messagesPageLast, args: [sessionId, limit + 1] });
      return rawLatestPage(rs.rows.map(message), limit, (m) => ({ key: m.createdAt, id: m.id }));
    },
    async deleteSession(id) {
      const rs = await client.execute({ sql: SQL.deleteSession, args: [id] });
      return rs.rowsAffected > 0;
    },
    async close() {
      client.close();
    },
  };
}
