import { AgentStorageError } from './contract/errors.js';
import type { AgentStorage, StorageOptions } from './contract/storage.js';
import { findAdapter, isMigratable } from './registry.js';

export const DEFAULT_URL = 'sqlite:./agent-storage.db';

export interface CreateStorageOptions extends StorageOptions {
  /** Which store to open. Default: `AGENT_STORAGE_URL`, else `sqlite:./agent-storage.db`. */
  url?: string | undefined;
  /**
   * `true` (default): apply pending migrations before returning.
   * `false`: apply nothing; reject with `MIGRATION` when the schema is not current.
   */
  migrate?: boolean | undefined;
}

/**
 * Opens the store a URL names (`memory:`, `sqlite:./agent.db`, `sqlite::memory:`),
 * brings its schema up to date, and returns it ready to use.
 *
 * Throws `INVALID_INPUT` for an unknown scheme, `MIGRATION` when the schema cannot be
 * brought up to date (or is not current and `migrate` is false). On failure the store
 * it opened is closed again.
 */
export async function createStorage(config?: string | CreateStorageOptions): Promise<AgentStorage> {
  const options: CreateStorageOptions = typeof config === 'string' ? { url: config } : (config ?? {});
  const url = options.url ?? process.env.AGENT_STORAGE_URL ?? DEFAULT_URL;
  const store = await findAdapter(url).open(url, { clock: options.clock });
  try {
    if (isMigratable(store)) {
      if (options.migrate === false) {
        const { pending } = await store.migrationStatus();
        if (pending.length > 0) {
          throw new AgentStorageError(
            'MIGRATION',
            `${pending.length} migration(s) pending (${pending.join(', ')}) and migrate is false`,
            { adapter: store.adapter },
          );
        }
      } else {
        await store.migrate();
      }
    }
    return store;
  } catch (e) {
    await store.close();
    throw e;
  }
}
