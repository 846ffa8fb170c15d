import type { AgentStorage, Capabilities } from '../src/contract/storage.js';
import { T0 } from './fixtures.js';
import { requirements as allRequirements, faultRequirements } from './requirements/index.js';
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
  /**
   * Also run the fault tier (`faults.*`: killed writers, full disks, held locks, dropped
   * connections) on a target with `faults` hooks. `true`, or the number of crash trials
   * (default 30). Off by default: it spawns processes and takes tens of seconds.
   */
  faults?: boolean | { crashTrials?: number } | undefined;
  /** Stops before the next requirement once aborted (Ctrl-C); the target's teardown still runs. */
  signal?: AbortSignal | undefined;
}

/** Crash trials when the caller asks for the fault tier without saying how many. */
export const DEFAULT_CRASH_TRIALS = 30;

/** Settings that reach each requirement besides its store. */
export interface RunSettings {
  seed: number;
  runs: number | undefined;
  crashTrials: number;
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
  if (need.startsWith('faults.')) {
    const hook = need.slice('faults.'.length) as keyof NonNullable<ConformanceTarget['faults']>;
    // What the target does not offer is not applicable: a server has no files, a file no server.
    if (target.faults === undefined) return { status: 'skipped', reason: 'the target has no faults hooks' };
    if (!target.faults[hook]) return { status: 'not-applicable', reason: `the target has no faults.${hook}` };
    return undefined;
  }
  if (need !== 'inspect' && need !== 'reopen' && store.capabilities[need as keyof Capabilities] !== true) {
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

/** The crash-trial count `faults` asks for; 0 when the fault tier is off. */
export function resolveCrashTrials(faults: RunOptions['faults']): number {
  if (faults === undefined || faults === false) return 0;
  return faults === true ? DEFAULT_CRASH_TRIALS : (faults.crashTrials ?? DEFAULT_CRASH_TRIALS);
}

/** Runs one requirement against a fresh store of `target`; never throws. */
export async function runRequirement(
  target: ConformanceTarget,
  requirement: Requirement,
  settings: Partial<RunSettings> = {},
): Promise<RequirementResult> {
  const started = performance.now();
  const details: Record<string, number> = {};
  const result = (status: RequirementResult['status'], message?: string): RequirementResult => ({
    id: requirement.id,
    title: requirement.title,
    status,
    durationMs: Math.round((performance.now() - started) * 10) / 10,
    ...(message === undefined ? {} : { message }),
    ...(Object.keys(details).length === 0 ? {} : { details }),
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
      seed: settings.seed ?? resolveSeed(),
      runs: settings.runs ?? resolveRuns(),
      crashTrials: settings.crashTrials || DEFAULT_CRASH_TRIALS,
      tally(counts) {
        for (const [key, n] of Object.entries(counts)) details[key] = (details[key] ?? 0) + n;
      },
    });
    for (const s of opened.splice(0)) await s.close();
    return result('passed');
  } catch (e) {
    return result('failed', e instanceof Error ? e.message : String(e));
  } finally {
    for (const s of opened) await s.close().catch(() => undefined);
  }
}

/** The requirements a run would run: all (the fault tier when asked), or those whose id matches `grep`. */
export function selectRequirements(
  pool: readonly Requirement[] | undefined,
  grep: string | RegExp | undefined,
  faults: boolean,
): Requirement[] {
  return (pool ?? [...allRequirements, ...(faults ? faultRequirements : [])]).filter((r) =>
    grep === undefined ? true : typeof grep === 'string' ? r.id.includes(grep) : grep.test(r.id),
  );
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
  const crashTrials = resolveCrashTrials(options.faults);
  const selected = selectRequirements(options.requirements, grep, crashTrials > 0);
  const random: RunSettings = {
    seed: resolveSeed(options.seed),
    runs: resolveRuns(options.runs),
    crashTrials,
  };
  const results: RequirementResult[] = [];
  let capabilities: Record<string, unknown> = {};
  let adapter = target.name;
  try {
    const probe = await target.create({ clock: makeClock().read });
    capabilities = { ...probe.capabilities };
    adapter = probe.adapter;
    await probe.close();
    for (const requirement of selected) {
      if (options.signal?.aborted) break;
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
