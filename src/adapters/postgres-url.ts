import type { AgentStorage } from '../contract/storage.js';
import type { OpenMode } from '../registry.js';
import type { PostgresOptions } from './postgres.js';
import {
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
  // libpq's Unix-socket form, credentials and no host (`postgres://app:pw@/db?host=/run/postgresql`):
  // the WHATWG parser refuses a URL with credentials and no host, pg reads it as it is.
  const socketForm = /^postgres(?:ql)?:\/\/[^/@]*@\//i.test(rest);
  const parsed = parseUrl(ADAPTER, socketForm ? rest.replace('@/', '@localhost/') : rest);
  const own = checkOptions<PostgresOptions>(ADAPTER, options, ['schema', 'max', 'connectionTimeoutMs']);
  const { PostgresAgentStorage } = await loadDriver(ADAPTER, 'pg', driver);
  const readOnly = mode.readOnly === true ? { readOnly: true } : {};
  return new PostgresAgentStorage(socketForm ? rest : parsed.toString(), {
    ...mergeOptions(ADAPTER, fromUrl, own),
    ...readOnly,
  });
}

/** A scratch database on the server `url` names, dropped afterwards: verify never writes into `url`'s own. */
export async function scratchTarget(url: string) {
  return (await import('../../conformance/targets.js')).postgresScratchTarget(url);
}
