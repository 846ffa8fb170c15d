import { AgentStorageError } from '../contract/errors.js';
import type { AgentStorage } from '../contract/storage.js';
import type { OpenMode } from '../registry.js';
import type { LibsqlOptions } from './libsql.js';
import {
  checkLocalAuthority,
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
const driver = loadOnce(() => import('./libsql.js'));

const ADAPTER = 'libsql';

/**
 * `libsql:./a.db` is a local file; `libsql://host`, `http(s)://`, `ws(s)://` are servers; `file:`
 * passes through. A `libsql:` path is taken as written, as a `sqlite:` one is, so that both
 * name one file (`a%20b.db`, `g#h.db`): the client percent-decodes a path and cuts it at `#`,
 * so those two are escaped for it. A `file:` URL is the client's own: percent-decoded.
 */
export function clientUrl(url: string): string {
  if (!url.startsWith('libsql:') || url.startsWith('libsql://')) return url;
  const rest = url.slice('libsql:'.length);
  const query = rest.indexOf('?');
  const path = query < 0 ? rest : rest.slice(0, query);
  return `file:${path.replace(/[%#]/g, encodeURIComponent)}${query < 0 ? '' : rest.slice(query)}`;
}

/**
 * The file a `file:` URL names (`file:./a.db`, `file:///abs/a.db`), percent-decoded as the
 * client decodes it; undefined for servers and memory. A `#` is `INVALID_INPUT` (the client
 * takes it for a fragment and refuses the URL), as is a bad percent escape.
 */
export function localFile(url: string): string | undefined {
  if (!url.startsWith('file:') || /^file:(:memory:|.*[?&]mode=memory)/.test(url)) return undefined;
  const path = url
    .slice('file:'.length)
    .replace(/^\/\/(localhost)?/, '')
    .split('?')[0] as string;
  const bad = (why: string) =>
    new AgentStorageError('INVALID_INPUT', `url ${why}`, { adapter: ADAPTER, field: 'url' });
  if (path.includes('#'))
    throw bad('has a # in its path: in a file: URL that is %23 (libsql:./a#b.db takes it as written)');
  try {
    return decodeURIComponent(path);
  } catch {
    throw bad(
      'has a % that starts no percent escape: in a file: URL that is %25 (libsql: takes it as written)',
    );
  }
}

/** Its stores are migrated with migrations/sqlite/. */
export const migrationDialect = 'sqlite';

/**
 * `libsql:./a.db`, `file:`, or a server URL (`libsql://`, `https://`, `ws://`; `authToken` and
 * `tls` stay in it). Read-only: a local file must exist (no folder or file is made), and its
 * connection gets `query_only` instead of the file setup; a server is only sent queries.
 */
export async function openUrl(
  url: string,
  options: Readonly<Record<string, unknown>>,
  mode: Readonly<OpenMode> = {},
): Promise<AgentStorage> {
  const { rest, options: fromUrl } = splitUrlOptions(ADAPTER, url, SQLITE_PARAMS, ['authToken', 'tls']);
  // `libsql:///tmp/a.db` reads like `sqlite:///tmp/a.db` but names a server with no host: the
  // client only failed later, with "fetch failed".
  if (/^(libsql|https?|wss?):\/\/\//i.test(rest))
    throw new AgentStorageError(
      'INVALID_INPUT',
      'url names a libSQL server with no host; a local file is libsql:/path/to/a.db or libsql:./a.db',
      { adapter: ADAPTER, field: 'url' },
    );
  const own = checkOptions<LibsqlOptions>(ADAPTER, options, [...SQLITE_OPTIONS, 'authToken']);
  // The URL's token stays in the URL (the client reads it there), out of mergeOptions' sight.
  const tokenInUrl = new URLSearchParams(rest.split('?')[1] ?? '').get('authToken');
  if (own.authToken !== undefined && tokenInUrl !== null && tokenInUrl !== own.authToken)
    throw new AgentStorageError(
      'INVALID_INPUT',
      'authToken is given twice, in the URL and in the options, with different values',
      { adapter: ADAPTER, field: 'authToken' },
    );
  const { LibsqlAgentStorage } = await loadDriver(ADAPTER, '@libsql/client', driver);
  const file = localFile(clientUrl(rest));
  if (file !== undefined) checkLocalAuthority(ADAPTER, url, clientUrl(rest).slice('file:'.length));
  const readOnly = mode.readOnly === true;
  if (file !== undefined && readOnly) mustExist(ADAPTER, file);
  else if (file !== undefined) ensureFolder(file);
  return new LibsqlAgentStorage(rest, {
    ...mergeOptions(ADAPTER, fromUrl, own),
    ...(readOnly ? { readOnly } : {}),
  });
}

/** Local scratch files; a server URL is refused: verify never writes to a server it was pointed at. */
export async function scratchTarget(url: string) {
  if (!clientUrl(url).startsWith('file:'))
    throw new AgentStorageError(
      'NOT_SUPPORTED',
      'verify checks libsql on local scratch files only, never a server',
      {
        adapter: ADAPTER,
      },
    );
  return (await import('../../conformance/targets.js')).libsqlTarget();
}
