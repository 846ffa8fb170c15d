import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { SqliteAgentStorage } from '../src/adapters/better-sqlite3.js';
import { checksumOf, loadMigrations, type MigrationFile, migrateUp } from '../src/core/migrator.js';
import { createStorage } from '../src/create-storage.js';
import { sqliteDialect } from '../src/dialects/sqlite.js';

const dir = mkdtempSync(join(tmpdir(), 'agent-storage-migrations-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const freshPath = () => join(dir, `db-${++n}.db`);

async function schema(store: SqliteAgentStorage): Promise<string[]> {
  const rows = await store.executor.all<{ sql: string }>(
    "SELECT sql FROM sqlite_master WHERE sql IS NOT NULL AND name NOT LIKE 'sqlite_%' ORDER BY name",
    [],
  );
  return rows.map((r) => r.sql);
}

async function logRows(store: SqliteAgentStorage) {
  return store.executor.all<{ name: string; checksum: string }>(
    'SELECT name, checksum FROM agent_storage_migrations ORDER BY name',
    [],
  );
}

const names = loadMigrations('sqlite').map((m) => m.name);

describe('SQLite migrations', () => {
  it('apply nocodo V1-V5 once, recording each file with its checksum', async () => {
    const store = new SqliteAgentStorage(freshPath());
    expect(await store.migrate()).toEqual(names);
    expect(await store.migrate()).toEqual([]);
    expect(await store.migrationStatus()).toEqual({ applied: names, pending: [] });
    expect((await logRows(store)).map((r) => r.checksum)).toEqual(
      loadMigrations('sqlite').map((m) => m.checksum),
    );
    const tables = await store.executor.all<{ name: string }>(
      "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
      [],
    );
    expect(tables.map((t) => t.name)).toEqual([
      'agent_messages',
      'agent_sessions',
      'agent_storage_migrations',
      'agent_tool_calls',
      'project_requirements_qna',
      'project_settings',
    ]);
    const fks = await store.executor.all<{ table: string; on_delete: string }>(
      'SELECT "table", on_delete FROM pragma_foreign_key_list(\'agent_tool_calls\') ORDER BY "table"',
      [],
    );
    expect(fks).toEqual([
      { table: 'agent_messages', on_delete: 'SET NULL' },
      { table: 'agent_sessions', on_delete: 'CASCADE' },
    ]);
    await store.close();
  });

  it('a new store runs no DDL until migrate() is called', async () => {
    const store = new SqliteAgentStorage(freshPath());
    expect(await schema(store)).toEqual([]);
    await store.close();
  });

  it('migrate: false refuses a database with pending migrations and writes nothing', async () => {
    const path = freshPath();
    await expect(createStorage({ url: `sqlite:${path}`, migrate: false })).rejects.toMatchObject({
      code: 'MIGRATION',
      message: expect.stringContaining('pending'),
    });
    const store = new SqliteAgentStorage(path);
    expect(await schema(store)).toEqual([]);
    await store.close();
    await (await createStorage(`sqlite:${path}`)).close();
    await (await createStorage({ url: `sqlite:${path}`, migrate: false })).close();
  });

  it('refuses an applied migration whose file changed, naming the file; line endings do not count', async () => {
    const store = new SqliteAgentStorage(freshPath());
    await store.migrate();
    const files = loadMigrations('sqlite');
    const crlf = files.map((f) => ({ ...f, checksum: checksumOf(f.up.replace(/\n/g, '\r\n')) }));
    expect(
      await migrateUp({
        adapter: 'sqlite',
        executor: store.executor,
        dialect: sqliteDialect,
        migrations: crlf,
      }),
    ).toEqual([]);
    const edited: MigrationFile[] = files.map((f, i) =>
      i === 1 ? { ...f, up: `${f.up}\n-- edited`, checksum: checksumOf(`${f.up}\n-- edited`) } : f,
    );
    await expect(
      migrateUp({ adapter: 'sqlite', executor: store.executor, dialect: sqliteDialect, migrations: edited }),
    ).rejects.toMatchObject({
      code: 'MIGRATION',
      message: expect.stringContaining('migrations/sqlite/0002_create_agent_messages.up.sql changed'),
    });
    await store.close();
  });

  it('refuses a database written by a newer release before writing anything', async () => {
    const path = freshPath();
    const store = new SqliteAgentStorage(path);
    await store.migrate();
    await store.executor.run(
      'INSERT INTO agent_storage_migrations (name, checksum, applied_at) VALUES (?, ?, ?)',
      ['0099_from_the_future', 'x', 1],
    );
    const before = [await schema(store), await logRows(store)];
    await expect(createStorage(`sqlite:${path}`)).rejects.toMatchObject({
      code: 'MIGRATION',
      message: expect.stringContaining('newer release'),
    });
    await expect(store.migrationStatus()).rejects.toMatchObject({ code: 'MIGRATION' });
    expect([await schema(store), await logRows(store)]).toEqual(before);
    await store.close();
  });

  it('down then up leaves the same schema', async () => {
    const store = new SqliteAgentStorage(freshPath());
    await store.migrate();
    const before = await schema(store);
    expect(await store.migrateDown()).toEqual([...names].reverse());
    expect((await schema(store)).filter((s) => !s.includes('agent_storage_migrations'))).toEqual([]);
    expect(await store.migrationStatus()).toEqual({ applied: [], pending: names });
    await store.migrate();
    expect(await schema(store)).toEqual(before);
    await store.close();
  });

  it('a failing migration leaves nothing behind: neither earlier files of the run nor log rows', async () => {
    const store = new SqliteAgentStorage(freshPath());
    const files = loadMigrations('sqlite').slice(0, 2);
    const broken = [
      ...files,
      {
        name: '0003_broken',
        up: 'CREATE TABLE x (id INTEGER); SELECT no_such_function();',
        down: null,
        checksum: 'b',
      },
    ];
    await expect(
      migrateUp({ adapter: 'sqlite', executor: store.executor, dialect: sqliteDialect, migrations: broken }),
    ).rejects.toMatchObject({
      code: 'MIGRATION',
    });
    expect(await schema(store)).toEqual([]);
    await store.close();
  });

  it('several processes migrating one fresh file at once apply each migration exactly once', async () => {
    const path = freshPath();
    const run = promisify(execFile);
    const child = join(import.meta.dirname, 'helpers', 'migrate-child.ts');
    await Promise.all(
      Array.from({ length: 4 }, () =>
        run(process.execPath, ['--import', 'tsx', child, `sqlite:${path}`], { timeout: 60_000 }),
      ),
    );
    const store = new SqliteAgentStorage(path);
    expect((await logRows(store)).map((r) => r.name)).toEqual(names);
    expect(await store.migrationStatus()).toEqual({ applied: names, pending: [] });
    await store.close();
  });
});
