import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { createStorage } from '../src/create-storage.js';
import { openStore } from '../src/registry.js';
import { checksumOf, loadMigrations, type MigrationFile, migrateUp } from '../src/sql/migrator.js';
import type { SqlAgentStorage } from '../src/sql/sql-storage.js';
import { expectRowsInSeconds, millisecondRows } from './helpers/millisecond-rows.js';
import { dropSchemas, postgresUrl } from './helpers/postgres.js';

// The same deployment scenarios on every SQL adapter: what differs is only how to make a
// fresh database and how to read its schema back.
interface Setup {
  name: string;
  dialect: 'sqlite' | 'postgres';
  freshUrl(): string;
  /** Every table, column, index and constraint, as comparable text. */
  schema(store: SqlAgentStorage): Promise<string[]>;
  log: string;
}

const dir = mkdtempSync(join(tmpdir(), 'agent-storage-migrations-'));
const pgSchemas: string[] = [];
const pgUrl = await postgresUrl();
afterAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  await dropSchemas(pgUrl, pgSchemas);
});
let n = 0;

const sqliteSchema = async (store: SqlAgentStorage) =>
  (
    await store.executor.all<{ sql: string }>(
      "SELECT sql FROM sqlite_master WHERE sql IS NOT NULL AND name NOT LIKE 'sqlite_%' AND name <> 'agent_storage_migrations' ORDER BY name",
      [],
    )
  ).map((r) => r.sql);

const setups: Setup[] = [
  {
    name: 'sqlite',
    dialect: 'sqlite',
    freshUrl: () => `sqlite:${join(dir, `s-${++n}.db`)}`,
    schema: sqliteSchema,
    log: 'agent_storage_migrations',
  },
  {
    name: 'libsql',
    dialect: 'sqlite',
    freshUrl: () => `libsql:${join(dir, `l-${++n}.db`)}`,
    schema: sqliteSchema,
    log: 'agent_storage_migrations',
  },
];
if (pgUrl) {
  const prefix = `agent_storage_mig_${process.pid}`;
  let current = '';
  setups.push({
    name: 'postgres',
    dialect: 'postgres',
    freshUrl: () => {
      current = `${prefix}_${++n}`;
      pgSchemas.push(current);
      const url = new URL(pgUrl);
      url.searchParams.set('schema', current);
      return url.toString();
    },
    async schema(store) {
      const schema = (
        store.dialect.syntax.table('agent_sessions').match(/^"([^"]+)"/) as RegExpMatchArray
      )[1];
      const rows = await store.executor.all<{ d: string }>(
        `SELECT table_name || '.' || column_name || ' ' || data_type || ' ' || is_nullable || ' ' || coalesce(column_default, '') AS d
           FROM information_schema.columns WHERE table_schema = $1 AND table_name <> 'agent_storage_migrations'
         UNION ALL SELECT indexdef FROM pg_indexes WHERE schemaname = $1 AND tablename <> 'agent_storage_migrations'
         UNION ALL SELECT conrelid::regclass::text || ' ' || pg_get_constraintdef(oid) FROM pg_constraint
           WHERE connamespace = (SELECT oid FROM pg_namespace WHERE nspname = $1) AND conrelid::regclass::text NOT LIKE '%agent_storage_migrations'
         ORDER BY 1`,
        [schema as string],
      );
      return rows.map((r) => r.d);
    },
    log: 'agent_storage_migrations',
  });
} else {
  describe.skip('postgres migrations: NO SERVER ANSWERED, NOT RUN', () => {
    it('runs every migration scenario against Postgres');
  });
}

async function open(url: string): Promise<SqlAgentStorage> {
  return (await openStore(url)) as SqlAgentStorage;
}

const run = promisify(execFile);

