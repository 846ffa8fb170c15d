import { copyFileSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { editPostgresUrl } from '../src/adapters/postgres-url.js';
import { loadDriver } from '../src/adapters/url-options.js';
import type { AgentStorage } from '../src/contract/storage.js';
import type { StorageEngine } from '../src/core/engine.js';
import type { PortInspection } from '../src/core/port.js';
import { createStorage } from '../src/create-storage.js';
import type { SqlAgentStorage } from '../src/sql/sql-storage.js';
import type { ConformanceTarget } from './types.js';

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

/**
 * Row counts and raw writes through the store's port, for every store built on the engine
 * (`StorageEngine`): the port's `inspection` hooks. A third party's target brings its own.
 */
export const portInspector: NonNullable<ConformanceTarget['inspect']> = {
  rowCounts: (store) => inspectionOf(store).rowCounts(),
  writeRaw: (store, table, id, column, value) => inspectionOf(store).writeRaw(table, id, column, value),
};

function inspectionOf(store: AgentStorage): PortInspection {
  const inspection = (store as Partial<StorageEngine>).port?.inspection;
  if (inspection === undefined)
    throw new Error(`${store.adapter}: the store's port offers no inspection hooks`);
  return inspection;
}

export function memoryTarget(): ConformanceTarget {
  return {
    name: 'memory',
    create: ({ clock }) => createStorage({ url: 'memory:', clock }),
    inspect: portInspector,
  };
}

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
  // A store is a copy of one migrated store, checkpointed and closed (all in the main file):
  // `createStorage` then finds its schema current. Migrating each new file took about half of
  // a suite run (14 ms a store on better-sqlite3, 27 ms on libsql); migrating itself is proven
  // by test/migrations.test.ts, and opening by every requirement.
  let template: Promise<string> | undefined;
  const migrated = () => {
    template ??= (async () => {
      const path = join(dir, 'template.db');
      const store = (await createStorage({ url: url(path) })) as SqlAgentStorage;
      // @libsql/client may leave the schema in the -wal after close (its connection goes a
      // turn later, -wal and all): into the main file first, which is all that is copied.
      await store.executor.exec('PRAGMA wal_checkpoint(TRUNCATE)');
      await store.close();
      if ((statSync(`${path}-wal`, { throwIfNoEntry: false })?.size ?? 0) > 0)
        throw new Error(`${name}: the template store ${path} kept a -wal`);
      return path;
    })();
    template.catch(() => {
      template = undefined;
    });
    return template;
  };
  return {
    name,
    async create({ clock }) {
      const path = join(dir, `store-${++n}.db`);
      copyFileSync(await migrated(), path);
      return open(path, clock);
    },
    reopen: (store, { clock }) => open(paths.get(store) as string, clock),
    inspect: portInspector,
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
      const { default: Database } = await loadDriver(
        'sqlite',
        'better-sqlite3',
        () => import('better-sqlite3'),
      );
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
      const { createClient } = await loadDriver('libsql', '@libsql/client', () => import('@libsql/client'));
      const client = createClient({ url: `file:${path}`, timeout: 10_000 });
      const tx = await client.transaction('write');
      return async () => {
        await tx.commit();
        client.close();
      };
    },
  );
}

/** pg, or UNAVAILABLE naming the package to install (verify reports it as not installed). */
const loadPg = () => loadDriver('postgres', 'pg', () => import('pg'));

