import type { ConformanceTarget } from '../conformance/types.js';
import { loadOnce } from './adapters/url-options.js';
import { AgentStorageError } from './contract/errors.js';
import { redactUrl } from './contract/redact.js';
import type { AgentStorage } from './contract/storage.js';
import type { MigrationStatus, MigrationStep, MigrationTarget } from './sql/migrator.js';

/** What a store whose schema is managed by migrations adds to the contract (see docs/migrations.md). */
export interface MigrationMethods {
  /** Applies every pending migration; resolves to the names applied. */
  migrate(): Promise<string[]>;
  /**
   * Takes the schema to `to`: a migration's name (or its number, `'0005'`), which is then the
   * newest applied; `0`, every migration reverted; omitted, every migration applied. Reverts
   * newer migrations and applies missing older ones in one transaction; resolves to the steps.
   */
  migrateTo(to?: MigrationTarget): Promise<MigrationStep[]>;
  /** The steps `migrateTo(to)` would take now, each with its SQL. Writes nothing. */
  planMigration(to?: MigrationTarget): Promise<MigrationStep[]>;
  /** Reverts migrations down to and including `to` (default `0`: all of them), newest first. */
  migrateDown(to?: MigrationTarget): Promise<string[]>;
  /** Applied and pending migrations. Writes nothing. */
  migrationStatus(): Promise<MigrationStatus>;
}

/** A store whose schema is managed by migrations (every SQL adapter). */
export interface MigratableStorage extends AgentStorage, MigrationMethods {}

/**
 * What `createStorage` and `openStore` return: the contract, plus the migration methods
 * where the adapter has them (every SQL adapter; not `memory:`). `isMigratable` tells.
 */
export type OpenedStorage = AgentStorage & Partial<MigrationMethods>;

export function isMigratable(store: AgentStorage): store is MigratableStorage {
  const s = store as Partial<MigrationMethods>;
  return typeof s.migrate === 'function' && typeof s.migrationStatus === 'function';
}

/** How `openStore` opens a store (besides the adapter's own options). */
export interface OpenMode {
  /**
   * For inspection (`agent-storage status`, `migrate --dry-run`): the store only reads. A
   * database that does not exist is `NOT_FOUND` (nothing is created: no file, no folder, no
   * table); an existing one is not changed (no WAL switch, no migration log). Writes through
   * it are refused (`NOT_SUPPORTED`, or the driver's own refusal). Per adapter: docs/migrations.md.
   */
  readOnly?: boolean | undefined;
}

/** What an adapter module exports for the registry: it owns its URLs, options and scratch target. */
export interface AdapterModule {
  /**
   * Opens the store `url` names. `options` are the caller's (`createStorage(url, options)`):
   * the adapter takes the ones it knows and rejects any other with INVALID_INPUT naming it.
   * `mode.readOnly`: see `OpenMode`; an adapter with nothing to protect (memory) may ignore it.
   */
  openUrl(
    url: string,
    options: Readonly<Record<string, unknown>>,
    mode?: Readonly<OpenMode>,
  ): Promise<AgentStorage>;
  /** For `agent-storage verify --url`: a conformance target on scratch storage like `url`'s, never its data. */
  scratchTarget(url: string): Promise<ConformanceTarget>;
  /**
   * The folder under `migrations/` its stores are migrated with (`sqlite`, `postgres`), so
   * that a migration named on the command line is checked before a store is opened (or made).
   * Absent: the adapter keeps no schema.
   */
  readonly migrationDialect?: string;
}

export interface AdapterEntry {
  /** The adapter's name in reports and errors. */
  readonly name: string;
  /** URL schemes, with the colon: `sqlite:`. */
  readonly schemes: readonly string[];
  /** Loads the module only when a URL asks for it; the module loads its driver only to open a store. */
  load(): Promise<AdapterModule>;
}

/** Every built-in adapter: the one place that knows which module serves which URL scheme. */
export const adapters: readonly AdapterEntry[] = [
  { name: 'memory', schemes: ['memory:'], load: loadOnce(() => import('./adapters/memory.js')) },
  { name: 'sqlite', schemes: ['sqlite:'], load: loadOnce(() => import('./adapters/sqlite-url.js')) },
  {
    name: 'libsql',
    schemes: ['libsql:', 'file:', 'http:', 'https:', 'ws:', 'wss:'],
    load: loadOnce(() => import('./adapters/libsql-url.js')),
  },
  {
    name: 'postgres',
    schemes: ['postgres:', 'postgresql:'],
    load: loadOnce(() => import('./adapters/postgres-url.js')),
  },
  { name: 'pglite', schemes: ['pglite:'], load: loadOnce(() => import('./adapters/pglite-url.js')) },
];

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

/**
 * Opens the store `url` names with the adapter's own options; no migrations (see
 * `createStorage`). `{ readOnly: true }`: to inspect it, changing nothing (`OpenMode`).
 */
export async function openStore(
  url: string,
  options: Readonly<Record<string, unknown>> = {},
  mode: Readonly<OpenMode> = {},
): Promise<OpenedStorage> {
  return (await findAdapter(url).load()).openUrl(url, options, mode);
}
