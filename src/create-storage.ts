import { AgentStorageError, isAgentStorageError, problemOf } from './contract/errors.js';
import type { StorageOptions } from './contract/storage.js';
import { isMigratable, type OpenedStorage, openStore } from './registry.js';

export const DEFAULT_URL = 'sqlite:./agent-storage.db';

export interface CreateStorageOptions extends StorageOptions {
  /** Which store to open. Default: `AGENT_STORAGE_URL` (when set and not empty), else `sqlite:./agent-storage.db`. */
  url?: string | undefined;
  /**
   * `true` (default): apply pending migrations before returning.
   * `false`: apply nothing; reject with `MIGRATION` when the schema is not current (or there
   * is no database at all: a missing file, folder or schema) — checked before anything is
   * created or changed. A Postgres database that does not exist on its server stays the
   * server's error: `UNAVAILABLE` (3D000), as for every other call.
   */
  migrate?: boolean | undefined;
  /**
   * Any other option goes to the adapter the URL names, as its class takes it
   * (`busyTimeoutMs`, `durability`, `schema`, `max`, ...; see docs/adapters/). One the
   * adapter does not take is INVALID_INPUT naming it, and so is a value of the wrong kind
   * (`busyTimeoutMs: 'abc'`, `max: -5`), as in the URL's query.
   */
  readonly [adapterOption: string]: unknown;
}

/**
 * Opens the store a URL names (`memory:`, `sqlite:./agent.db`, `postgres://…`, `pglite:`),
 * brings its schema up to date, and returns it ready to use: `createStorage(url)`,
 * `createStorage(url, options)` or `createStorage(options)`.
 *
 * Rejects with `INVALID_INPUT` for an unknown scheme or option, an argument of the wrong kind
 * (never falling back to the default store for one), a setting given twice with different
 * values (the URL's query and the options, the two arguments), `MIGRATION` when the schema
 * cannot be brought up to date (or is not current and `migrate` is false). On failure the
 * store it opened is closed again.
 *
 * The store has the migration methods where the adapter has them (every SQL adapter):
 * `migrationStatus()`, `planMigration(to?)`, `migrateTo(to?)`, `migrateDown(to?)`,
 * `migrate()`; `isMigratable(store)` narrows to them (docs/migrations.md).
 */
export async function createStorage(
  config?: string | CreateStorageOptions,
  more: Omit<CreateStorageOptions, 'url'> = {},
): Promise<OpenedStorage> {
  // A wrong kind of argument must not fall through to the default store (and create it).
  const isOptions = (v: unknown) => typeof v === 'object' && v !== null && !Array.isArray(v);
  if (config !== undefined && typeof config !== 'string' && !isOptions(config))
    throw invalid('config', 'a URL or an options object', config);
  if (!isOptions(more)) throw invalid('options', 'an options object', more);
  // One value per setting: the second argument neither names another store nor restates one
  // of the first's settings differently (which would leave the choice to the spread below).
  if ((more as { url?: unknown }).url !== undefined)
    throw twice('url', 'in the second argument; the URL is the first argument, or the options object');
  if (isOptions(config)) {
    const first = config as Record<string, unknown>;
    for (const [key, value] of Object.entries(more)) {
      if (value !== undefined && first[key] !== undefined && first[key] !== value)
        throw twice(key, 'with different values in the two arguments');
    }
  }
  const {
    url: given,
    migrate,
    ...adapterOptions
  } = {
    ...(typeof config === 'string' ? { url: config } : config),
    ...more,
  } as CreateStorageOptions;
  if (given !== undefined && typeof given !== 'string') throw invalid('url', 'a string', given);
  if (migrate !== undefined && typeof migrate !== 'boolean')
    throw invalid('migrate', 'true or false', migrate);
  const url = given ?? (process.env.AGENT_STORAGE_URL || DEFAULT_URL);
  // migrate: false refuses a store that is not current before opening it for writing, which
  // creates a missing SQLite file (and its folder) and switches an existing one to WAL.
  if (migrate === false) await refuseIfNotCurrent(url, adapterOptions);
  const store = await openStore(url, adapterOptions);
  try {
    if (isMigratable(store) && migrate !== false) await store.migrate();
    return store;
  } catch (e) {
    await store.close();
    throw e;
  }
}

/** With `migrate: false`: MIGRATION for a store with pending migrations, or none at all; changes nothing. */
async function refuseIfNotCurrent(url: string, options: Readonly<Record<string, unknown>>): Promise<void> {
  const probe = await openStore(url, options, { readOnly: true }).catch((e: unknown) => {
    if (!isAgentStorageError(e, 'NOT_FOUND')) throw e;
    throw new AgentStorageError(
      'MIGRATION',
      `every migration is pending and migrate is false: ${problemOf(e)}`,
      {
        adapter: e.adapter,
        cause: e,
      },
    );
  });
  try {
    if (!isMigratable(probe)) return;
    const { pending } = await probe.migrationStatus();
    if (pending.length > 0)
      throw new AgentStorageError(
        'MIGRATION',
        `${pending.length} migration(s) pending (${pending.join(', ')}) and migrate is false`,
        { adapter: probe.adapter },
      );
  } finally {
    await probe.close();
  }
}

function twice(field: string, how: string): AgentStorageError {
  return new AgentStorageError('INVALID_INPUT', `createStorage: ${field} is given ${how}`, {
    adapter: 'registry',
    field,
  });
}

function invalid(field: string, expected: string, got: unknown): AgentStorageError {
  const shown = Array.isArray(got) ? 'an array' : got === null ? 'null' : typeof got;
  return new AgentStorageError('INVALID_INPUT', `createStorage: ${field} must be ${expected}, got ${shown}`, {
    adapter: 'registry',
    field,
  });
}
