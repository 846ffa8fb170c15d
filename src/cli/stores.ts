import { AgentStorageError } from '../contract/errors.js';
import type { AgentStorage } from '../contract/storage.js';
import { createStorage } from '../create-storage.js';
import { isMigratable, openStore } from '../registry.js';
import type { CliIo } from './io.js';

/**
 * Opening the store a command works on, closed again by the CLI's clean-ups (on Ctrl-C too).
 * Reading commands open read-only: they never create a file, switch a journal mode or
 * migrate; a store whose schema is not current is reported (run `agent-storage migrate`).
 */
export async function openForReading(url: string, io: CliIo): Promise<AgentStorage> {
  const store = track(await openStore(url, {}, { readOnly: true }), io);
  if (isMigratable(store)) {
    const { pending } = await store.migrationStatus();
    if (pending.length > 0) {
      throw new AgentStorageError(
        'MIGRATION',
        `the store's schema is not current (${pending.length} migration(s) pending: ${pending.join(', ')}); run agent-storage migrate first`,
        { adapter: store.adapter },
      );
    }
  }
  return store;
}

/** Writing commands (`import`, `copy`'s destination, `prune`) bring the schema up to date first, as `createStorage` does. */
export async function openForWriting(url: string, io: CliIo): Promise<AgentStorage> {
  return track(await createStorage(url), io);
}

function track(store: AgentStorage, io: CliIo): AgentStorage {
  io.onCleanup(() => store.close());
  return store;
}
