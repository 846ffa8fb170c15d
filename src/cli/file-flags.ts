import { closeSync, existsSync, openSync, readSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { isAgentStorageError } from '../contract/errors.js';
import { checkJournal } from '../transfer/journal.js';
import { UsageError } from './io.js';

/**
 * The checks of flags that name files (`export --out`, `copy --journal`), made before any
 * store is opened: a usage error must leave nothing created or changed.
 */

const isFolder = (path: string) => existsSync(path) && statSync(path).isDirectory();

/** A regular file that begins with SQLite's header. */
function isSqliteDatabase(path: string): boolean {
  if (!existsSync(path) || !statSync(path).isFile()) return false;
  const head = Buffer.alloc(16);
  const fd = openSync(path, 'r');
  try {
    readSync(fd, head, 0, 16, 0);
  } finally {
    closeSync(fd);
  }
  return head.toString('latin1') === 'SQLite format 3\0';
}

/**
 * A file a command writes (`export --out`, `verify --json`/`--junit`/`--html`): a file name,
 * in a folder that exists, and no SQLite database.
 */
export function checkOutputFile(flag: string, out: string | undefined): void {
  if (out === undefined) return;
  if (out === '') throw new UsageError(`--${flag} must name a file`);
  if (!isFolder(dirname(resolve(out))) || isFolder(out))
    throw new UsageError(`--${flag}: ${out} is a folder, or in a folder that does not exist`);
  // `--out x.db` for `--url sqlite:x.db` replaced the store being read with its own export.
  if (isSqliteDatabase(out))
    throw new UsageError(`--${flag}: ${out} is a SQLite database; it is never overwritten`);
}

/**
 * `copy --journal FILE`: in a folder that exists; when it exists, a regular file that is a
 * copy journal (read whole, changed in nothing: a database or an export named by mistake
 * must not be cut or appended to).
 */
export function checkJournalFlag(journal: string): void {
  if (!isFolder(dirname(resolve(journal))))
    throw new UsageError(`--journal: there is no folder ${dirname(resolve(journal))}`);
  // A folder or a device (/dev/zero would be read forever) is no journal to read or append to.
  if (existsSync(journal) && !statSync(journal).isFile())
    throw new UsageError(`--journal: ${journal} is not a regular file`);
  if (isSqliteDatabase(journal))
    throw new UsageError(`--journal: ${journal} is a SQLite database, not a copy journal`);
  try {
    checkJournal(journal);
  } catch (e) {
    if (isAgentStorageError(e, 'INVALID_INPUT')) throw new UsageError(`--journal: ${e.message}`);
    throw e;
  }
}
