import type Database from 'better-sqlite3';
import { SQLITE_SQL } from './sql.js';
import {
  type RawKey,
  type RawMessage,
  type RawSession,
  type RawStore,
  type RawToolCallCompletion,
  type RawToolCallInput,
  rawLatestPage,
  rawPage,
  SEED_ROLES,
  type SeedRun,
  sessionParams,
} from './types.js';

interface MessageRow {
  id: string;
  session_id: string;
  role: string;
  content: string;
  created_at: number;
  client_key: string | null;
}

interface SessionRow {
  id: string;
  agent_name: string;
  provider: string;
  model: string;
  system_prompt: string | null;
  user_prompt: string;
  config: string | null;
  status: string;
  started_at: number;
  ended_at: number | null;
  result: string | null;
  error: string | null;
}

const message = (r: MessageRow): RawMessage => ({
  id: r.id,
  sessionId: r.session_id,
  role: r.role,
  content: r.content,
  createdAt: r.created_at,
  clientKey: r.client_key,
});

const session = (r: SessionRow): RawSession => ({
  id: r.id,
  agentName: r.agent_name,
  provider: r.provider,
  model: r.model,
  systemPrompt: r.system_prompt,
  userPrompt: r.user_prompt,
  config: r.config === null ? null : JSON.parse(r.config),
  status: r.status,
  startedAt: r.started_at,
  endedAt: r.ended_at,
  result: r.result,
  error: r.error,
});

/**
 * better-sqlite3 used directly: the connection settings the kit's adapter applies (WAL,
 * synchronous=NORMAL, foreign keys, busy timeout), statements prepared once, synchronous calls.
 */
export async function openRawBetterSqlite3(path: string): Promise<RawStore> {
  const { default: Driver } = await import('better-sqlite3');
  const db: Database.Database = new Driver(path);
  db.pragma('busy_timeout = 5000');
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');

  const insertSession = db.prepare(SQLITE_SQL.insertSession);
  const insertMessage = db.prepare(SQLITE_SQL.insertMessage);
  const selectMessages = db.prepare(SQLITE_SQL.selectMessages);
  const insertToolCall = db.prepare(SQLITE_SQL.insertToolCall);
  const completeToolCall = db.prepare(SQLITE_SQL.completeToolCall);
  const messagesPageAfter = db.prepare(SQLITE_SQL.messagesPageAfter);
  const messagesPageLast = db.prepare(SQLITE_SQL.messagesPageLast);
  const deleteSession = db.prepare(SQLITE_SQL.deleteSession);
  const listSessions = db.prepare(SQLITE_SQL.listSessions);
  const listSessionsBefore = db.prepare(SQLITE_SQL.listSessionsBefore);
  const seedMessage = db.prepare(SQLITE_SQL.seedMessage);
  const seedSession = db.prepare(SQLITE_SQL.seedSession);
  const seedToolCalls = db.prepare(SQLITE_SQL.seedToolCalls);

  const seedMessages = db.transaction((sessionId: string, count: number, content: string, first: number) => {
    for (let i = 0; i < count; i++) seedMessage.run(sessionId, SEED_ROLES[i % 4], content, first + i);
  });
  const seedSessions = db.transaction((count: number, first: number) => {
    for (let i = 0; i < count; i++) {
      seedSession.run('bench-agent', 'anthropic', 'claude-sonnet-4-5', `seeded session ${i}`, first + i);
    }
  });
  const seedRun = db.transaction((run: SeedRun): string => {
    const [row] = insertSession.all(...sessionParams(run.agentName)) as { id: string }[];
    const id = (row as { id: string }).id;
    for (let i = 0; i < run.count; i++)
      seedMessage.run(id, SEED_ROLES[i % 4], run.content, run.firstCreatedAt + i);
    seedToolCalls.run(run.request, run.response, id);
    return id;
  });
  const keyAt = (sql: string, ...params: (string | number)[]): RawKey => {
    const row = db.prepare(sql).get(...params) as RawKey | undefined;
    if (row === undefined) throw new Error(`no row at ${params.join(', ')}`);
    return row;
  };

  return {
    async createSession(agentName) {
      // Writes step to completion (.all), as the kit's do: .get() would leave the commit, and
      // the WAL checkpoint it triggers, to the statement's reset and skip both.
      const [row] = insertSession.all(...sessionParams(agentName)) as { id: string }[];
      return (row as { id: string }).id;
    },
    async seedMessages(sessionId, count, content, firstCreatedAt) {
      seedMessages(sessionId, count, content, firstCreatedAt);
    },
    async seedSessions(count, firstStartedAt) {
      seedSessions(count, firstStartedAt);
    },
    async messageKeyAt(sessionId, offset) {
      return keyAt(SQLITE_SQL.messageKeyAt, sessionId, offset);
    },
    async sessionKeyAt(offset) {
      return keyAt(SQLITE_SQL.sessionKeyAt, offset);
    },
    async seedRun(run) {
      return seedRun(run);
    },
    createMessage(sessionId, role, content) {
      return (
        (
          insertMessage.all(role, content, Math.floor(Date.now() / 1000), null, sessionId) as { id: string }[]
        )[0] as {
          id: string;
        }
      ).id;
    },
    getMessages(sessionId) {
      return (selectMessages.all(sessionId) as MessageRow[]).map(message);
    },
    createToolCall(t: RawToolCallInput) {
      const [row] = insertToolCall.all(
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
      ) as { id: string }[];
      return (row as { id: string }).id;
    },
    completeToolCall(id: string, c: RawToolCallCompletion) {
      completeToolCall.run('completed', JSON.stringify(c.response), c.executionTimeMs, c.completedAt, id);
    },
    getMessagesPage(sessionId, after, limit) {
      const rows = messagesPageAfter.all(sessionId, after.key, after.id, limit + 1) as MessageRow[];
      return rawPage(rows.map(message), limit, (m) => ({ key: m.createdAt, id: m.id }));
    },
    listSessions(before, limit) {
      const rows = (
        before === null
          ? listSessions.all(limit + 1)
          : listSessionsBefore.all(before.key, before.id, limit + 1)
      ) as SessionRow[];
      return rawPage(rows.map(session), limit, (s) => ({ key: s.startedAt, id: s.id }));
    },
    getLatestMessages(sessionId, limit) {
      const rows = messagesPageLast.all(sessionId, limit + 1) as MessageRow[];
      return rawLatestPage(rows.map(message), limit, (m) => ({ key: m.createdAt, id: m.id }));
    },
    deleteSession(id) {
      return deleteSession.run(id).changes > 0;
    },
    async close() {
      db.close();
    },
  };
}
