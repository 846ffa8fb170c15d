import { AgentStorageError, isAgentStorageError } from '../contract/errors.js';
import { redactUrl } from '../contract/redact.js';
import type { AgentStorage } from '../contract/storage.js';
import { createStorage } from '../create-storage.js';
import {
  type AdapterEntry,
  findAdapter,
  isMigratable,
  type MigratableStorage,
  type OpenedStorage,
  type OpenMode,
  openStore,
} from '../registry.js';
import type { MigrationStatus } from '../sql/migrator.js';
import { type CliIo, UsageError } from './io.js';

/**
 * Opening the store a command works on, closed again by the CLI's clean-ups (on Ctrl-C too).
 * Reading commands open read-only: they never create a file, switch a journal mode or
 * migrate; a store whose schema is not current is reported (run `agent-storage migrate`).
 * A URL that does not open (an unknown scheme, a parameter the adapter does not know, a
 * value out of range) is bad usage: the user typed it, and nothing was done.
 */
export async function openForReading(url: string, io: CliIo, flag = 'url'): Promise<AgentStorage> {
  const store = await open(url, { readOnly: true }, io, flag);
  if (isMigratable(store)) {
    // A mistyped `?schema=` is no store to migrate: `migrate` would make the stray schema.
    const { pending } = await mustHoldAStore(store, url);
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
export async function openForWriting(url: string, io: CliIo, flag = 'url'): Promise<AgentStorage> {
  return track(await createStorage(url).catch(asUsage(flag, url, io)), io);
}

/**
 * `openForWriting` for a store that must be there already (`prune`): a database that does not
 * exist is `NOT_FOUND`, as for reading, instead of being made (empty) by a mistyped path; so is
 * a database or schema that holds no store (nothing migrated, nothing to adopt), which is
 * what a Postgres server or a PGlite folder shows for a mistyped `?schema=`.
 */
export async function openExistingForWriting(url: string, io: CliIo): Promise<AgentStorage> {
  const probe = await open(url, { readOnly: true }, io, 'url');
  try {
    if (isMigratable(probe)) await mustHoldAStore(probe, url);
  } finally {
    await probe.close();
  }
  return openForWriting(url, io);
}

/**
 * `NOT_FOUND` for a database or schema where nothing is migrated and nothing is there to
 * adopt; else the migration status it read.
 */
async function mustHoldAStore(store: MigratableStorage, url: string): Promise<MigrationStatus> {
  const status = await store.migrationStatus();
  if (status.applied.length > 0 || (await store.planMigration()).some((s) => s.adopted === true))
    return status;
  throw new AgentStorageError(
    'NOT_FOUND',
    `there is no store at ${redactUrl(url)}: nothing is migrated there (agent-storage migrate makes one)`,
    { adapter: store.adapter },
  );
}

/** `openStore` for a CLI command: URL errors are usage errors naming `--flag`; the store is closed on exit. */
export async function open(
  url: string,
  mode: Readonly<OpenMode>,
  io: CliIo,
  flag = 'url',
): Promise<OpenedStorage> {
  return track(await openStore(url, {}, mode).catch(asUsage(flag, url, io)), io);
}

/** The adapter serving `url`; an unknown scheme is a usage error naming `--flag`. */
export function adapterFor(url: string, io: Pick<CliIo, 'env'>, flag = 'url'): AdapterEntry {
  try {
    return findAdapter(url);
  } catch (e) {
    return asUsage(flag, url, io)(e);
  }
}

/** An INVALID_INPUT from opening names something wrong in the URL (its messages show it redacted). */
const asUsage =
  (flag: string, url: string, io: Pick<CliIo, 'env'>) =>
  (e: unknown): never => {
    if (!isAgentStorageError(e, 'INVALID_INPUT')) throw e;
    // Without --url the store came from the environment: name what the user has to fix.
    const from = flag === 'url' && url === io.env.AGENT_STORAGE_URL ? 'AGENT_STORAGE_URL' : `--${flag}`;
    throw new UsageError(`${from}: ${e.message}`);
  };

function track<T extends AgentStorage>(store: T, io: CliIo): T {
  io.onCleanup(() => store.close());
  return store;
}
