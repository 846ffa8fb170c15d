import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { AgentStorageError } from './contract/errors.js';
import { redactUrl } from './contract/redact.js';
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

/** Options both SQLite adapters take from their URL's query (`sqlite:./a.db?durability=full`). */
export interface SqliteUrlOptions {
  durability?: 'normal' | 'full';
  busyTimeoutMs?: number;
}

function badUrl(adapter: string, url: string, problem: string): AgentStorageError {
  return new AgentStorageError('INVALID_INPUT', `url ${JSON.stringify(redactUrl(url))} ${problem}`, {
    adapter,
    field: 'url',
  });
}

/**
 * Splits the kit's own query parameters (`durability`, `busyTimeoutMs`) off a SQLite URL;
 * any other parameter is refused by name rather than ignored. `keep` names parameters that
 * belong to the driver and stay in the URL (libsql's `authToken`, `tls`).
 */
function sqliteUrlOptions(
  adapter: string,
  url: string,
  keep: readonly string[] = [],
): { rest: string; options: SqliteUrlOptions } {
  const q = url.indexOf('?');
  if (q === -1) return { rest: url, options: {} };
  const options: SqliteUrlOptions = {};
  const kept: string[] = [];
  for (const pair of url.slice(q + 1).split('&')) {
    if (pair === '') continue;
    const eq = pair.indexOf('=');
    const key = decodeURIComponent(eq === -1 ? pair : pair.slice(0, eq));
    const value = decodeURIComponent(eq === -1 ? '' : pair.slice(eq + 1));
    if (key === 'durability') {
      if (value !== 'normal' && value !== 'full')
        throw badUrl(adapter, url, 'has durability other than normal or full');
      options.durability = value;
    } else if (key === 'busyTimeoutMs') {
      const ms = Number(value);
      if (!/^[0-9]+$/.test(value) || !Number.isSafeInteger(ms))
        throw badUrl(adapter, url, 'has a busyTimeoutMs that is not a whole number of milliseconds');
      options.busyTimeoutMs = ms;
    } else if (keep.includes(key)) {
      kept.push(pair);
    } else {
      throw badUrl(
        adapter,
        url,
        `has the query parameter ${JSON.stringify(key)}, which ${adapter} does not know`,
      );
    }
  }
  return { rest: `${url.slice(0, q)}${kept.length > 0 ? `?${kept.join('&')}` : ''}`, options };
}

/** `sqlite:./a.db` → `./a.db`; `sqlite:///abs/a.db` → `/abs/a.db`; `sqlite::memory:` → `:memory:`. */
function sqlitePath(url: string): { path: string; options: SqliteUrlOptions } {
  const { rest, options } = sqliteUrlOptions('sqlite', url);
  const after = rest.slice(rest.indexOf(':') + 1);
  const path = after.startsWith('//') ? after.slice(2) : after;
  if (path === '') throw badUrl('sqlite', url, 'names no database file');
  return { path, options };
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
      const { path, options: fromUrl } = sqlitePath(url);
      // nocodo creates the database's folder too; better-sqlite3 would fail on a missing one.
      if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
      const { SqliteAgentStorage } = await import('./adapters/better-sqlite3.js');
      return new SqliteAgentStorage(path, { ...fromUrl, ...options });
    },
  },
  {
    name: 'libsql',
    // `libsql:./a.db` and `file:` are local files; `libsql://`, `http(s)://`, `ws(s)://` are libSQL servers.
    schemes: ['libsql:', 'file:', 'http:', 'https:', 'ws:', 'wss:'],
    async open(url, options) {
      const { LibsqlAgentStorage, libsqlClientUrl } = await import('./adapters/libsql.js');
      const { rest, options: fromUrl } = sqliteUrlOptions('libsql', url, ['authToken', 'tls']);
      const client = libsqlClientUrl(rest);
      if (client.startsWith('file:') && !client.includes(':memory:')) {
        const path = client
          .slice('file:'.length)
          .replace(/^\/\/(localhost)?/, '')
          .split('?')[0] as string;
        if (path !== '') mkdirSync(dirname(path), { recursive: true });
      }
      return new LibsqlAgentStorage(rest, { ...fromUrl, ...options });
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
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    // Not the parser's error as cause: it quotes the whole input, password included.
    throw new AgentStorageError('INVALID_INPUT', `url ${JSON.stringify(redactUrl(url))} is not a valid URL`, {
      adapter: 'postgres',
      field: 'url',
    });
  }
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
      `url ${JSON.stringify(redactUrl(url))} has no known scheme (known: ${known})`,
      {
        adapter: 'registry',
        field: 'url',
      },
    );
  }
  return entry;
}