for (const setup of setups) {
  const names = loadMigrations(setup.dialect).map((m) => m.name);
  const logRows = async (store: SqlAgentStorage) =>
    store.executor.all<{ name: string; checksum: string }>(store.dialect.migrationSql.selectLog, []);

  describe(`migrations on ${setup.name}`, () => {
    it('apply every file once, recording it with its checksum', async () => {
      const store = await open(setup.freshUrl());
      expect(await store.migrate()).toEqual(names);
      expect(await store.migrate()).toEqual([]);
      expect(await store.migrationStatus()).toEqual({ applied: names, pending: [] });
      expect((await logRows(store)).map((r) => [r.name, r.checksum])).toEqual(
        loadMigrations(setup.dialect).map((m) => [m.name, m.checksum]),
      );
      expect((await setup.schema(store)).join('\n')).toMatch(/agent_tool_calls/);
      await store.close();
    });

    it('a store runs no DDL until migrate() is called, and migrate: false refuses without writing', async () => {
      const url = setup.freshUrl();
      await expect(createStorage({ url, migrate: false })).rejects.toMatchObject({
        code: 'MIGRATION',
        message: expect.stringContaining('pending'),
      });
      const store = await open(url);
      expect(await setup.schema(store)).toEqual([]);
      expect(await store.migrationStatus()).toEqual({ applied: [], pending: names });
      await store.migrate();
      await (await createStorage({ url, migrate: false })).close();
      await store.close();
    });

    it('refuses an applied migration whose file changed, naming the file; line endings do not count', async () => {
      const store = await open(setup.freshUrl());
      await store.migrate();
      const files = loadMigrations(setup.dialect);
      const config = { adapter: setup.name, executor: store.executor, dialect: store.dialect };
      const crlf = files.map((f) => ({ ...f, checksum: checksumOf(f.up.replace(/\n/g, '\r\n')) }));
      expect(await migrateUp({ ...config, migrations: crlf })).toEqual([]);
      const edited: MigrationFile[] = files.map((f, i) =>
        i === 1 ? { ...f, checksum: checksumOf(`${f.up}\n-- edited`) } : f,
      );
      await expect(migrateUp({ ...config, migrations: edited })).rejects.toMatchObject({
        code: 'MIGRATION',
        message: expect.stringContaining(`migrations/${setup.dialect}/${names[1]}.up.sql changed`),
      });
      await store.close();
    });

    it('refuses a database written by a newer release, before writing anything', async () => {
      const url = setup.freshUrl();
      const store = await open(url);
      await store.migrate();
      await store.executor.run(store.dialect.migrationSql.insertLog, ['9999_from_a_newer_release', 'x', 1]);
      const before = [await setup.schema(store), await logRows(store)];
      await expect(createStorage(url)).rejects.toMatchObject({
        code: 'MIGRATION',
        message: expect.stringContaining('newer release'),
      });
      await expect(store.migrate()).rejects.toMatchObject({ code: 'MIGRATION' });
      expect([await setup.schema(store), await logRows(store)]).toEqual(before);
      await store.close();
    });

    it('0007 brings millisecond timestamps an earlier release wrote to seconds, and after 0008 a toolCallId may repeat', async () => {
      const store = await open(setup.freshUrl());
      await store.migrateTo(names.find((name) => name.startsWith('0006')));
      // Rows as a release before 0007 wrote them, its default clock in milliseconds.
      for (const sql of millisecondRows((name) => store.dialect.syntax.table(name)))
        await store.executor.run(sql, []);
      await store.migrateTo();
      await expectRowsInSeconds(store);
      // 0006's unique index on (session_id, tool_call_id) is gone: nocodo repeats a provider's id.
      await store.createToolCall({ sessionId: '1', toolCallId: 'c', toolName: 't', request: {} });
      expect((await store.getToolCalls('1')).map((c) => c.toolCallId)).toEqual(['c', 'c']);
      await store.close();
    });

    it('down then up leaves the same schema', async () => {
      const store = await open(setup.freshUrl());
      await store.migrate();
      const before = await setup.schema(store);
      expect(await store.migrateDown()).toEqual([...names].reverse());
      expect(await setup.schema(store)).toEqual([]);
      expect(await store.migrationStatus()).toEqual({ applied: [], pending: names });
      await store.migrate();
      expect(await setup.schema(store)).toEqual(before);
      await store.close();
    });

    it('planMigration lists each step with its SQL and changes nothing; migrateTo then takes exactly those steps', async () => {
      const store = await open(setup.freshUrl());
      const files = loadMigrations(setup.dialect);
      await store.migrate();
      const full = await setup.schema(store);
      const mid = names[4] as string;
      const log = await logRows(store);
      const down = await store.planMigration(mid);
      expect(down).toEqual(
        files
          .slice(5)
          .reverse()
          .map((f) => ({ name: f.name, direction: 'down', sql: f.down })),
      );
      expect([await setup.schema(store), await logRows(store)]).toEqual([full, log]);
      expect(await store.migrationStatus()).toEqual({ applied: names, pending: [] });
      expect(await store.migrateTo(mid)).toEqual(down);
      expect(await store.migrationStatus()).toEqual({ applied: names.slice(0, 5), pending: names.slice(5) });
      // Up again, to the end: the same schema as before.
      const up = await store.planMigration();
      expect(up.map((s) => [s.name, s.direction, s.sql])).toEqual(
        files.slice(5).map((f) => [f.name, 'up', f.up]),
      );
      expect(await store.migrateTo()).toEqual(up);
      expect(await setup.schema(store)).toEqual(full);
      // A number names its migration; 0 reverts everything; a target already reached is no step.
      const second = names[1] as string;
      expect((await store.migrateTo(second.slice(0, 4))).map((s) => s.name)).toEqual(
        names.slice(2).reverse(),
      );
      expect(await store.planMigration(second)).toEqual([]);
      expect(await store.migrateTo(second)).toEqual([]);
      expect((await store.migrateTo(0)).map((s) => s.name)).toEqual(names.slice(0, 2).reverse());
      expect(await setup.schema(store)).toEqual([]);
      expect(await store.planMigration(0)).toEqual([]);
      await store.migrateTo();
      expect(await setup.schema(store)).toEqual(full);
      await store.close();
    });

    it('migrateDown(name) reverts down to and including it; an unknown target is INVALID_INPUT and changes nothing', async () => {
      const store = await open(setup.freshUrl());
      await store.migrate();
      const before = await setup.schema(store);
      for (const to of ['0042_no_such_migration', 'create_agent_sessions', '']) {
        for (const call of [
          () => store.planMigration(to),
          () => store.migrateTo(to),
          () => store.migrateDown(to),
        ])
          await expect(call()).rejects.toMatchObject({
            code: 'INVALID_INPUT',
            field: 'to',
            message: expect.stringContaining(names[0] as string),
          });
      }
      expect(await setup.schema(store)).toEqual(before);
      expect(await store.migrateDown(names[6])).toEqual(names.slice(6).reverse());
      expect(await store.migrationStatus()).toEqual({ applied: names.slice(0, 6), pending: names.slice(6) });
      await store.close();
    });

    it('status and plan only read: on a fresh database neither the log table nor anything else is created', async () => {
      const store = await open(setup.freshUrl());
      expect(await store.migrationStatus()).toEqual({ applied: [], pending: names });
      expect((await store.planMigration()).map((s) => [s.name, s.direction])).toEqual(
        names.map((n) => [n, 'up']),
      );
      expect(await store.executor.get(store.dialect.migrationSql.hasLog, [])).toBeUndefined();
      expect(await setup.schema(store)).toEqual([]);
      await store.close();
    });

    it('after close(), every migration method rejects with CLOSED and reaches no database (libsql reopened itself and dropped every table)', async () => {
      const url = setup.freshUrl();
      const store = (await createStorage(url)) as unknown as SqlAgentStorage;
      const sessionId = await store.createSession({
        agentName: 'a',
        provider: 'p',
        model: 'm',
        userPrompt: 'u',
      });
      await store.close();
      for (let round = 0; round < 2; round++)
        for (const [name, call] of [
          ['migrationStatus', () => store.migrationStatus()],
          ['planMigration', () => store.planMigration(0)],
          ['migrateDown', () => store.migrateDown()],
          ['migrateTo', () => store.migrateTo(0)],
          ['migrate', () => store.migrate()],
        ] as const)
          await expect(call(), `${name}, round ${round + 1}`).rejects.toMatchObject({ code: 'CLOSED' });
      const again = await open(url);
      expect(await again.migrationStatus()).toEqual({ applied: names, pending: [] });
      expect((await again.getSession(sessionId))?.userPrompt).toBe('u');
      await again.close();
    });

    it('a store opened read-only reports status and plans, and refuses to migrate or write', async () => {
      const url = setup.freshUrl();
      const writer = await open(url);
      await writer.migrateTo(names[2]);
      const reader = (await openStore(url, {}, { readOnly: true })) as SqlAgentStorage;
      expect(await reader.migrationStatus()).toEqual({ applied: names.slice(0, 3), pending: names.slice(3) });
      expect((await reader.planMigration()).map((s) => s.name)).toEqual(names.slice(3));
      await expect(reader.migrate()).rejects.toMatchObject({ code: 'NOT_SUPPORTED' });
      await expect(reader.migrateTo(0)).rejects.toMatchObject({ code: 'NOT_SUPPORTED' });
      await expect(
        reader.createSession({ agentName: 'a', provider: 'p', model: 'm', userPrompt: 'u' }),
      ).rejects.toMatchObject({ code: 'NOT_SUPPORTED' });
      await reader.close();
      expect(await writer.migrationStatus()).toEqual({ applied: names.slice(0, 3), pending: names.slice(3) });
      await writer.close();
    });

    it('a failing migration leaves nothing behind: neither the earlier files of the run nor log rows', async () => {
      const store = await open(setup.freshUrl());
      const files = loadMigrations(setup.dialect).slice(0, 2);
      const broken = [
        ...files,
        {
          name: '0003_broken',
          up: 'CREATE TABLE x (id INTEGER); SELECT no_such_function();',
          down: null,
          check: null,
          checksum: 'b',
          previousChecksums: [],
        },
      ];
      await expect(
        migrateUp({
          adapter: setup.name,
          executor: store.executor,
          dialect: store.dialect,
          migrations: broken,
        }),
      ).rejects.toMatchObject({ code: 'MIGRATION' });
      expect(await setup.schema(store)).toEqual([]);
      expect(await store.migrationStatus()).toEqual({ applied: [], pending: names });
      await store.close();
    });

    it('four processes migrating one fresh database at once apply each file exactly once and all end ready', async () => {
      const url = setup.freshUrl();
      const child = join(import.meta.dirname, 'helpers', 'migrate-child.ts');
      await Promise.all(
        Array.from({ length: 4 }, () =>
          run(process.execPath, ['--import', 'tsx', child], {
            env: { ...process.env, AGENT_STORAGE_URL: url },
          }),
        ),
      );
      const store = await open(url);
      expect((await logRows(store)).map((r) => r.name)).toEqual(names);
      expect(await store.migrationStatus()).toEqual({ applied: names, pending: [] });
      await store.close();
    });
  });
}

