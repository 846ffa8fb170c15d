import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { AgentStorageError } from './contract/errors.js';
import type { AgentStorage, StorageOptions } from './contract/storage.js';
import type { MigrationStatus } from './core/migrator.js';

/** A store whose schema is managed by migrations (every SQL adapter). */
export interface MigratableStorage extends AgentStorage {
  migrate(): Promise<string[]>;
  migrationStatus(): Promise<MigrationStatus>;
}

export function isMigratable(store: AgentStorage): store is MigratableStorage {
  return typeof (store as Partial<MigratableStorage>).migrate === 'function';
}

export interface AdapterEntry {
  /** The adapter's name in reports and errors. */
  name: string;
  /** URL schemes, with the colon: `sqlite:`. */
  schemes: readonly string[];
  /** Opens a store for `url`; loads its driver only now, so unused drivers are never imported. */
  open(url: string, options: StorageOptions): Promise<AgentStorage>;
}

/** `sqlite:./a.db` → `./a.db`; `sqlite:///abs/a.db` → `/abs/a.db`; `sqlite::memory:` → `:memory:`. */
function sqlitePath(url: string): string {
  const rest = url.slice(url.indexOf(':') + 1);
  const path = rest.startsWith('//') ? rest.slice(2) : rest;
  if (path === '') {
    throw new AgentStorageError('INVALID_INPUT', `url ${JSON.stringify(url)} names no database file`, {
      adapter: 'sqlite',
      field: 'url',
    });
  }
  return path;
}

/** Every built-in adapter, by URL scheme. The one place that knows which module serves which URL. */
export const adapters: readonly AdapterEntry[] = [
  {
    name: 'memory',
    schemes: ['memory:'],
    async open(_url, options) {
      const { MemoryAgentStorage } = await import('./adapters/memory.js');
      return new MemoryAgentStorage(options);
    },
  },
  {
    name: 'sqlite',
    schemes: ['sqlite:'],
    async open(url, options) {
      const path = sqlitePath(url);
      // nocodo creates the database's folder too; better-sqlite3 would fail on a missing one.
      if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
      const { SqliteAgentStorage } = await import('./adapters/better-sqlite3.js');
      return new SqliteAgentStorage(path, options);
    },
  },
  {
    name: 'libsql',
    // `libsql:./a.db` and `file:` are local files; `libsql://`, `http(s)://`, `ws(s)://` are libSQL servers.
    schemes: ['libsql:', 'file:', 'http:', 'https:', 'ws:', 'wss:'],
    async open(url, options) {
      const { LibsqlAgentStorage, libsqlClientUrl } = await import('./adapters/libsql.js');
      const client = libsqlClientUrl(url);
      if (client.startsWith('file:') && !client.includes(':memory:')) {
        const path = client
          .slice('file:'.length)
          .replace(/^\/\/(localhost)?/, '')
          .split('?')[0] as string;
        if (path !== '') mkdirSync(dirname(path), { recursive: true });
      }
      return new LibsqlAgentStorage(url, options);
    },
  },
  {
    name: 'postgres',
    schemes: ['postgres:', 'postgresql:'],
    async open(url, options) {
      const { connectionString, schema } = splitPostgresUrl(url);
      const { PostgresAgentStorage } = await import('./adapters/postgres.js');
      return new PostgresAgentStorage(connectionString, { ...options, schema });
    },
  },
];

/** Splits the kit's own `schema` parameter off a Postgres URL; the rest goes to pg untouched. */
function splitPostgresUrl(url: string): { connectionString: string; schema: string | undefined } {
  const parsed = new URL(url);
  const schema = parsed.searchParams.get('schema') ?? undefined;
  parsed.searchParams.delete('schema');
  return { connectionString: parsed.toString(), schema };
}

export function findAdapter(url: string): AdapterEntry {
  const scheme = /^[a-z][a-z0-9+.-]*:/i.exec(url)?.[0].toLowerCase();
  const entry = scheme === undefined ? undefined : adapters.find((a) => a.schemes.includes(scheme));
  if (entry === undefined) {
    const known = adapters.flatMap((a) => a.schemes).join(', ');
    throw new AgentStorageError(
      'INVALID_INPUT',
      `url ${JSON.stringify(url)} has no known scheme (known: ${known})`,
      {
        adapter: 'registry',
        field: 'url',
      },
    );
  }
  return entry;
}
