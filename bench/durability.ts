import { join } from 'node:path';
import { createStorage } from '../src/create-storage.js';
import { type Budget, compare } from './harness.js';

/** What `durability: 'full'` costs against `normal`, per SQLite adapter: single appends, one at a time. */
export interface DurabilityResult {
  adapter: string;
  normal: { opsPerSec: number; p50Ms: number; p99Ms: number };
  full: { opsPerSec: number; p50Ms: number; p99Ms: number };
  /** full ops/s ÷ normal ops/s, with its 95% interval. */
  ratio: number;
  ratioInterval: [number, number];
}

/**
 * Appends messages to two stores of one adapter, alternating in rounds as the kit/raw
 * comparisons do: one file with `durability=normal` (WAL, synchronous=NORMAL: no fsync on
 * commit), one with `durability=full` (an fsync per commit). The difference is what the
 * disk's fsync costs on this machine.
 */
export async function durabilityCost(
  adapter: string,
  dir: string,
  budget: Budget,
): Promise<DurabilityResult> {
  const open = (mode: string) =>
    createStorage(`${adapter}:${join(dir, `durability-${adapter}-${mode}.db`)}?durability=${mode}`);
  const normal = await open('normal');
  const full = await open('full');
  try {
    const session = (s: typeof normal) =>
      s.createSession({ agentName: 'bench', provider: 'p', model: 'm', userPrompt: 'durability' });
    const [ns, fs] = [await session(normal), await session(full)];
    const content = 'x'.repeat(200);
    const c = await compare(
      () => full.createMessage({ sessionId: fs, role: 'assistant', content }),
      () => normal.createMessage({ sessionId: ns, role: 'assistant', content }),
      budget,
    );
    return {
      adapter,
      full: { opsPerSec: c.kit.opsPerSec, p50Ms: c.kit.p50Ms, p99Ms: c.kit.p99Ms },
      normal: { opsPerSec: c.raw.opsPerSec, p50Ms: c.raw.p50Ms, p99Ms: c.raw.p99Ms },
      ratio: c.ratio,
      ratioInterval: [c.ratioLow, c.ratioHigh],
    };
  } finally {
    await normal.close();
    await full.close();
  }
}