describe('planning on a database nocodo created', () => {
  const nocodoDb = () => {
    const path = join(dir, `nocodo-${++n}.db`);
    const db = new Database(path);
    for (const f of loadMigrations('sqlite').slice(0, 5)) db.exec(f.up);
    db.close();
    return `sqlite:${path}`;
  };
  const names = loadMigrations('sqlite').map((m) => m.name);

  it('lists the adopted migrations as adopted (recorded, not run), then the kit’s own; migrateTo takes those steps', async () => {
    const store = await open(nocodoDb());
    const plan = await store.planMigration();
    expect(plan.map((s) => [s.name, s.direction, s.adopted === true, s.sql === ''])).toEqual(
      names.map((name, i) => [name, 'up', i < 5, i < 5]),
    );
    expect(await store.migrationStatus()).toEqual({ applied: [], pending: names });
    expect(await store.migrateTo()).toEqual(plan);
    expect(await store.migrationStatus()).toEqual({ applied: names, pending: [] });
    await store.close();
  });

  it('going to 0 adopts nothing and reverts nothing: the tables nocodo made stay', async () => {
    const store = await open(nocodoDb());
    const before = await sqliteSchema(store);
    expect(before.join('\n')).toMatch(/project_settings/);
    expect(await store.planMigration(0)).toEqual([]);
    expect(await store.migrateTo(0)).toEqual([]);
    expect(await sqliteSchema(store)).toEqual(before);
    await store.close();
  });
});
