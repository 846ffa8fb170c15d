import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { AgentStorage } from '../src/contract/storage.js';
import { createStorage } from '../src/create-storage.js';
import type { RawStore, Seeder } from './raw/types.js';

/** One adapter, opened twice over scratch stores: through the kit, and straight on its driver. */
export interface OpenedTarget {
  kit: AgentStorage;
  raw: RawStore;
  /** A raw connection to the kit's own database, for bulk seeding. */
  kitSeeder: Seeder;
  /** Closes everything and removes what the target created (files live in the run's temp dir). */
  close(): Promise<void>;
}

export interface ScratchStore {
  kit: AgentStorage;
  close(): Promise<void>;
}

export interface Target {
  name: string;
  /** What it is for, performance-wise (printed and documented). */
  note: string;
  /** The baseline it is compared with. */
  rawDriver: string;
  open(dir: string): Promise<OpenedTarget>;
  /** One scratch store through the kit alone (`name` tells it apart in `dir`), removed on close. */
  store(dir: string, name: string): Promise<ScratchStore>;
  /** File-backed stores that take `?durability=`: their fsync cost is measured too (bench/durability.ts). */
  durability?: boolean;
}

/**
 * Opens the kit's stores: this checkout's `createStorage`, or another checkout's (`--kit DIR`),
 * so that a change's before and after are measured by one harness against one raw baseline.
 * (Raw stores are always migrated by this checkout: the raw side runs this checkout's SQL.)
 */
let openKit: (url: string) => Promise<AgentStorage> = createStorage;

/** Measures the kit of the checkout at `dir` (its `src/create-storage.ts`, through tsx) instead of this one. */
export async function useKitFrom(dir: string): Promise<void> {
  const module = (await import(pathToFileURL(resolve(dir, 'src', 'create-storage.ts')).href)) as {
    createStorage: (url: string) => Promise<AgentStorage>;
  };
  openKit = module.createStorage;
}

/** Migrates a scratch store with the kit, then closes it: the raw driver's database gets the same schema. */
async function migrated(url: string): Promise<void> {
  await (await createStorage(url)).close();
}

async function closeAll(stores: readonly { close(): Promise<void> }[]): Promise<void> {
  const results = await Promise.allSettled(stores.map((s) => s.close()));
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
}

export const sqliteTarget: Target = {
  name: 'sqlite',
  durability: true,
  note: 'better-sqlite3, in-process and synchronous underneath: the fastest path, one machine',
  rawDriver: 'better-sqlite3 (WAL, synchronous=NORMAL, cached prepared statements)',
  async open(dir) {
    const { openRawBetterSqlite3 } = await import('./raw/better-sqlite3.js');
    const kitPath = join(dir, 'kit-sqlite.db');
    const rawPath = join(dir, 'raw-sqlite.db');
    const kit = await openKit(`sqlite:${kitPath}`);
    await migrated(`sqlite:${rawPath}`);
    const raw = await openRawBetterSqlite3(rawPath);
    const kitSeeder = await openRawBetterSqlite3(kitPath);
    return { kit, raw, kitSeeder, close: () => closeAll([kit, raw, kitSeeder]) };
  },
  async store(dir, name) {
    const kit = await openKit(`sqlite:${join(dir, `${name}-sqlite.db`)}`);
    return { kit, close: () => kit.close() };
  },
};

export const libsqlTarget: Target = {
  name: 'libsql',
  durability: true,
  note: '@libsql/client on a local file: async client, one connection, WAL, synchronous=NORMAL; or a libSQL server',
  rawDriver:
    '@libsql/client execute (default intMode, one connection, WAL, synchronous=NORMAL, reads as bytes like the kit)',
  async open(dir) {
    const { openRawLibsql } = await import('./raw/libsql.js');
    const kitPath = join(dir, 'kit-libsql.db');
    const rawPath = join(dir, 'raw-libsql.db');
    const kit = await openKit(`libsql:${kitPath}`);
    await migrated(`libsql:${rawPath}`);
    const raw = await openRawLibsql(rawPath);
    const kitSeeder = await openRawLibsql(kitPath);
    return { kit, raw, kitSeeder, close: () => closeAll([kit, raw, kitSeeder]) };
  },
  async store(dir, name) {
    const kit = await openKit(`libsql:${join(dir, `${name}-libsql.db`)}`);
    return { kit, close: () => kit.close() };
  },
};

export const DEFAULT_POSTGRES_URL = 'postgres://postgres@127.0.0.1:5432/test';

/** The server's URL without the kit's own `schema` parameter, and the same URL pointing at `schema`. */
function postgresUrls(url: string, schema?: string): string {
  const u = new URL(url);
  u.searchParams.delete('schema');
  if (schema !== undefined) u.searchParams.set('schema', schema);
  return u.toString();
}

/**
 * Resolves to a reason when no Postgres server answers at `url`, else `undefined`.
 * Loads pg only when asked.
 */
export async function postgresUnavailable(url: string): Promise<string | undefined> {
  const { default: pg } = await import('pg');
  const client = new pg.Client({ connectionString: postgresUrls(url), connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return undefined;
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Drops scratch schemas on the server at `url`. */
async function dropSchemas(url: string, schemas: readonly string[]): Promise<void> {
  const { default: pg } = await import('pg');
  const client = new pg.Client({ connectionString: postgresUrls(url) });
  await client.connect();
  try {
    for (const schema of schemas) await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  } finally {
    await client.end();
  }
}

/** A schema name no other store uses: `bench_<role>_<pid>_<time>[_<n>]`. */
let schemas = 0;
const scratchSchema = (role: string) =>
  `bench_${role}_${process.pid}_${Date.now().toString(36)}${schemas++ === 0 ? '' : `_${schemas}`}`;

export function postgresTarget(url: string): Target {
  return {
    name: 'postgres',
    note: 'pg over TCP: every call is a round trip to the server; for several app instances on one store',
    rawDriver: 'pg pool.query (unnamed statements, default type parsers)',
    async open() {
      const { openRawPg } = await import('./raw/pg.js');
      const kitSchema = scratchSchema('kit');
      const rawSchema = scratchSchema('raw');
      const server = postgresUrls(url);
      const opened: { close(): Promise<void> }[] = [];
      const close = async () => {
        try {
          await closeAll(opened);
        } finally {
          await dropSchemas(url, [kitSchema, rawSchema]);
        }
      };
      try {
        const kit = await openKit(postgresUrls(url, kitSchema));
        opened.push(kit);
        await migrated(postgresUrls(url, rawSchema));
        const raw = await openRawPg(server, rawSchema);
        opened.push(raw);
        const kitSeeder = await openRawPg(server, kitSchema);
        opened.push(kitSeeder);
        return { kit, raw, kitSeeder, close };
      } catch (e) {
        await close().catch(() => undefined);
        throw e;
      }
    },
    async store(_dir, name) {
      const schema = scratchSchema(name.replace(/\W/g, '_'));
      const drop = () => dropSchemas(url, [schema]);
      try {
        const kit = await openKit(postgresUrls(url, schema));
        return {
          kit,
          close: async () => {
            try {
              await kit.close();
            } finally {
              await drop();
            }
          },
        };
      } catch (e) {
        await drop().catch(() => undefined);
        throw e;
      }
    },
  };
}
