import type { AgentStorage } from '../contract/storage.js';
import type { OpenMode } from '../registry.js';
import type { PostgresOptions } from './postgres.js';
import { checkOptions, loadDriver, loadOnce, parseUrl } from './url-options.js';

/** The driver's module, imported on the first open. */
const driver = loadOnce(() => import('./postgres.js'));

const ADAPTER = 'postgres';

/** Its stores are migrated with migrations/postgres/. */
export const migrationDialect = 'postgres';

/**
 * `postgres://…` or `postgresql://…`; the kit's own `?schema=` is taken off, the rest goes to
 * pg untouched. Read-only: no session setting is changed (a pooler may share the connection);
 * the store sends queries only, and a schema or log table that is not there reads as nothing
 * applied.
 */
export async function openUrl(
  url: string,
  options: Readonly<Record<string, unknown>>,
  mode: Readonly<OpenMode> = {},
): Promise<AgentStorage> {
  const parsed = parseUrl(ADAPTER, url);
  const schema = parsed.searchParams.get('schema') ?? undefined;
  parsed.searchParams.delete('schema');
  const own = checkOptions<PostgresOptions>(ADAPTER, options, ['schema', 'max', 'connectionTimeoutMs']);
  const { PostgresAgentStorage } = await loadDriver(ADAPTER, 'pg', driver);
  const readOnly = mode.readOnly === true ? { readOnly: true } : {};
  return new PostgresAgentStorage(parsed.toString(), { schema, ...own, ...readOnly });
}

/** A scratch database on the server `url` names, dropped afterwards: verify never writes into `url`'s own. */
export async function scratchTarget(url: string) {
  return (await import('../../conformance/targets.js')).postgresScratchTarget(url);
}
