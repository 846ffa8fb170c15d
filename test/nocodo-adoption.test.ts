import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { createStorage } from '../src/create-storage.js';
import { loadMigrations } from '../src/sql/migrator.js';
import { NOCODO_MIGRATIONS, Nocodo, REFINERY_CHECKSUMS } from './helpers/nocodo.js';

// Databases that nocodo created: adopted (migrations recorded as applied, never
// re-run, no row rewritten) or, when they are only partly there, refused with the reason.
const dir = mkdtempSync(join(tmpdir(), 'agent-storage-nocodo-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
// nocodo's own V1-V5, as refinery runs them (test/fixtures/nocodo/).
const NOCODO_DDL = NOCODO_MIGRATIONS.map((m) => m.sql).join('');
const TABLES = [
  'agent_sessions',
  'agent_messages',
  'agent_tool_calls',
  'project_requirements_qna',
  'project_settings',
];
let n = 0;

/** A database as nocodo-agents leaves it: its DDL, refinery's history, rows written its way. */
function nocodoDatabase(options: { history?: number[]; ddl?: string; rows?: boolean } = {}): string {
  const path = join(dir, `nocodo-${++n}.db`);
  const db = new Database(path);
  db.exec(options.ddl ?? NOCODO_DDL);
  if (options.history) {
    db.exec(
      'CREATE TABLE refinery_schema_history (version INTEGER PRIMARY KEY, name VARCHAR(255), applied_on VARCHAR(255), checksum VARCHAR(255))',
    );
    for (const v of options.history) {
      // As refinery records them: the migration's name and its checksum.
      db.prepare('INSERT INTO refinery_schema_history VALUES (?, ?, ?, ?)').run(
        v,
        NOCODO_MIGRATIONS[v - 1]?.name,
        '2026-02-03T10:00:00+00:00',
        REFINERY_CHECKSUMS[v],
      );
    }
  }
  if (options.rows !== false) {
    const insertSession = db.prepare(
      'INSERT INTO agent_sessions (agent_name, provider, model, system_prompt, user_prompt, config, started_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
    );
    insertSession.run('sqlite', 'zai', 'glm-4.6', null, 'List all tables', 'null', 1770112800); // nocodo writes 'null' for no config
    insertSession.run(
      'codebase',
      'anthropic',
      'claude',
      'sys',
      'Explain',
      '{"max_iterations":10,"a":1}',
      1770112801,
    );
    db.exec(
      "INSERT INTO agent_sessions (agent_name, provider, model, user_prompt, config, started_at) VALUES ('x', 'p', 'm', 'u', NULL, 1770112802)",
    );
    db.exec(
      "UPDATE agent_sessions SET status = 'completed', ended_at = 1770112900, result = 'users, orders' WHERE id = 1",
    );
    const insertMessage = db.prepare(
      'INSERT INTO agent_messages (session_id, role, content, created_at) VALUES (?, ?, ?, ?)',
    );
    insertMessage.run(1, 'user', 'List all tables', 1770112800);
    insertMessage.run(1, 'assistant', '', 1770112800);
    insertMessage.run(1, 'tool', '{"tables":["users","orders"]}', 1770112800);
    const insertCall = db.prepare(
      'INSERT INTO agent_tool_calls (session_id, message_id, tool_call_id, tool_name, request, created_at) VALUES (?, ?, ?, ?, ?, ?)',
    );
    insertCall.run(1, 2, 'call_1', 'sqlite_query', '{"query":"SELECT name FROM sqlite_master"}', 1770112800);
    insertCall.run(1, null, 'call_2', 'list_files', '{"pattern":"**/*.rs"}', 1770112800);
    db.exec(`UPDATE agent_tool_calls SET status = 'completed', response = '{"rows":[["users"],["orders"]]}',
      completed_at = 1770112801, execution_time_ms = 12 WHERE id = 1`);
    if (!options.ddl) {
      db.exec(`INSERT INTO project_requirements_qna (session_id, tool_call_id, question_id, question, created_at)
        VALUES (1, 1, 'q1', 'Which database?', 1770112800)`);
      db.exec(`INSERT INTO project_settings (session_id, setting_key, setting_name, setting_value, created_at)
        VALUES (1, 'db_path', 'Database path', '/tmp/x.db', 1770112800)`);
    }
  }
  db.close();
  return path;
}

function dump(path: string, tables = TABLES): unknown {
  const db = new Database(path, { readonly: true });
  try {
    const exists = (t: string) =>
      db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").get(t);
    // client_key is the column migration 0006 adds (NULL for every nocodo row): not part of what nocodo wrote.
    const rows = (t: string) =>
      (db.prepare(`SELECT * FROM ${t} ORDER BY id`).all() as Record<string, unknown>[]).map(
        ({ client_key: _, ...row }) => row,
      );
    return Object.fromEntries(tables.filter(exists).map((t) => [t, rows(t)]));
  } finally {
    db.close();
  }
}

const names = loadMigrations('sqlite').map((m) => m.name);

for (const scheme of ['sqlite', 'libsql'] as const) {
  describe(`adopting nocodo-agents databases (${scheme})`, () => {
    for (const history of [[1, 2, 3, 4, 5], undefined]) {
      it(`adopts V1-V5 ${history ? 'with' : 'without'} refinery_schema_history: recorded, not re-run, every row readable, nothing rewritten`, async () => {
        const path = nocodoDatabase(history ? { history } : {});
        const before = dump(path);
        const store = await createStorage(`${scheme}:${path}`);
        expect(dump(path)).toEqual(before);
        const status = await (store as unknown as { migrationStatus(): Promise<unknown> }).migrationStatus();
        expect(status).toEqual({ applied: names, pending: [] });

        expect(await store.getSession('1')).toEqual({
          id: '1',
          agentName: 'sqlite',
          provider: 'zai',
          model: 'glm-4.6',
          systemPrompt: null,
          userPrompt: 'List all tables',
          config: null,
          status: 'completed',
          startedAt: 1770112800,
          endedAt: 1770112900,
          result: 'users, orders',
          error: null,
        });
        expect((await store.getSession('2'))?.config).toEqual({ max_iterations: 10, a: 1 });
        expect((await store.getSession('3'))?.config).toBeNull();
        expect((await store.getMessages('1')).map((m) => [m.id, m.role, m.content])).toEqual([
          ['1', 'user', 'List all tables'],
          ['2', 'assistant', ''],
          ['3', 'tool', '{"tables":["users","orders"]}'],
        ]);
        expect(await store.getToolCalls('1')).toEqual([
          {
            id: '1',
            sessionId: '1',
            messageId: '2',
            toolCallId: 'call_1',
            toolName: 'sqlite_query',
            request: { query: 'SELECT name FROM sqlite_master' },
            response: { rows: [['users'], ['orders']] },
            status: 'completed',
            executionTimeMs: 12,
            createdAt: 1770112800,
            completedAt: 1770112801,
            errorDetails: null,
            clientKey: null,
          },
          {
            id: '2',
            sessionId: '1',
            messageId: null,
            toolCallId: 'call_2',
            toolName: 'list_files',
            request: { pattern: '**/*.rs' },
            response: null,
            status: 'pending',
            executionTimeMs: null,
            createdAt: 1770112800,
            completedAt: null,
            errorDetails: null,
            clientKey: null,
          },
        ]);
        expect((await store.getPendingToolCalls('1')).map((c) => c.id)).toEqual(['2']);
        // New writes continue the same tables and ids.
        expect(
          await store.createMessage({
            sessionId: '1',
            role: 'user',
            content: 'thanks',
            createdAt: 1770112999,
          }),
        ).toBe('4');
        await store.close();
        const reopened = await createStorage(`${scheme}:${path}`);
        expect((await reopened.getMessages('1')).length).toBe(4);
        await reopened.close();
      });
    }

    it('adopts an older nocodo database (V1-V3) and applies the rest', async () => {
      const ddl = NOCODO_DDL.slice(0, NOCODO_DDL.indexOf('CREATE TABLE project_requirements_qna'));
      const path = nocodoDatabase({ history: [1, 2, 3], ddl });
      const before = dump(path, TABLES.slice(0, 3));
      const store = await createStorage(`${scheme}:${path}`);
      expect(dump(path, TABLES.slice(0, 3))).toEqual(before);
      expect(await (store as unknown as { migrationStatus(): Promise<unknown> }).migrationStatus()).toEqual({
        applied: names,
        pending: [],
      });
      expect(dump(path, TABLES.slice(3))).toEqual({ project_requirements_qna: [], project_settings: [] });
      await store.close();
    });

    it("adopts a database holding nocodo's repeated tool-call ids, question ids and setting keys, and nocodo keeps writing them", async () => {
      const path = nocodoDatabase({ history: [1, 2, 3, 4, 5] });
      const db = new Database(path);
      db.exec(`INSERT INTO agent_tool_calls (session_id, tool_call_id, tool_name, request, created_at)
        VALUES (1, 'call_1', 'retry', '{}', 1770112802), (1, 'call_1', 'retry', '{}', 1770112803);
        INSERT INTO project_requirements_qna (session_id, question_id, question, created_at)
        VALUES (1, 'q1', 'Which database, again?', 1770112803);
        INSERT INTO project_settings (session_id, setting_key, setting_name, created_at)
        VALUES (1, 'db_path', 'Database path, again', 1770112803);`);
      db.close();
      const before = dump(path);
      const store = await createStorage(`${scheme}:${path}`);
      expect(dump(path)).toEqual(before);
      expect((await store.getToolCalls('1')).filter((c) => c.toolCallId === 'call_1')).toHaveLength(3);
      // nocodo's own writes after adoption: the same ids again, without error.
      const again = new Database(path);
      const nocodo = new Nocodo(again);
      nocodo.createToolCall({
        sessionId: 1,
        messageId: null,
        toolCallId: 'call_1',
        toolName: 'retry',
        request: {},
      });
      nocodo.createQuestion(1, { toolCallId: null, questionId: 'q1', question: 'Once more?' });
      nocodo.createSetting(1, { toolCallId: null, settingKey: 'db_path', settingName: 'Once more' });
      again.close();
      expect((await store.getQuestions('1')).filter((q) => q.questionId === 'q1')).toHaveLength(3);
      expect((await store.getSettings('1')).filter((x) => x.settingKey === 'db_path')).toHaveLength(3);
      await store.close();
    });

    const refusals: [string, () => string, RegExp][] = [
      [
        'a table missing between existing ones',
        () =>
          nocodoDatabase({
            rows: false,
            ddl: NOCODO_DDL.replace(/CREATE TABLE agent_messages[\s\S]*?\);\s*CREATE INDEX[^;]*;/, ''),
          }),
        /table agent_messages is missing while agent_tool_calls, project_requirements_qna, project_settings exist/,
      ],
      [
        'a table without a column the contract reads',
        () => nocodoDatabase({ rows: false, ddl: NOCODO_DDL.replace('    config TEXT,\n', '') }),
        /table agent_sessions lacks column\(s\) config/,
      ],
      [
        'a history that lists a migration whose table is gone',
        () =>
          nocodoDatabase({
            rows: false,
            history: [1, 2, 3, 4],
            ddl: NOCODO_DDL.slice(0, NOCODO_DDL.indexOf('CREATE TABLE project_requirements_qna')),
          }),
        /history lists V4, but table project_requirements_qna does not exist/,
      ],
    ];
    for (const [what, make, message] of refusals) {
      it(`refuses ${what} with MIGRATION, writing nothing`, async () => {
        const path = make();
        const db = new Database(path);
        const schemaBefore = db.prepare('SELECT name, sql FROM sqlite_master ORDER BY name').all();
        db.close();
        await expect(createStorage(`${scheme}:${path}`)).rejects.toMatchObject({
          code: 'MIGRATION',
          message: expect.stringMatching(message),
        });
        const after = new Database(path);
        expect(after.prepare('SELECT name, sql FROM sqlite_master ORDER BY name').all()).toEqual(
          schemaBefore,
        );
        after.close();
      });
    }
  });
}
