import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { createStorage } from '../src/create-storage.js';
import { openStore } from '../src/registry.js';
import { checksumOf, loadMigrations, type MigrationFile, migrateUp } from '../src/sql/migrator.js';
import type { SqlAgentStorage } from '../src/sql/sql-storage.js';
import { postgresUrl } from './helpers/postgres.js';

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
  if (pgUrl) {
    const client = new pg.Client({ connectionString: pgUrl });
    await client.connect();
    for (const s of pgSchemas) await client.query(`DROP SCHEMA IF EXISTS "${s}" CASCADE`);
    await client.end();
  }
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
          run(process.execPath, ['--import', 'tsx', child, url], { timeout: 60_000 }),
        ),
      );
      const store = await open(url);
      expect((await logRows(store)).map((r) => r.name)).toEqual(names);
      expect(await store.migrationStatus()).toEqual({ applied: names, pending: [] });
      await store.close();
    });
  });
}
