import type { AgentStorage } from '../contract/storage.js';
import type { PostgresOptions } from './postgres.js';
import { checkOptions, loadDriver, parseUrl } from './url-options.js';

const ADAPTER = 'postgres';

/** `postgres://…` or `postgresql://…`; the kit's own `?schema=` is taken off, the rest goes to pg untouched. */
export async function openUrl(
  url: string,
  options: Readonly<Record<string, unknown>>,
): Promise<AgentStorage> {
  const parsed = parseUrl(ADAPTER, url);
  const schema = parsed.searchParams.get('schema') ?? undefined;
  parsed.searchParams.delete('schema');
  const own = checkOptions<PostgresOptions>(ADAPTER, options, ['schema', 'max', 'connectionTimeoutMs']);
  const { PostgresAgentStorage } = await loadDriver(ADAPTER, 'pg', () => import('./postgres.js'));
  return new PostgresAgentStorage(parsed.toString(), { schema, ...own });
}

/** A scratch database on the server `url` names, dropped afterwards: verify never writes into `url`'s own. */
export async function scratchTarget(url: string) {
  return (await import('../../conformance/targets.js')).postgresScratchTarget(url);
}
