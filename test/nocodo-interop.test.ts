import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import type { AgentStorage } from '../src/contract/storage.js';
import { createStorage } from '../src/create-storage.js';
import { checksumOf, loadMigrations } from '../src/sql/migrator.js';
import { refineryAppliedOn, refineryChecksum } from '../src/sql/refinery-history.js';
import { expectRowsInSeconds, millisecondRows } from './helpers/millisecond-rows.js';
import { NOCODO_MIGRATIONS, Nocodo, nocodoNow, REFINERY_CHECKSUMS, refineryRun } from './helpers/nocodo.js';

// nocodo's Rust code and the kit share one SQLite file, both ways: what the kit creates,
// refinery (run as nocodo-api runs it at start-up) accepts with nothing to do; nocodo's
// statements write and read it as they do a nocodo-created database; the kit adopts
// nocodo's databases, and nocodo accepts them afterwards.
const dir = mkdtempSync(join(tmpdir(), 'agent-storage-nocodo-interop-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const fresh = () => join(dir, `db-${++n}.db`);

/** A database as nocodo-api leaves it on first start: refinery's run over an empty file. */
function nocodoCreated(migrations = NOCODO_MIGRATIONS): string {
  const path = fresh();
  const db = new Database(path);
  db.pragma('foreign_keys = ON');
  refineryRun(db, migrations);
  db.close();
  return path;
}

function withDb<T>(path: string, fn: (db: Database.Database) => T): T {
  const db = new Database(path);
  try {
    return fn(db);
  } finally {
    db.close();
  }
}

/**
 * One agent run as nocodo's code records it, with nocodo's statements only: a session, its
 * messages and tool calls (a provider id repeated across turns), an ask-user round asked twice,
 * settings. Returns what nocodo reads back, ids included.
 */
function nocodoRun(nocodo: Nocodo, at: number) {
  const s = nocodo.createSession({
    agentName: 'sqlite-reader',
    provider: 'zai',
    model: 'glm-4.6',
    userPrompt: 'List all tables',
    config: { max_iterations: 10, db: '/tmp/app.db' },
    startedAt: at,
  });
  const m1 = nocodo.createMessage(s, 'user', 'List all tables', at);
  const m2 = nocodo.createMessage(s, 'assistant', '', at);
  const c1 = nocodo.createToolCall({
    sessionId: s,
    messageId: m2,
    toolCallId: 'call_0',
    toolName: 'sqlite_query',
    request: { query: 'SELECT 1' },
    createdAt: at,
  });
  nocodo.updateToolCall(c1, {
    status: 'completed',
    response: { rows: [[1]] },
    executionTimeMs: 4,
    completedAt: at + 1,
    errorDetails: null,
  });
  const m3 = nocodo.createMessage(s, 'assistant', 'And the views?', at + 1);
  // The provider reuses `call_0` in the next turn: nocodo stores both.
  nocodo.createToolCall({
    sessionId: s,
    messageId: m3,
    toolCallId: 'call_0',
    toolName: 'sqlite_query',
    request: { query: 'SELECT 2' },
    createdAt: at + 1,
  });
  nocodo.createQuestion(s, { toolCallId: c1, questionId: 'q1', question: 'Which database?', createdAt: at });
  nocodo.answerQuestion(s, 'q1', 'SQLite', at + 2);
  nocodo.createQuestion(s, {
    toolCallId: null,
    questionId: 'q1',
    question: 'Which version?',
    createdAt: at + 3,
  });
  nocodo.createSetting(s, {
    toolCallId: null,
    settingKey: 'db_path',
    settingName: 'Database path',
    createdAt: at,
  });
  nocodo.createSetting(s, {
    toolCallId: null,
    settingKey: 'db_path',
    settingName: 'Database path (again)',
    createdAt: at + 3,
  });
  nocodo.updateSession(s, { status: 'waiting_for_user_input', endedAt: null, result: null, error: null });
  void m1;
  return {
    session: nocodo.getSession(s),
    messages: nocodo.getMessages(s),
    toolCalls: nocodo.getToolCalls(s),
    pendingCalls: nocodo.getPendingToolCalls(s),
    pendingQuestions: nocodo.pendingQuestions(s),
    answered: nocodo.answeredQuestions(s),
    settings: nocodo.getSettings(s),
    list: nocodo.listSessions(),
  };
}

describe('nocodo and the kit on one SQLite database', () => {
  it("the kit's SQLite migrations 0001-0005 are nocodo's V1-V5 byte for byte, and its refinery checksums are Rust's", () => {
    const ours = loadMigrations('sqlite').slice(0, 5);
    for (const [i, m] of NOCODO_MIGRATIONS.entries()) {
      const file = ours[i] as { name: string; up: string };
      expect(file.name).toBe(`000${m.version}_${m.name}`);
      expect(file.up).toBe(m.sql);
      expect(refineryChecksum(m.name, m.version, m.sql)).toBe(REFINERY_CHECKSUMS[m.version]);
    }
    // SipHash-1-3 on a vector Rust's std computes the same way (name "create_agent_sessions", version 1).
    expect(refineryChecksum('create_agent_sessions', 1, 'CREATE TABLE x (id INTEGER);')).toBe(
      '8586155247926466685',
    );
    expect(refineryAppliedOn(new Date('2026-11-28T10:00:00.000Z'))).toBe('2026-11-28T10:00:00Z');
    expect(refineryAppliedOn(new Date('2026-11-28T10:00:00.120Z'))).toBe('2026-11-28T10:00:00.12Z');
  });

  it('a database created by createStorage is accepted by refinery as nocodo-api runs it: V1-V5, matching checksums, nothing to do', async () => {
    const path = fresh();
    await (await createStorage(`sqlite:${path}`)).close();
    withDb(path, (db) => {
      expect(
        db.prepare('SELECT version, name, checksum FROM refinery_schema_history ORDER BY version').all(),
      ).toEqual(
        NOCODO_MIGRATIONS.map((m) => ({
          version: m.version,
          name: m.name,
          checksum: REFINERY_CHECKSUMS[m.version],
        })),
      );
      expect(refineryRun(db)).toEqual([]);
    });
    // Opening it again changes nothing in refinery's table; the kit's own later migrations are not there.
    await (await createStorage(`sqlite:${path}`)).close();
    withDb(path, (db) => {
      expect(
        db.prepare('SELECT MAX(version) AS v, COUNT(*) AS n FROM refinery_schema_history').get(),
      ).toEqual({ v: 5, n: 5 });
    });
  });

  it("nocodo's statements write and read a kit-created database with the same results as a nocodo-created one", async () => {
    const kitPath = fresh();
    await (await createStorage(`sqlite:${kitPath}`)).close();
    const nocodoPath = nocodoCreated();
    const at = nocodoNow();
    const onKit = withDb(kitPath, (db) => nocodoRun(new Nocodo(db), at));
    const onNocodo = withDb(nocodoPath, (db) => nocodoRun(new Nocodo(db), at));
    expect(onKit).toEqual(onNocodo);
    expect(onKit.toolCalls.map((c) => (c as Record<string, unknown>).tool_call_id)).toEqual([
      'call_0',
      'call_0',
    ]);
    expect(onKit.pendingQuestions.map((q) => q.question_id)).toEqual(['q1']);
    expect(onKit.settings).toHaveLength(2);

    // And the kit reads what nocodo wrote, exactly.
    const store = await createStorage(`sqlite:${kitPath}`);
    const session = await store.getSession('1');
    expect(session).toMatchObject({
      agentName: 'sqlite-reader',
      config: { max_iterations: 10, db: '/tmp/app.db' },
      status: 'waiting_for_user_input',
      startedAt: at,
    });
    expect((await store.getMessages('1')).map((m) => [m.role, m.content, m.createdAt])).toEqual([
      ['user', 'List all tables', at],
      ['assistant', '', at],
      ['assistant', 'And the views?', at + 1],
    ]);
    expect(
      (await store.getToolCalls('1')).map((c) => [c.toolCallId, c.request, c.response, c.clientKey]),
    ).toEqual([
      ['call_0', { query: 'SELECT 1' }, { rows: [[1]] }, null],
      ['call_0', { query: 'SELECT 2' }, null, null],
    ]);
    expect((await store.getQuestions('1')).map((q) => [q.questionId, q.answer])).toEqual([
      ['q1', 'SQLite'],
      ['q1', null],
    ]);
    await store.close();
  });

  it('what the kit writes, nocodo reads with its own statements and strict types, timestamps in seconds', async () => {
    const path = fresh();
    const store = await createStorage(`sqlite:${path}`);
    const before = nocodoNow();
    const s = await store.createSession({
      agentName: 'kit-agent',
      provider: 'anthropic',
      model: 'claude',
      userPrompt: 'hi',
    });
    const m = await store.createMessage({ sessionId: s, role: 'assistant', content: 'calling a tool' });
    const c = await store.createToolCall({
      sessionId: s,
      messageId: m,
      toolCallId: 'toolu_1',
      toolName: 'ls',
      request: { path: '.' },
      clientKey: 'turn-1',
    });
    await store.updateToolCall(c, {
      status: 'completed',
      response: ['a.rs'],
      executionTimeMs: 3,
      completedAt: nocodoNow(),
    });
    await store.createToolCall({ sessionId: s, toolCallId: 'toolu_2', toolName: 'ls', request: {} });
    await store.createQuestions(s, [{ questionId: 'q1', question: 'Which?', toolCallId: c }]);
    await store.createSettings(s, [{ settingKey: 'k', settingName: 'K' }]);
    await store.updateSession(s, { status: 'completed', endedAt: nocodoNow(), result: 'done' });
    await store.close();
    const after = nocodoNow();
    withDb(path, (db) => {
      const nocodo = new Nocodo(db);
      const session = nocodo.getSession(Number(s)) as Record<string, unknown>;
      expect(session).toMatchObject({
        agent_name: 'kit-agent',
        status: 'completed',
        result: 'done',
        config: null,
      });
      expect(session.started_at).toBeGreaterThanOrEqual(before);
      expect(session.started_at).toBeLessThanOrEqual(after);
      const [message] = nocodo.getMessages(Number(s)) as unknown as { created_at: number }[];
      expect(message?.created_at).toBeGreaterThanOrEqual(before);
      expect(message?.created_at).toBeLessThanOrEqual(after);
      expect(
        nocodo
          .getToolCalls(Number(s))
          .map((x) => [
            (x as Record<string, unknown>).tool_call_id,
            x.response,
            (x as Record<string, unknown>).status,
          ]),
      ).toEqual([
        ['toolu_1', ['a.rs'], 'completed'],
        ['toolu_2', null, 'pending'],
      ]);
      expect(
        nocodo.getPendingToolCalls(Number(s)).map((x) => (x as Record<string, unknown>).tool_call_id),
      ).toEqual(['toolu_2']);
      expect(nocodo.pendingQuestions(Number(s)).map((q) => q.question_id)).toEqual(['q1']);
      expect(nocodo.getSettings(Number(s))).toHaveLength(1);
    });
  });

  it('mixed writers order correctly: the same second, insertion order; newest sessions first in nocodo-api', async () => {
    const path = fresh();
    const store = await createStorage(`sqlite:${path}`);
    const s = await store.createSession({ agentName: 'a', provider: 'p', model: 'm', userPrompt: 'u' });
    const db = new Database(path);
    const nocodo = new Nocodo(db);
    const order: string[] = [];
    for (let i = 0; i < 4; i++) {
      await store.createMessage({ sessionId: s, role: 'user', content: `kit ${i}` });
      nocodo.createMessage(Number(s), 'assistant', `nocodo ${i}`);
      order.push(`kit ${i}`, `nocodo ${i}`);
    }
    expect((await store.getMessages(s)).map((m) => m.content)).toEqual(order);
    // nocodo orders by created_at alone; within a second SQLite's index yields insertion order.
    expect(nocodo.getMessages(Number(s)).map((m) => (m as unknown as { content: string }).content)).toEqual(
      order,
    );
    // A session nocodo starts after the kit's is listed before it, by both.
    const later = nocodo.createSession({
      agentName: 'b',
      provider: 'p',
      model: 'm',
      userPrompt: 'u',
      config: null,
      startedAt: nocodoNow() + 1,
    });
    expect(nocodo.listSessions().map((x) => x.id)).toEqual([later, Number(s)]);
    expect((await store.listSessions()).items.map((x) => x.id)).toEqual([String(later), s]);
    db.close();
    await store.close();
  });

  it('a V1-V4 nocodo database adopted by the kit is then accepted by a V1-V5 nocodo', async () => {
    const path = nocodoCreated(NOCODO_MIGRATIONS.slice(0, 4));
    await (await createStorage(`sqlite:${path}`)).close();
    withDb(path, (db) => {
      expect(db.prepare('SELECT version FROM refinery_schema_history ORDER BY version').all()).toEqual(
        [1, 2, 3, 4, 5].map((version) => ({ version })),
      );
      expect(refineryRun(db)).toEqual([]);
    });
  });

  it('a nocodo database without refinery history (created before refinery) is adopted and then accepted by refinery', async () => {
    const path = fresh();
    withDb(path, (db) => {
      for (const m of NOCODO_MIGRATIONS) db.exec(m.sql);
    });
    await (await createStorage(`sqlite:${path}`)).close();
    withDb(path, (db) => expect(refineryRun(db)).toEqual([]));
  });

  it("after adoption, nocodo's repeated tool-call ids, question ids and setting keys write without error; a database holding them is adopted", async () => {
    const path = nocodoCreated();
    withDb(path, (db) => nocodoRun(new Nocodo(db), nocodoNow())); // already holds repeats
    const store = await createStorage(`sqlite:${path}`);
    withDb(path, (db) => {
      const nocodo = new Nocodo(db);
      nocodo.createToolCall({
        sessionId: 1,
        messageId: null,
        toolCallId: 'call_0',
        toolName: 'again',
        request: {},
      });
      nocodo.createQuestion(1, { toolCallId: null, questionId: 'q1', question: 'Third time?' });
      nocodo.createSetting(1, { toolCallId: null, settingKey: 'db_path', settingName: 'Once more' });
      // nocodo's answer UPDATE sets every row with the id, as it always did.
      expect(nocodo.answerQuestion(1, 'q1', 'yes')).toBe(3);
      expect(nocodo.setSettingValue(1, 'db_path', '/data')).toBe(3);
      expect(refineryRun(db)).toEqual([]);
    });
    expect((await store.getToolCalls('1')).filter((c) => c.toolCallId === 'call_0')).toHaveLength(3);
    expect((await store.getQuestions('1')).map((q) => q.answer)).toEqual(['yes', 'yes', 'yes']);
    await store.close();
  });

  it('an earlier kit database (milliseconds, earlier checksums, unique indexes) is brought to seconds and made acceptable to nocodo', async () => {
    const path = fresh();
    const sqliteFiles = loadMigrations('sqlite');
    const oldChecksum = (name: string) =>
      sqliteFiles.find((f) => f.name === name)?.previousChecksums[0] as string;
    withDb(path, (db) => {
      for (const m of NOCODO_MIGRATIONS) db.exec(m.sql);
      // Migration 0006 as releases before 2026-11-28 shipped it.
      db.exec(`ALTER TABLE agent_messages ADD COLUMN client_key TEXT;
        CREATE UNIQUE INDEX idx_agent_messages_client_key ON agent_messages(session_id, client_key) WHERE client_key IS NOT NULL;
        CREATE UNIQUE INDEX idx_agent_tool_calls_call_id ON agent_tool_calls(session_id, tool_call_id);
        CREATE UNIQUE INDEX idx_project_requirements_qna_question ON project_requirements_qna(session_id, question_id);
        CREATE UNIQUE INDEX idx_project_settings_session_key ON project_settings(session_id, setting_key);
        CREATE INDEX idx_agent_tool_calls_session_created ON agent_tool_calls(session_id, created_at);
        CREATE INDEX idx_agent_sessions_started ON agent_sessions(started_at);
        CREATE INDEX idx_agent_sessions_status_started ON agent_sessions(status, started_at);
        CREATE INDEX idx_agent_sessions_agent_started ON agent_sessions(agent_name, started_at);
        CREATE TABLE agent_storage_migrations (name TEXT PRIMARY KEY, checksum TEXT NOT NULL, applied_at INTEGER NOT NULL);`);
      for (const f of sqliteFiles.slice(0, 6)) {
        db.prepare('INSERT INTO agent_storage_migrations VALUES (?, ?, ?)').run(
          f.name,
          oldChecksum(f.name),
          1764000000000,
        );
      }
      // The old default clock: milliseconds.
      for (const sql of millisecondRows()) db.exec(sql);
    });
    const store = await createStorage(`sqlite:${path}`);
    await expectRowsInSeconds(store);
    // The unique indexes nocodo's writes broke are gone; the log holds the current checksums.
    await store.createToolCall({ sessionId: '1', toolCallId: 'c', toolName: 't', request: {} });
    await store.close();
    withDb(path, (db) => {
      const log = db.prepare('SELECT name, checksum FROM agent_storage_migrations ORDER BY name').all() as {
        name: string;
        checksum: string;
      }[];
      expect(log.map((r) => r.name)).toEqual(sqliteFiles.map((f) => f.name));
      for (const r of log)
        expect(r.checksum).toBe(checksumOf(sqliteFiles.find((f) => f.name === r.name)?.up as string));
      expect(refineryRun(db)).toEqual([]);
    });
  });

  it('every contract read of a nocodo database works through libsql too (shared dialect)', async () => {
    const path = nocodoCreated();
    withDb(path, (db) => nocodoRun(new Nocodo(db), nocodoNow()));
    const store: AgentStorage = await createStorage(`libsql:${path}`);
    expect((await store.getToolCalls('1')).length).toBe(2);
    await store.close();
    withDb(path, (db) => expect(refineryRun(db)).toEqual([]));
  });

  it('docs/migrations.md no longer claims what is not so, and says what the kit now does', () => {
    const doc = readFileSync(join(import.meta.dirname, '..', 'docs', 'migrations.md'), 'utf8');
    expect(doc).toMatch(/byte for byte/);
    expect(doc).toMatch(/refinery_schema_history/);
  });
});
