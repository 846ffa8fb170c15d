import type { AgentStorage } from '../contract/storage.js';
import type { SqliteFileOptions } from '../dialects/sqlite.js';
import type { OpenMode } from '../registry.js';
import {
  badUrl,
  checkOptions,
  ensureFolder,
  loadDriver,
  loadOnce,
  mergeOptions,
  mustExist,
  SQLITE_OPTIONS,
  SQLITE_PARAMS,
  splitUrlOptions,
} from './url-options.js';

/** The driver's module, imported on the first open. */
const driver = loadOnce(() => import('./better-sqlite3.js'));

const ADAPTER = 'sqlite';

/** Its stores are migrated with migrations/sqlite/. */
export const migrationDialect = 'sqlite';

/**
 * `sqlite:./a.db`, `sqlite:/abs/a.db`, `sqlite:///abs/a.db`, `sqlite::memory:`; `?durability=`,
 * `?busyTimeoutMs=`. Read-only: the file must exist (no folder or file is made) and is opened
 * read-only, its journal mode left as it is.
 */
export async function openUrl(
  url: string,
  options: Readonly<Record<string, unknown>>,
  mode: Readonly<OpenMode> = {},
): Promise<AgentStorage> {
  const { rest, options: fromUrl } = splitUrlOptions(ADAPTER, url, SQLITE_PARAMS);
  const after = rest.slice(rest.indexOf(':') + 1);
  const path = after.startsWith('//') ? after.slice(2) : after;
  if (after.startsWith('//') && /[@:]/.test(path.split('/')[0] as string))
    throw badUrl(ADAPTER, url, 'names a host or credentials; a SQLite URL names a file');
  if (path === '') throw badUrl(ADAPTER, url, 'names no database file');
  const own = checkOptions<SqliteFileOptions>(ADAPTER, options, SQLITE_OPTIONS);
  const { SqliteAgentStorage } = await loadDriver(ADAPTER, 'better-sqlite3', driver);
  const readOnly = mode.readOnly === true;
  if (readOnly && path !== ':memory:') mustExist(ADAPTER, path);
  else ensureFolder(path);
  return new SqliteAgentStorage(path, {
    ...mergeOptions(ADAPTER, fromUrl, own),
    ...(readOnly ? { readOnly } : {}),
  });
}

/** Files in a fresh temporary folder: verify never opens the file `url` names. */
export async function scratchTarget() {
  return (await import('../../conformance/targets.js')).sqliteTarget();
}
