import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AgentStorage } from '../src/contract/storage.js';
import type { SqlAgentStorage } from '../src/core/sql-storage.js';
import { createStorage } from '../src/create-storage.js';
import type { ConformanceTarget, InspectableTable } from './types.js';

/**
 * Conformance targets for the built-in adapters, each on scratch storage it creates and
 * removes itself: the suite never touches a user's database.
 */

/** The module the fault tier's writers open stores with (`createStorage({ url })`), as source or as built. */
const CREATE_STORAGE = fileURLToPath(
  new URL(`../src/create-storage${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`, import.meta.url),
);

/**
 * Writers spawned by the fault tier give up on a held lock after this long: long enough for
 * four writers to queue, short enough for `faults.lock-held` to see the lock.
 */
const WRITER_BUSY_TIMEOUT_MS = 1000;

export function memoryTarget(): ConformanceTarget {
  return {
    name: 'memory',
    create: ({ clock }) => createStorage({ url: 'memory:', clock }),
    inspect: {
      async rowCounts(store) {
        const { memoryTables } = await import('../src/adapters/memory.js');
        const t = memoryTables(store as never);
        return {
          agent_sessions: t.agent_sessions.size,
          agent_messages: t.agent_messages.size,
          agent_tool_calls: t.agent_tool_calls.size,
        };
      },
      async writeRaw(store, table, id, column, value) {
        const { memoryTables } = await import('../src/adapters/memory.js');
        const row = memoryTables(store as never)[table].get(id) as Record<string, unknown> | undefined;
        if (!row) throw new Error(`no ${table} row ${id}`);
        row[column] = value;
      },
    },
  };
}

interface SqlInspectorOptions {
  /** The table's name as SQL should write it (schema-qualified on Postgres). */
  table(name: InspectableTable, store: AgentStorage): string;
  /** `UPDATE <table> SET <column> = <value> WHERE id = <id>` in the dialect's placeholders. */
  update(table: string, column: string): string;
  /** Lets the next raw write break a constraint or a column type, as another program might. */
  loosen(table: string, column: string): string | null;
  /** Undoes `loosen` where the dialect can (SQLite's pragma is per connection). */
  tighten: string | null;
}

/** Row counts and raw writes through a SQL store's executor. */
export function sqlInspector(options: SqlInspectorOptions): NonNullable<ConformanceTarget['inspect']> {
  return {
    async rowCounts(store) {
      const exec = (store as SqlAgentStorage).executor;
      const count = async (table: InspectableTable) =>
        Number(
          (
            await exec.get<{ n: number | string }>(
              `SELECT COUNT(*) AS n FROM ${options.table(table, store)}`,
              [],
            )
          )?.n,
        );
      return {
        agent_sessions: await count('agent_sessions'),
        agent_messages: await count('agent_messages'),
        agent_tool_calls: await count('agent_tool_calls'),
      };
    },
    async writeRaw(store, table, id, column, value) {
      const exec = (store as SqlAgentStorage).executor;
      const name = options.table(table, store);
      const loosen = options.loosen(name, column);
      // One transaction holds one connection: a pooled driver must not loosen one connection and write on another.
      await exec.transaction(async (tx) => {
        if (loosen) await tx.exec(loosen);
        try {
          await tx.run(options.update(name, column), [value, id]);
        } finally {
          if (options.tighten) await tx.exec(options.tighten);
        }
      });
    },
  };
}

/** SQLite's raw writes: one pragma lifts CHECK constraints on the store's connection. */
const sqliteInspector = sqlInspector({
  table: (name) => name,
  update: (table, column) => `UPDATE ${table} SET ${column} = ? WHERE id = ?`,
  loosen: () => 'PRAGMA ignore_check_constraints = ON',
  tighten: 'PRAGMA ignore_check_constraints = OFF',
});

/**
 * A SQLite adapter on files in a fresh temporary folder; `url` turns a file path into the
 * adapter's URL, `lock` takes a file's write lock from another connection (fault tier).
 */
