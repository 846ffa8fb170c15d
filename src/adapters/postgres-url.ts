import type { AgentStorage } from '../contract/storage.js';
import type { OpenMode } from '../registry.js';
import type { PostgresOptions } from './postgres.js';
import {
  badUrl,
  checkOptions,
  countParam,
  loadDriver,
  loadOnce,
  looksLike,
  mergeOptions,
  millisecondsParam,
  nameParam,
  parseUrl,
  splitUrlOptions,
} from './url-options.js';

/** The driver's module, imported on the first open. */
const driver = loadOnce(() => import('./postgres.js'));

const ADAPTER = 'postgres';

const OWN_PARAMS = { schema: nameParam, max: countParam, connectionTimeoutMs: millisecondsParam };
const OWN = Object.keys(OWN_PARAMS);

/** Its stores are migrated with migrations/postgres/. */
export const migrationDialect = 'postgres';

/**
 * `postgres://…` or `postgresql://…`; the kit's own `?schema=`, `?max=` and
 * `?connectionTimeoutMs=` are taken off, and the rest goes to pg as written (libpq's and
 * providers' parameters included: pg ignores those it does not use), except a name that
 * reads as one of the kit's mistyped (`?shcema=`, `?Schema=`), refused by name: it would
 * otherwise open `public`. Read-only:
 * no session setting is changed (a pooler may share the connection); the store sends
 * queries only, and a schema or log table that is not there reads as nothing applied.
 */
export async function openUrl(
  url: string,
  options: Readonly<Record<string, unknown>>,
  mode: Readonly<OpenMode> = {},
): Promise<AgentStorage> {
  const { rest, options: fromUrl } = splitUrlOptions(ADAPTER, url, OWN_PARAMS, (key) => !looksLike(key, OWN));
  const checked = editPostgresUrl(rest, () => undefined); // INVALID_INPUT when it is no URL
  const own = checkOptions<PostgresOptions>(ADAPTER, options, ['schema', 'max', 'connectionTimeoutMs']);
  const { PostgresAgentStorage } = await loadDriver(ADAPTER, 'pg', driver);
  const readOnly = mode.readOnly === true ? { readOnly: true } : {};
  return new PostgresAgentStorage(checked, {
    ...mergeOptions(ADAPTER, fromUrl, own),
    ...readOnly,
  });
}

/** A scratch database on the server `url` names, dropped afterwards: verify never writes into `url`'s own. */
export async function scratchTarget(url: string) {
  return (await import('../../conformance/targets.js')).postgresScratchTarget(url);
}

/** Stands in for the missing host of `isSocketForm` URLs while they are parsed. */
const STAND_IN_HOST = 'socket.invalid';

/**
 * libpq's Unix-socket form with credentials and no host (`postgres://app:pw@/db?host=/run/postgresql`):
 * pg reads it, the WHATWG URL parser refuses a URL with credentials and no host.
 */
const isSocketForm = (url: string) => /^postgres(?:ql)?:\/\/[^/@]*@\//i.test(url);

/** `url` changed by `edit` (its database, its query), in the form it was given (the socket form kept). */
export function editPostgresUrl(url: string, edit: (parsed: URL) => void): string {
  // Without `//` the WHATWG parser takes all of `postgres:app:pw@host/db` for a path, and pg
  // then connects to its default server with the rest as a database name (quoting it).
  if (!/^postgres(?:ql)?:\/\//i.test(url))
    throw badUrl(ADAPTER, url, 'must start with postgres:// or postgresql://');
  const socketForm = isSocketForm(url);
  const parsed = parseUrl(ADAPTER, socketForm ? url.replace('@/', `@${STAND_IN_HOST}/`) : url);
  edit(parsed);
  const text = parsed.toString();
  return socketForm ? text.replace(`@${STAND_IN_HOST}/`, '@/') : text;
}
