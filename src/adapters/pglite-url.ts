import { join } from 'node:path';
import type { AgentStorage } from '../contract/storage.js';
import type { OpenMode } from '../registry.js';
import type { PgliteOptions } from './pglite.js';
import {
  checkLocalAuthority,
  checkOptions,
  loadDriver,
  loadOnce,
  mergeOptions,
  mustExist,
  nameParam,
  splitUrlOptions,
} from './url-options.js';

/** The driver's module, imported on the first open. */
const driver = loadOnce(() => import('./pglite.js'));

const ADAPTER = 'pglite';

/** Its stores are migrated with migrations/postgres/. */
export const migrationDialect = 'postgres';

/**
 * `pglite:` (in memory) or `pglite:./data-folder`, with `?schema=`. Read-only: the folder must
 * hold a database already (PGlite would make one), and Postgres starts with read-only
 * transactions. PGlite still writes its own bookkeeping in the folder, as any Postgres does.
 */
export async function openUrl(
  url: string,
  given: Readonly<Record<string, unknown>>,
  mode: Readonly<OpenMode> = {},
): Promise<AgentStorage> {
  const { rest, options: fromUrl } = splitUrlOptions(ADAPTER, url, { schema: nameParam });
  const path = rest.slice('pglite:'.length);
  checkLocalAuthority(ADAPTER, url, path);
  const own = checkOptions<PgliteOptions>(ADAPTER, given, ['schema']);
  const { PgliteAgentStorage } = await loadDriver(ADAPTER, '@electric-sql/pglite', driver);
  const readOnly = mode.readOnly === true;
  if (readOnly && path !== '') mustExist(ADAPTER, path, join(path, 'PG_VERSION'));
  return new PgliteAgentStorage(path === '' ? undefined : path, {
    ...mergeOptions(ADAPTER, fromUrl, own),
    ...(readOnly ? { readOnly } : {}),
  });
}

/** One in-memory instance, a schema per store. */
export async function scratchTarget() {
  return (await import('../../conformance/targets.js')).pgliteTarget();
}