function sqliteFileTarget(
  name: string,
  url: (path: string) => string,
  lock: (path: string) => Promise<() => Promise<void>>,
): ConformanceTarget {
  const dir = mkdtempSync(join(tmpdir(), `agent-storage-${name}-`));
  const paths = new WeakMap<AgentStorage, string>();
  let n = 0;
  const open = async (path: string, clock: () => number) => {
    const store = await createStorage({ url: url(path), clock });
    paths.set(store, path);
    return store;
  };
  return {
    name,
    create: ({ clock }) => open(join(dir, `store-${++n}.db`), clock),
    reopen: (store, { clock }) => open(paths.get(store) as string, clock),
    inspect: sqliteInspector,
    faults: {
      spawn: (store) => ({
        module: CREATE_STORAGE,
        export: 'createStorage',
        options: { url: `${url(paths.get(store) as string)}?busyTimeoutMs=${WRITER_BUSY_TIMEOUT_MS}` },
      }),
      files: (store) => {
        const path = paths.get(store) as string;
        return [path, `${path}-wal`, `${path}-shm`];
      },
      multiProcess: true,
      holdWriteLock: (store) => lock(paths.get(store) as string),
    },
    async teardown() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** better-sqlite3 on files in a fresh temporary folder. */
export function sqliteTarget(): ConformanceTarget {
  return sqliteFileTarget(
    'sqlite',
    (path) => `sqlite:${path}`,
    async (path) => {
      const { default: Database } = await import('better-sqlite3');
      const db = new Database(path, { timeout: 10_000 });
      db.exec('BEGIN IMMEDIATE');
      return async () => {
        db.exec('COMMIT');
        db.close();
      };
    },
  );
}

/** @libsql/client on local files in a fresh temporary folder. */
export function libsqlTarget(): ConformanceTarget {
  return sqliteFileTarget(
    'libsql',
    (path) => `libsql:${path}`,
    async (path) => {
      const { createClient } = await import('@libsql/client');
      const client = createClient({ url: `file:${path}`, timeout: 10_000 });
      const tx = await client.transaction('write');
      return async () => {
        await tx.commit();
        client.close();
      };
    },
  );
}

/** Runs `fn` on a client of its own to the server `url` names (schema and database housekeeping). */
async function withPgClient<T>(url: string, fn: (client: import('pg').Client) => Promise<T>): Promise<T> {
  const { default: pg } = await import('pg');
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/**
 * Postgres: each store gets its own schema in the database `url` names, dropped at
 * teardown, so runs never collide and never touch the tables an app uses.
 */
export function postgresTarget(url: string): ConformanceTarget {
  const prefix = `agent_storage_test_${process.pid}_${Date.now().toString(36)}`;
  const schemas = new WeakMap<AgentStorage, string>();
  const created: string[] = [];
  // The fault tier's writers connect under this name, so dropping "their" connections
  // never touches another test's.
  const writers = `${prefix}_writer`;
  const urlFor = (schema: string, applicationName?: string) => {
    const withSchema = new URL(url);
    withSchema.searchParams.set('schema', schema);
    if (applicationName) withSchema.searchParams.set('application_name', applicationName);
    return withSchema.toString();
  };
  const open = async (schema: string, clock: () => number) => {
    const store = await createStorage({ url: urlFor(schema), clock });
    schemas.set(store, schema);
    return store;
  };
  const admin = <T>(fn: (client: import('pg').Client) => Promise<T>) => withPgClient(url, fn);
  return {
    name: 'postgres',
    async create({ clock }) {
      const schema = `${prefix}_${created.length + 1}`;
      created.push(schema);
      return open(schema, clock);
    },
    reopen: (store, { clock }) => open(schemas.get(store) as string, clock),
    faults: {
      spawn: (store) => ({
        module: CREATE_STORAGE,
        export: 'createStorage',
        options: { url: urlFor(schemas.get(store) as string, writers) },
      }),
      multiProcess: true,
      dropConnections: () =>
        admin(async (c) => {
          await c.query(
            'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1',
            [writers],
          );
        }),
    },
    inspect: sqlInspector({
      table: (name, store) => `"${schemas.get(store)}".${name}`,
      update: (table, column) => `UPDATE ${table} SET ${column} = $1 WHERE id = $2::bigint`,
      // Another program that writes statuses the contract does not know has dropped the
      // CHECK; one that writes broken JSON has made the column text.
      loosen: (table, column) =>
        `ALTER TABLE ${table} DROP CONSTRAINT IF EXISTS ${table.split('.').pop()}_${column}_check;
         ALTER TABLE ${table} ALTER COLUMN ${column} TYPE text`,
      tighten: null,
    }),
    async teardown() {
      await admin(async (client) => {
        for (const schema of created) await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      });
    },
  };
}

/**
 * Postgres on a scratch database created on the server `url` names and dropped at
 * teardown: what `agent-storage verify --url postgres://…` uses, so that verifying never
 * writes into the database the URL names. Needs the CREATEDB privilege.
 */
export function postgresScratchTarget(url: string): ConformanceTarget {
  const database = `agent_storage_verify_${process.pid}_${Date.now().toString(36)}`;
  const scratchUrl = new URL(url);
  scratchUrl.pathname = `/${database}`;
  let inner: ConformanceTarget | undefined;
  const admin = <T>(fn: (client: import('pg').Client) => Promise<T>) => withPgClient(url, fn);
  const ready = async () => {
    if (!inner) {
      await admin((c) => c.query(`CREATE DATABASE "${database}"`));
      inner = postgresTarget(scratchUrl.toString());
    }
    return inner;
  };
  return {
    name: 'postgres',
    create: async (options) => (await ready()).create(options),
    reopen: async (store, options) =>
      ((await ready()).reopen as NonNullable<ConformanceTarget['reopen']>)(store, options),
    inspect: {
      rowCounts: async (store) => (await ready()).inspect?.rowCounts(store) as never,
      writeRaw: async (store, table, id, column, value) =>
        (await ready()).inspect?.writeRaw(store, table, id, column, value),
    },
    faults: {
      spawn: async (store) => (await ready()).faults?.spawn(store) as never,
      multiProcess: true,
      dropConnections: async (store) => (await ready()).faults?.dropConnections?.(store),
    },
    async teardown() {
      if (!inner) return;
      await inner.teardown?.();
      await admin((c) => c.query(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`));
    },
  };
}

/** The targets `agent-storage verify` runs when no URL is given. */
export function builtInTargets(): ConformanceTarget[] {
  return [memoryTarget(), sqliteTarget(), libsqlTarget()];
}
