import { performance } from 'node:perf_hooks';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/** One call of the operation under test; may be synchronous (raw better-sqlite3). */
export type Op = () => unknown;

export interface Budget {
  /** Measured time each side gets (warm-up excluded); rounds continue until both have had it. */
  seconds: number;
  /** At least this many measured calls per side, whatever the time. */
  minOps: number;
  /** Target length of one side's turn in a round, in ms (the drift-cancelling granularity). */
  roundMs: number;
  /** Warm-up per side before measuring (JIT, statement caches, page cache). */
  warmupSeconds: number;
}

export interface SideStats {
  ops: number;
  seconds: number;
  opsPerSec: number;
  meanMs: number;
  p50Ms: number;
  p99Ms: number;
}

export interface Comparison {
  kit: SideStats;
  raw: SideStats;
  /** kit ops/s ÷ raw ops/s. */
  ratio: number;
  /** 95% bootstrap interval of `ratio`, resampling rounds (each round pairs a kit turn with a raw turn). */
  ratioLow: number;
  ratioHigh: number;
  rounds: number;
  /** Calls per side per round. */
  perRound: number;
}

const isThenable = (v: unknown): v is PromiseLike<unknown> =>
  typeof v === 'object' && v !== null && typeof (v as { then?: unknown }).then === 'function';

/**
 * Runs `op` `n` times back to back, appending each call's latency (ms) to `samples`;
 * resolves to the total time. Consecutive timestamps are shared, so the sum of the
 * latencies is the turn's wall time. With `setup`, it runs before every call, untimed, and
 * the event loop turns and a full GC runs after it: each call is timed on its own and the
 * total is the sum of the calls' latencies.
 */
async function turn(op: Op, n: number, samples: number[], setup?: Op): Promise<number> {
  if (setup !== undefined) {
    let total = 0;
    for (let i = 0; i < n; i++) {
      const s = setup();
      if (isThenable(s)) await s;
      // A libsql appendBatch of 2,500 rows holds ≈ 12 MB of native memory until the loop
      // turns; and the setup's garbage (the kit's makes far more than the raw driver's) is
      // collected now, not inside the timed call: without this GC, the same DELETE measured
      // 0.71–1.33× kit/raw from run to run; with it 0.93–1.01× in five short trials, and
      // 0.88–1.10× in a full run (docs/performance.md).
      await letLoopTurn();
      fullGc();
      const start = performance.now();
      const r = op();
      if (isThenable(r)) await r;
      const ms = performance.now() - start;
      samples.push(ms);
      total += ms;
    }
    return total;
  }
  const start = performance.now();
  let t = start;
  for (let i = 0; i < n; i++) {
    const r = op();
    if (isThenable(r)) await r;
    const now = performance.now();
    samples.push(now - t);
    t = now;
  }
  return t - start;
}

function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil(p * sorted.length) - 1;
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank))] as number;
}

function stats(samples: number[], ms: number): SideStats {
  const sorted = Float64Array.from(samples).sort();
  return {
    ops: samples.length,
    seconds: ms / 1000,
    opsPerSec: samples.length / (ms / 1000),
    meanMs: ms / samples.length,
    p50Ms: percentile(sorted, 0.5),
    p99Ms: percentile(sorted, 0.99),
  };
}

/**
 * Lets the event loop run once, between turns (untimed). A turn of calls whose promises all
 * resolve at once (better-sqlite3; @libsql/client on a local file) never leaves the microtask
 * queue, and @libsql/client frees each statement's native memory only when the loop turns:
 * without this, the libsql latest-N and delete operations of one full run left the process
 * at 14 GB of RSS (≈ 3.6 KB per statement), and every later measurement ran in it.
 */
function letLoopTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** Untimed work before every call of a side: makes what the call consumes (a session to delete). */
export interface Setup {
  kit: Op;
  raw: Op;
}

/**
 * Measures `kit` against `raw` in alternating rounds: each round runs the same number of
 * calls on each side, and the side that goes first swaps every round, so drift of the
 * machine (thermal, neighbours, page cache, table growth) lands on both equally. With
 * `setup`, each side's setup runs before each of its calls, outside the timing (budgets
 * count call time only, so such a run takes longer than `budget.seconds`).
 */
