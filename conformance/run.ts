import type { AgentStorage } from '../src/contract/storage.js';
import { T0 } from './fixtures.js';
import { requirements as allRequirements } from './requirements/index.js';
import type {
  ConformanceReport,
  ConformanceTarget,
  Need,
  Requirement,
  RequirementResult,
  TestClock,
} from './types.js';

/** The suite's version; reports carry it so a result can be tied to the rules it checked. */
export const SUITE_VERSION = '0.1.0';

export interface RunOptions {
  /** Only requirements whose id matches (substring or RegExp). */
  grep?: string | RegExp | undefined;
  /** Called after each requirement, for progress output. */
  onResult?: ((result: RequirementResult) => void) | undefined;
  /** Default: every requirement. */
  requirements?: readonly Requirement[] | undefined;
  /** Seed of the property-based requirements. Default: `AGENT_STORAGE_SEED`, else random (and reported). */
  seed?: number | undefined;
  /** Random runs per property-based requirement. Default: `AGENT_STORAGE_RUNS`, else the requirement's own. */
  runs?: number | undefined;
}

function makeClock(): TestClock {
  const clock = { now: T0, read: () => clock.now };
  return clock;
}

function missing(
  need: Need,
  target: ConformanceTarget,
  store: AgentStorage,
): { status: 'skipped' | 'not-applicable'; reason: string } | undefined {
  if (need === 'inspect' && !target.inspect)
    return { status: 'skipped', reason: 'the target has no inspect hooks' };
  if (need === 'reopen' && !target.reopen) return { status: 'skipped', reason: 'the target has no reopen()' };
  if (need !== 'inspect' && need !== 'reopen' && store.capabilities[need] !== true) {
    return { status: 'not-applicable', reason: `the adapter does not declare capabilities.${need}` };
  }
  return undefined;
}

/** The seed to use: the caller's, else `AGENT_STORAGE_SEED`, else a fresh random one. */
export function resolveSeed(seed?: number): number {
  if (seed !== undefined) return seed;
  const env = Number(process.env.AGENT_STORAGE_SEED);
  return process.env.AGENT_STORAGE_SEED && Number.isSafeInteger(env)
    ? env
    : Math.floor(Math.random() * 2 ** 31);
}

/** The run count to use: the caller's, else `AGENT_STORAGE_RUNS`, else `undefined` (each requirement's default). */
export function resolveRuns(runs?: number): number | undefined {
  if (runs !== undefined) return runs;
  const env = Number(process.env.AGENT_STORAGE_RUNS);
  return process.env.AGENT_STORAGE_RUNS && Number.isSafeInteger(env) && env > 0 ? env : undefined;
}

/** Runs one requirement against a fresh store of `target`; never throws. */
export async function runRequirement(
  target: ConformanceTarget,
  requirement: Requirement,
  random: { seed: number; runs: number | undefined } = { seed: resolveSeed(), runs: resolveRuns() },
): Promise<RequirementResult> {
  const started = performance.now();
  const result = (status: RequirementResult['status'], message?: string): RequirementResult => ({
    id: requirement.id,
    title: requirement.title,
    status,
    durationMs: Math.round((performance.now() - started) * 10) / 10,
    ...(message === undefined ? {} : { message }),
  });
  const clock = makeClock();
  const opened: AgentStorage[] = [];
  try {
    const store = await target.create({ clock: clock.read });
    opened.push(store);
    for (const need of requirement.needs ?? []) {
      const gap = missing(need, target, store);
      if (gap !== undefined) return result(gap.status, gap.reason);
    }
    await requirement.run({
      store,
      clock,
      target,
      reopen: async () => {
        if (!target.reopen) throw new Error('the target has no reopen()');
        const again = await target.reopen(store, { clock: clock.read });
        opened.push(again);
        return again;
      },
      seed: random.seed,
      runs: random.runs,
    });
    for (const s of opened.splice(0)) await s.close();
    return result('passed');
  } catch (e) {
    return result('failed', e instanceof Error ? e.message : String(e));
  } finally {
    for (const s of opened) await s.close().catch(() => undefined);
  }
}

/**
 * Runs the suite against `target` and returns a report; never throws for a failing
 * requirement. Runner-agnostic: the Vitest binding and the CLI are thin layers over it.
 */
export async function runConformance(
  target: ConformanceTarget,
  options: RunOptions = {},
): Promise<ConformanceReport> {
  const started = performance.now();
  const startedAt = new Date().toISOString();
  const grep = options.grep;
  const selected = (options.requirements ?? allRequirements).filter((r) =>
    grep === undefined ? true : typeof grep === 'string' ? r.id.includes(grep) : grep.test(r.id),
  );
  const random = { seed: resolveSeed(options.seed), runs: resolveRuns(options.runs) };
  const results: RequirementResult[] = [];
  let capabilities: Record<string, unknown> = {};
  let adapter = target.name;
  try {
    const probe = await target.create({ clock: makeClock().read });
    capabilities = { ...probe.capabilities };
    adapter = probe.adapter;
    await probe.close();
    for (const requirement of selected) {
      const r = await runRequirement(target, requirement, random);
      results.push(r);
      options.onResult?.(r);
    }
  } finally {
    await target.teardown?.();
  }
  return {
    suiteVersion: SUITE_VERSION,
    target: target.name,
    seed: random.seed,
    adapter,
    capabilities,
    startedAt,
    durationMs: Math.round(performance.now() - started),
    passed: results.filter((r) => r.status === 'passed').length,
    failed: results.filter((r) => r.status === 'failed').length,
    skipped: results.filter((r) => r.status === 'skipped').length,
    notApplicable: results.filter((r) => r.status === 'not-applicable').length,
    results,
  };
}
