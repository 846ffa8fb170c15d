import { T0 } from './fixtures.js';
import type { ConformanceTarget } from './types.js';

/**
 * Default run counts of the randomised requirements, sized to the target: every run opens
 * a fresh store, and a store costs microseconds in memory, milliseconds on a SQLite file and
 * a schema with its migrations on Postgres. A run count fixed for the fastest target would
 * make the slowest spend minutes; one fixed for the slowest would waste the fast ones'
 * chance to search. An explicit count (`numRuns`, `AGENT_STORAGE_RUNS`, `--runs`) always wins.
 */

export interface TargetCost {
  /** Opening a fresh store and closing it, in ms (the second one: the first pays for connections). */
  storeMs: number;
  /** One simple operation, in ms. */
  opMs: number;
}

/**
 * Measures `target` with throwaway stores: the first pays for connections and is not counted;
 * of the others, the fastest store and the fastest operations count. A single measurement
 * is a few milliseconds, which one pause of a busy machine (another process, a GC) can
 * multiply, and with it cut the run count: the default would then search less on a loaded
 * machine, and a mutant caught on every seed would slip through (it did, on 1 seed of 20).
 * The fastest of several is the target's own speed.
 */
export async function measureTarget(target: ConformanceTarget, samples = 4): Promise<TargetCost> {
  let cost: TargetCost = { storeMs: Number.POSITIVE_INFINITY, opMs: Number.POSITIVE_INFINITY };
  for (let i = 0; i < samples; i++) {
    const started = performance.now();
    const store = await target.create({ clock: () => T0 });
    const opened = performance.now();
    const sessionId = await store.createSession({
      agentName: 'a',
      provider: 'p',
      model: 'm',
      userPrompt: '',
    });
    for (let n = 0; n < 6; n++) await store.createMessage({ sessionId, role: 'user', content: String(n) });
    await store.getMessages(sessionId);
    await store.getSession(sessionId);
    const done = performance.now();
    await store.close();
    const closed = performance.now();
    if (i === 0) continue;
    cost = {
      storeMs: Math.min(cost.storeMs, opened - started + (closed - done)),
      opMs: Math.min(cost.opMs, (done - opened) / 9),
    };
  }
  return cost;
}

/**
 * How many runs of `opsPerRun` operations (plus `storesPerRun` fresh stores) fit in
 * `budgetMs`, between `min` and `max`.
 */
export function runsWithin(
  cost: TargetCost,
  plan: { budgetMs: number; opsPerRun: number; storesPerRun?: number; min: number; max: number },
): number {
  const perRun = cost.storeMs * (plan.storesPerRun ?? 1) + cost.opMs * plan.opsPerRun + 0.5;
  return Math.max(plan.min, Math.min(plan.max, Math.floor(plan.budgetMs / perRun)));
}