export async function compare(kit: Op, raw: Op, budget: Budget, setup?: Setup): Promise<Comparison> {
  // Warm-up, alternating too; its timings size the rounds.
  const warm = { kit: [] as number[], raw: [] as number[] };
  const warmTime = { kit: 0, raw: 0 };
  for (
    let n = 1;
    warmTime.kit < budget.warmupSeconds * 1000 || warmTime.raw < budget.warmupSeconds * 1000;
  ) {
    warmTime.kit += await turn(kit, n, warm.kit, setup?.kit);
    await letLoopTurn();
    warmTime.raw += await turn(raw, n, warm.raw, setup?.raw);
    await letLoopTurn();
    n = Math.min(n * 2, 1000);
  }
  const slowest = Math.max(warmTime.kit / warm.kit.length, warmTime.raw / warm.raw.length);
  const perRound = Math.max(1, Math.min(10_000, Math.round(budget.roundMs / slowest)));

  const samples = { kit: [] as number[], raw: [] as number[] };
  const time = { kit: 0, raw: 0 };
  const turns = { kit: [] as number[], raw: [] as number[] };
  let rounds = 0;
  const done = () =>
    time.kit >= budget.seconds * 1000 &&
    time.raw >= budget.seconds * 1000 &&
    samples.kit.length >= budget.minOps;
  while (!done()) {
    const order: ('kit' | 'raw')[] = rounds % 2 === 0 ? ['kit', 'raw'] : ['raw', 'kit'];
    for (const side of order) {
      const ms = await turn(side === 'kit' ? kit : raw, perRound, samples[side], setup?.[side]);
      time[side] += ms;
      turns[side].push(ms);
      await letLoopTurn();
    }
    rounds++;
  }
  const k = stats(samples.kit, time.kit);
  const r = stats(samples.raw, time.raw);
  const [ratioLow, ratioHigh] = bootstrapRatio(turns.kit, turns.raw);
  return { kit: k, raw: r, ratio: k.opsPerSec / r.opsPerSec, ratioLow, ratioHigh, rounds, perRound };
}

/**
 * 95% interval of Σraw ÷ Σkit (= kit/raw throughput, both sides making the same calls per
 * round) by resampling whole rounds; a fixed seed keeps reports reproducible.
 */
export function bootstrapRatio(
  kit: readonly number[],
  raw: readonly number[],
  resamples = 2000,
): [number, number] {
  let seed = 0x9e3779b9;
  const random = () => {
    // mulberry32
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const n = kit.length;
  const ratios = new Float64Array(resamples);
  for (let b = 0; b < resamples; b++) {
    let k = 0;
    let r = 0;
    for (let i = 0; i < n; i++) {
      const j = Math.floor(random() * n);
      k += kit[j] as number;
      r += raw[j] as number;
    }
    ratios[b] = r / k;
  }
  ratios.sort();
  return [percentile(ratios, 0.025), percentile(ratios, 0.975)];
}

let collect: (() => void) | null | undefined;
/** Holds a result while the heap is measured, so it cannot be collected early. */
let sink: unknown;

/** A full garbage collection, when the runtime lets us have one (`--expose-gc`, or enabled here). */
export function fullGc(): boolean {
  if (collect === undefined) {
    const exposed = (globalThis as { gc?: () => void }).gc;
    if (typeof exposed === 'function') {
      collect = exposed;
    } else {
      try {
        setFlagsFromString('--expose-gc');
        collect = runInNewContext('gc') as () => void;
      } catch {
        collect = null;
      }
    }
  }
  collect?.();
  return collect !== null;
}

export interface HeapUse {
  /** `heapUsed` after the call minus before it (a GC first): what the call allocated and had not yet freed. */
  allocatedBytes: number;
  /** `heapUsed` after another GC with the result still referenced, minus before: the result's live size. */
  retainedBytes: number;
  /** Whether GCs were available; without them both numbers are noisy. */
  gc: boolean;
}

/** Heap cost of one call of `op` (`process.memoryUsage().heapUsed` before and after). */
export async function heapUse(op: Op): Promise<HeapUse> {
  const gc = fullGc();
  const before = process.memoryUsage().heapUsed;
  sink = op();
  if (isThenable(sink)) sink = await sink;
  const after = process.memoryUsage().heapUsed;
  fullGc();
  const retained = process.memoryUsage().heapUsed;
  sink = undefined;
  return { allocatedBytes: after - before, retainedBytes: retained - before, gc };
}
