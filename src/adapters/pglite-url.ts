import type { AgentStorage } from '../contract/storage.js';
import type { PgliteOptions } from './pglite.js';
import { checkOptions, loadDriver, splitUrlOptions } from './url-options.js';

const ADAPTER = 'pglite';

/** `pglite:` (in memory) or `pglite:./data-folder`, with `?schema=`. */
export async function openUrl(url: string, given: Readonly<Record<string, unknown>>): Promise<AgentStorage> {
  const { rest, options: fromUrl } = splitUrlOptions(ADAPTER, url, { schema: (v) => v });
  const path = rest.slice('pglite:'.length);
  const own = checkOptions<PgliteOptions>(ADAPTER, given, ['schema']);
  const { PgliteAgentStorage } = await loadDriver(
    ADAPTER,
    '@electric-sql/pglite',
    () => import('./pglite.js'),
  );
  return new PgliteAgentStorage(path === '' ? undefined : path, { ...fromUrl, ...own });
}

/** One in-memory instance, a schema per store. */
export async function scratchTarget() {
  return (await import('../../conformance/targets.js')).pgliteTarget();
}