/** Runs `fn` on a client of its own to the server `url` names (schema and database housekeeping). */
async function withPgClient<T>(url: string, fn: (client: import('pg').Client) => Promise<T>): Promise<T> {
  const { default: pg } = await loadPg();
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** Postgres targets made by this process: part of their names, so two made in one millisecond differ. */
let pgTargets = 0;

/**
 * Postgres: each store gets its own schema in the database `url` names, dropped at
 * teardown, so runs never collide and never touch the tables an app uses.
 */
export function postgresTarget(url: string): ConformanceTarget {
  const prefix = `agent_storage_test_${process.pid}_${Date.now().toString(36)}_${++pgTargets}`;
  const schemas = new WeakMap<AgentStorage, string>();
  const created: string[] = [];
  // The fault tier's writers connect under their store's name, so dropping a store's
  // connections never touches another store's (another test's, run at the same time).
  const writers = (store: AgentStorage) => `${schemas.get(store)}_w`;
  const urlFor = (schema: string, applicationName?: string) =>
    editPostgresUrl(url, (u) => {
      u.searchParams.set('schema', schema);
      if (applicationName) u.searchParams.set('application_name', applicationName);
    });
  const open = async (schema: string, clock: () => number) => {
    const store = await createStorage({ url: urlFor(schema), clock });
    schemas.set(store, schema);
    return store;
  };
  const admin = <T>(fn: (client: import('pg').Client) => Promise<T>) => withPgClient(url, fn);
  let dropper: Promise<import('pg').Client> | undefined;
  const cut = new WeakMap<AgentStorage, Set<number>>();
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
        options: { url: urlFor(schemas.get(store) as string, writers(store)) },
      }),
      multiProcess: true,
      // On one client kept open: a drop follows the writer's announcement of each batch, and
      // must reach its transaction while it runs; connecting first took longer than that on
      // a loaded machine (a mutant deaf to lost connections passed 1 seed of 20 under load).
      dropConnections: async (store, options) => {
        dropper ??= (async () => {
          const { default: pg } = await loadPg();
          const client = new pg.Client({ connectionString: url });
          client.on('error', () => undefined);
          await client.connect();
          return client;
        })();
        // In a transaction: idle in one, or running a statement that is not the first of
        // its transaction (a lone statement's transaction starts with it).
        // (In the select list, not the WHERE clause: there Postgres may call it before the
        // filters, on every backend of the server.)
        const { rows } = await (await dropper).query<{ pid: number; cut: boolean }>(
          `SELECT pid, pg_terminate_backend(pid) AS cut FROM pg_stat_activity WHERE application_name = $1${
            options?.inTransaction
              ? ` AND (state LIKE 'idle in transaction%' OR (state = 'active' AND xact_start < query_start))`
              : ''
          }`,
          [writers(store)],
        );
        if (!options?.inTransaction) return undefined;
        // A backend still dying is listed (and signalled) again by the next call: counted once.
        const seen = cut.get(store) ?? new Set<number>();
        cut.set(store, seen);
        const fresh = rows.filter((r) => r.cut && !seen.has(r.pid));
        for (const r of fresh) seen.add(r.pid);
        return fresh.length;
      },
    },
    inspect: portInspector,
    async teardown() {
      if (dropper) await (await dropper).end();
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
  const scratchUrl = editPostgresUrl(url, (u) => {
    u.pathname = `/${database}`;
  });
  let inner: ConformanceTarget | undefined;
  const admin = <T>(fn: (client: import('pg').Client) => Promise<T>) => withPgClient(url, fn);
  const ready = async () => {
    if (!inner) {
      await admin((c) => c.query(`CREATE DATABASE "${database}"`));
      inner = postgresTarget(scratchUrl);
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
      dropConnections: async (store, options) => (await ready()).faults?.dropConnections?.(store, options),
    },
    async teardown() {
      if (!inner) return;
      await inner.teardown?.();
      await admin((c) => c.query(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`));
    },
  };
}

/**
 * PGlite: one in-memory instance for the whole run (starting one takes seconds), each store
 * in a schema of its own, as on a Postgres server. Reopening a store opens its schema again.
 */
export function pgliteTarget(): ConformanceTarget {
  let instance: Promise<import('@electric-sql/pglite').PGlite> | undefined;
  const db = () => {
    instance ??= loadDriver('pglite', '@electric-sql/pglite', () => import('@electric-sql/pglite')).then(
      ({ PGlite }) => PGlite.create(),
    );
    return instance;
  };
  const schemas = new WeakMap<AgentStorage, string>();
  let n = 0;
  const open = async (schema: string, clock: () => number) => {
    const { PgliteAgentStorage } = await loadDriver(
      'pglite',
      '@electric-sql/pglite',
      () => import('../src/adapters/pglite.js'),
    );
    const store = new PgliteAgentStorage(await db(), { schema, clock });
    try {
      await store.migrate();
    } catch (e) {
      await store.close();
      throw e;
    }
    schemas.set(store, schema);
    return store;
  };
  return {
    name: 'pglite',
    create: ({ clock }) => open(`store_${++n}`, clock),
    reopen: (store, { clock }) => open(schemas.get(store) as string, clock),
    inspect: portInspector,
    async teardown() {
      if (instance) await (await instance).close();
    },
  };
}

/** The targets `agent-storage verify` runs when no URL is given. */
export function builtInTargets(): ConformanceTarget[] {
  return [memoryTarget(), sqliteTarget(), libsqlTarget()];
}
