import type { AgentStorage } from '../contract/storage.js';
import type { OpenMode } from '../registry.js';
import type { PostgresOptions } from './postgres.js';
import {
  checkOptions,
  countParam,
  loadDriver,
  loadOnce,
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

/** Its stores are migrated with migrations/postgres/. */
export const migrationDialect = 'postgres';

/** The query parameters pg itself reads from a connection string (pg-connection-string, ConnectionParameters). */
const PG_PARAMS = [
  'host',
  'port',
  'user',
  'password',
  'db',
  'encoding',
  'client_encoding',
  'ssl',
  'sslmode',
  'sslcert',
  'sslkey',
  'sslrootcert',
  'sslnegotiation',
  'uselibpqcompat',
  'options',
  'application_name',
  'fallback_application_name',
  'statement_timeout',
  'lock_timeout',
  'idle_in_transaction_session_timeout',
  'query_timeout',
  'connect_timeout',
  'keepalives',
  'keepalives_idle',
  'replication',
  'binary',
];

/**
 * `postgres://…` or `postgresql://…`; the kit's own `?schema=`, `?max=` and
 * `?connectionTimeoutMs=` are taken off, pg's own parameters (PG_PARAMS) go to pg, and any
 * other is refused by name: a mistyped `?shcema=` would otherwise open `public`. Read-only:
 * no session setting is changed (a pooler may share the connection); the store sends
 * queries only, and a schema or log table that is not there reads as nothing applied.
 */
export async function openUrl(
  url: string,
  options: Readonly<Record<string, unknown>>,
  mode: Readonly<OpenMode> = {},
): Promise<AgentStorage> {
  const { rest, options: fromUrl } = splitUrlOptions(ADAPTER, url, OWN_PARAMS, PG_PARAMS);
  const parsed = parseUrl(ADAPTER, rest);
  const own = checkOptions<PostgresOptions>(ADAPTER, options, ['schema', 'max', 'connectionTimeoutMs']);
  const { PostgresAgentStorage } = await loadDriver(ADAPTER, 'pg', driver);
  const readOnly = mode.readOnly === true ? { readOnly: true } : {};
  return new PostgresAgentStorage(parsed.toString(), { ...mergeOptions(ADAPTER, fromUrl, own), ...readOnly });
}

/** A scratch database on the server `url` names, dropped afterwards: verify never writes into `url`'s own. */
export async function scratchTarget(url: string) {
  return (await import('../../conformance/targets.js')).postgresScratchTarget(url);
}
