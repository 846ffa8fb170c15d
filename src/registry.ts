import type { ConformanceTarget } from '../conformance/types.js';
import { AgentStorageError } from './contract/errors.js';
import { redactUrl } from './contract/redact.js';
import type { AgentStorage } from './contract/storage.js';
import type { MigrationStatus } from './sql/migrator.js';

/** A store whose schema is managed by migrations (every SQL adapter). */
export interface MigratableStorage extends AgentStorage {
  migrate(): Promise<string[]>;
  migrateDown(to?: string | 0): Promise<string[]>;
  migrationStatus(): Promise<MigrationStatus>;
}

export function isMigratable(store: AgentStorage): store is MigratableStorage {
  return typeof (store as Partial<MigratableStorage>).migrate === 'function';
}

/** What an adapter module exports for the registry: it owns its URLs, options and scratch target. */
export interface AdapterModule {
  /**
   * Opens the store `url` names. `options` are the caller's (`createStorage(url, options)`):
   * the adapter takes the ones it knows and rejects any other with INVALID_INPUT naming it.
   */
  openUrl(url: string, options: Readonly<Record<string, unknown>>): Promise<AgentStorage>;
  /** For `agent-storage verify --url`: a conformance target on scratch storage like `url`'s, never its data. */
  scratchTarget(url: string): Promise<ConformanceTarget>;
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
  { name: 'memory', schemes: ['memory:'], load: () => import('./adapters/memory.js') },
  { name: 'sqlite', schemes: ['sqlite:'], load: () => import('./adapters/sqlite-url.js') },
  {
    name: 'libsql',
    schemes: ['libsql:', 'file:', 'http:', 'https:', 'ws:', 'wss:'],
    load: () => import('./adapters/libsql-url.js'),
  },
  {
    name: 'postgres',
    schemes: ['postgres:', 'postgresql:'],
    load: () => import('./adapters/postgres-url.js'),
  },
  { name: 'pglite', schemes: ['pglite:'], load: () => import('./adapters/pglite-url.js') },
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

/** Opens the store `url` names with the adapter's own options; no migrations (see `createStorage`). */
export async function openStore(
  url: string,
  options: Readonly<Record<string, unknown>> = {},
): Promise<AgentStorage> {
  return (await findAdapter(url).load()).openUrl(url, options);
}
