/**
 * Kit vs raw driver, per adapter and operation, in one process.
 *
 *   node --import tsx bench/run.ts [--quick] [--json FILE] [--adapter NAME]... [--op ID]... [--scale N] [--kit DIR]
 *
 * Each adapter is opened twice over scratch stores (files in a temp dir; scratch Postgres
 * schemas, dropped afterwards): once through the kit, once straight on its driver running
 * the same SQL. Kit and raw calls alternate in small rounds, so machine drift cancels out.
 * Postgres runs when `AGENT_STORAGE_BENCH_POSTGRES_URL` (default the local server) answers.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { type DurabilityResult, durabilityCost } from './durability.js';
import { type Budget, type Comparison, compare, fullGc, type HeapUse, heapUse } from './harness.js';
import {
  FLAT_LIMIT,
  GROWTH_STEPS,
  type GrowthResult,
  type GrowthStores,
  messageGrowth,
  sessionGrowth,
} from './memory.js';
import {
  type BenchStores,
  OPERATIONS,
  type Operation,
  SERIES,
  SERIES_FLAT_LIMIT,
  type SeriesId,
  SIZES,
  type Sizes,
  skipReason,
  targetOf,
} from './operations.js';
import { sqlDrift } from './raw/sql.js';
import {
  DEFAULT_POSTGRES_URL,
  libsqlTarget,
  type OpenedTarget,
  postgresTarget,
  postgresUnavailable,
  sqliteTarget,
  type Target,
  useKitFrom,
} from './targets.js';
import { DEFAULT_SCALE, type TransferResult, transferScale } from './transfer.js';

interface Args {
  quick: boolean;
  json: string | undefined;
  adapters: string[];
  ops: string[];
  /** Sessions in the transfer check's store (`--scale`). */
  scale: number | undefined;
  /** Another checkout whose kit is measured (`--kit`): a change's before, against this harness and raw side. */
  kit: string | undefined;
}

function parseArgs(argv: string[]): Args {
  const args: Args = {
    quick: false,
    json: undefined,
    adapters: [],
    ops: [],
    scale: undefined,
    kit: undefined,
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    if (a === '--quick') args.quick = true;
    else if (a === '--json') args.json = value();
    else if (a === '--adapter') args.adapters.push(value());
    else if (a === '--op') args.ops.push(value());
    else if (a === '--kit') args.kit = value();
    else if (a === '--scale') {
      const n = Number(value());
      if (!Number.isSafeInteger(n) || n < 1)
        throw new Error('--scale needs a positive whole number of sessions');
      args.scale = n;
    } else
      throw new Error(
        `unknown argument ${a}; usage: bench/run.ts [--quick] [--json FILE] [--adapter NAME] [--op ID] [--scale N] [--kit DIR]`,
      );
  }
  return args;
}

/** Memory-growth checks (bench/memory.ts), selectable with `--op` like operations. */
const GROWTH_CHECKS = {
  'memory-sessions': sessionGrowth,
  'memory-messages': messageGrowth,
} as const;
type GrowthCheck = keyof typeof GROWTH_CHECKS;

/** Quick: a smoke test for CI (well under a minute in all). Full: a few minutes, stable ratios. */
const BUDGETS: Record<'quick' | 'full', Budget> = {
  quick: { seconds: 0.25, minOps: 20, roundMs: 10, warmupSeconds: 0.05 },
  full: { seconds: 6, minOps: 200, roundMs: 50, warmupSeconds: 1 },
};

interface Result {
  adapter: string;
  operation: string;
  title: string;
  kind: 'write' | 'read';
  target: number;
  kit: Comparison['kit'];
  raw: Comparison['raw'];
  ratio: number;
  /** 95% interval of `ratio` (bootstrap over rounds). */
  ratioInterval: [number, number];
  /** The point estimate meets the target. */
  met: boolean;
  /** `met` / `missed` when the whole interval is on one side of the target, else `within noise`. */
  verdict: 'met' | 'missed' | 'within noise';
  rounds: number;
  perRound: number;
  heap?: { kit: HeapUse; raw: HeapUse };
  /** The operation's series and size, when it is one size of a series. */
  series?: { id: SeriesId; size: number };
}

/** One series on one adapter: the time per call at each size, and how much it grows. */
interface SeriesResult {
  adapter: string;
  series: SeriesId;
  /** What the size counts. */
  what: string;
  points: { operation: string; size: number; kitMeanMs: number; rawMeanMs: number; kitP50Ms: number }[];
  /** Kit mean time per call at the largest size ÷ at the smallest (`null` with fewer than two sizes). */
  growth: number | null;
  rawGrowth: number | null;
  /** `growth` at most SERIES_FLAT_LIMIT; `null` with fewer than two sizes. */
  flat: boolean | null;
}

interface Skipped {
  adapter: string;
  operation: string;
  reason: string;
}

function versionOf(pkg: string): string {
  try {
    const json = readFileSync(join(import.meta.dirname, '..', 'node_modules', pkg, 'package.json'), 'utf8');
    return (JSON.parse(json) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

const fmtOps = (n: number) =>
  n >= 100 ? Math.round(n).toLocaleString('en-US') : n.toLocaleString('en-US', { maximumFractionDigits: 1 });
const fmtMs = (ms: number) => (ms >= 10 ? ms.toFixed(1) : ms >= 1 ? ms.toFixed(2) : ms.toFixed(3));
const fmtMb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;

function table(rows: string[][]): string {
  const [head, ...body] = rows as [string[], ...string[][]];
  const widths = head.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length)));
  const line = (r: string[]) =>
    `| ${r.map((cell, c) => (c < 2 ? cell.padEnd(widths[c] ?? 0) : cell.padStart(widths[c] ?? 0))).join(' | ')} |`;
  const rule = `|${widths.map((w, c) => (c < 2 ? `${'-'.repeat(w + 1)}-` : `${'-'.repeat(w + 1)}:`)).join('|')}|`;
  return [line(head), rule, ...body.map(line)].join('\n');
}

/** `met`, `MISSED`, or, when the interval straddles the target, which side the point estimate is on. */
function verdictText(r: Result): string {
  if (r.verdict === 'met') return 'met';
  if (r.verdict === 'missed') return 'MISSED';
  return r.met ? 'met (within noise)' : 'MISSED (within noise)';
}

function resultsTable(results: readonly Result[]): string {
  return table([
    [
      'adapter',
      'operation',
      'kit ops/s',
      'raw ops/s',
      'kit/raw',
      '95% interval',
      'target',
      'kit p50 ms',
      'raw p50 ms',
      'kit p99 ms',
      'raw p99 ms',
    ],
    ...results.map((r) => [
      r.adapter,
      r.title,
      fmtOps(r.kit.opsPerSec),
      fmtOps(r.raw.opsPerSec),
      `${r.ratio.toFixed(2)}×`,
      `${r.ratioInterval[0].toFixed(2)}–${r.ratioInterval[1].toFixed(2)}`,
      `≥ ${r.target}× ${verdictText(r)}`,
      fmtMs(r.kit.p50Ms),
      fmtMs(r.raw.p50Ms),
      fmtMs(r.kit.p99Ms),
      fmtMs(r.raw.p99Ms),
    ]),
  ]);
}

function heapTable(results: readonly Result[]): string {
  const withHeap = results.filter((r) => r.heap !== undefined);
  return table([
    ['adapter', 'operation', 'kit allocated', 'raw allocated', 'kit retained', 'raw retained'],
    ...withHeap.map((r) => {
      const h = r.heap as NonNullable<Result['heap']>;
      return [
        r.adapter,
        r.title,
        fmtMb(h.kit.allocatedBytes),
        fmtMb(h.raw.allocatedBytes),
        fmtMb(h.kit.retainedBytes),
        fmtMb(h.raw.retainedBytes),
      ];
    }),
  ]);
}

const fmtKb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;

function growthTable(growth: readonly GrowthResult[]): string {
  return table([
    ['adapter', 'list', 'rows', 'page', 'kit allocated', 'raw allocated'],
    ...growth.flatMap((g) =>
      g.points.map((p) => [
        g.adapter,
        g.list,
        p.rows.toLocaleString('en-US'),
        p.page,
        `${p.lowerBound ? '≥ ' : ''}${fmtKb(p.kitBytes)}`,
        `${p.lowerBound ? '≥ ' : ''}${fmtKb(p.rawBytes)}`,
      ]),
    ),
  ]);
}

function growthVerdict(g: GrowthResult): string {
  const longer = (g.points.at(-1)?.rows ?? 0) / (g.points[0]?.rows ?? 1);
  const bound = g.points.some((p) => p.lowerBound)
    ? ' (some counts are lower bounds: a GC ran inside one call)'
    : '';
  return (
    `${g.adapter} ${g.list}: over a ${longer}× longer list a page call allocates ×${g.growth.toFixed(2)} ` +
    `through the kit, ×${g.rawGrowth.toFixed(2)} raw (${g.flat ? 'flat' : `NOT FLAT: limit ×${FLAT_LIMIT}`})${bound}`
  );
}

const fmtUs = (ms: number) =>
  (ms * 1000).toLocaleString('en-US', {
    minimumFractionDigits: ms < 1 ? 1 : 0,
    maximumFractionDigits: ms < 1 ? 1 : 0,
  });

/** The series among `results`, per adapter: per-call times side by side and the growth. */
function seriesOf(results: readonly Result[]): SeriesResult[] {
  const out: SeriesResult[] = [];
  for (const r of results) {
    if (r.series === undefined) continue;
    let s = out.find((x) => x.adapter === r.adapter && x.series === r.series?.id);
    if (s === undefined) {
      s = {
        adapter: r.adapter,
        series: r.series.id,
        what: SERIES[r.series.id].what,
        points: [],
        growth: null,
        rawGrowth: null,
        flat: null,
      };
      out.push(s);
    }
    s.points.push({
      operation: r.operation,
      size: r.series.size,
      kitMeanMs: r.kit.meanMs,
      rawMeanMs: r.raw.meanMs,
      kitP50Ms: r.kit.p50Ms,
    });
  }
  for (const s of out) {
    s.points.sort((a, b) => a.size - b.size);
    const [first, last] = [s.points[0], s.points.at(-1)];
    if (first === undefined || last === undefined || s.points.length < 2) continue;
    s.growth = last.kitMeanMs / first.kitMeanMs;
    s.rawGrowth = last.rawMeanMs / first.rawMeanMs;
    s.flat = s.growth <= SERIES_FLAT_LIMIT;
  }
  return out;
}

function seriesTable(series: readonly SeriesResult[]): string {
  const sizes = (s: SeriesResult) => s.points.map((p) => p.size.toLocaleString('en-US')).join(' / ');
  const times = (s: SeriesResult, f: (p: SeriesResult['points'][number]) => number) =>
    s.points.map((p) => fmtUs(f(p))).join(' / ');
  return table([
    ['adapter', 'series', 'sizes', 'kit µs/call', 'raw µs/call', 'kit ×', 'raw ×'],
    ...series.map((s) => [
      s.adapter,
      `${s.series} (${s.what})`,
      sizes(s),
      times(s, (p) => p.kitMeanMs),
      times(s, (p) => p.rawMeanMs),
      s.growth === null ? '–' : `×${s.growth.toFixed(2)}`,
      s.rawGrowth === null ? '–' : `×${s.rawGrowth.toFixed(2)}`,
    ]),
  ]);
}

function seriesVerdict(s: SeriesResult): string {
  const [first, last] = [s.points[0], s.points.at(-1)];
  if (s.growth === null || s.rawGrowth === null || first === undefined || last === undefined)
    return `${s.adapter} ${s.series}: one size measured, nothing to compare`;
  return (
    `${s.adapter} ${s.series}: at ${last.size.toLocaleString('en-US')} ${s.what} a call takes ` +
    `×${s.growth.toFixed(2)} the time at ${first.size.toLocaleString('en-US')} through the kit, ` +
    `×${s.rawGrowth.toFixed(2)} raw (${s.flat ? 'flat' : `NOT FLAT: limit ×${SERIES_FLAT_LIMIT}`})`
  );
}

const fmtRate = (n: number) => Math.round(n).toLocaleString('en-US');

/** `sqlite`, or `sqlite → postgres` for a copy between two adapters. */
const transferName = (t: TransferResult) =>
  t.source === t.adapter ? t.adapter : `${t.source} → ${t.adapter}`;

function transferLines(t: TransferResult): string[] {
  const e = t.export;
  return [
    `${transferName(t)}: ${t.sessions.toLocaleString('en-US')} sessions / ${t.messages.toLocaleString('en-US')} messages ` +
      `(generated in ${t.generateSeconds.toFixed(1)} s)`,
    ...(e === undefined
      ? []
      : [
          `  export: ${fmtRate(e.sessionsPerSec)} sessions/s, ${fmtRate(e.messagesPerSec)} messages/s ` +
            `(${e.seconds.toFixed(1)} s, ${fmtMb(e.bytes)} JSONL); RSS ${fmtMb(e.startBytes)} → peak ${fmtMb(e.peakBytes)}, ` +
            `heap peak ${fmtMb(e.peakHeapBytes)}`,
        ]),
    `  copy: ${fmtRate(t.copy.sessionsPerSec)} sessions/s, ${fmtRate(t.copy.messagesPerSec)} messages/s ` +
      `(${t.copy.seconds.toFixed(1)} s: writing ${t.copy.writeSeconds.toFixed(1)} s, verifying ${t.copy.verifySeconds.toFixed(1)} s); ` +
      `RSS ${fmtMb(t.copy.startBytes)} → peak ${fmtMb(t.copy.peakBytes)}, heap peak ${fmtMb(t.copy.peakHeapBytes)}`,
    `  batch append (createSession per session, appendBatch per group as the copy groups, nothing read): ${fmtRate(t.batchAppend.sessionsPerSec)} sessions/s, ` +
      `${fmtRate(t.batchAppend.messagesPerSec)} messages/s (${t.batchAppend.seconds.toFixed(1)} s)`,
    `  copy ÷ batch append: ${t.ratio.toFixed(2)}× [${t.ratioInterval[0].toFixed(2)}–${t.ratioInterval[1].toFixed(2)}] ` +
      `over ${t.rounds} alternating rounds (target ≥ ${t.target}×: ${t.met ? 'met' : 'MISSED'}); ` +
      `writing phase alone ${t.writeRatio.toFixed(2)}×`,
  ];
}

function durabilityLine(d: DurabilityResult): string {
  return (
    `${d.adapter}: durability=full appends at ${d.ratio.toFixed(2)}× the rate of normal ` +
    `[${d.ratioInterval[0].toFixed(2)}–${d.ratioInterval[1].toFixed(2)}] ` +
    `(${fmtOps(d.full.opsPerSec)} vs ${fmtOps(d.normal.opsPerSec)} appends/s)`
  );
}

/**
 * `opened.close`, run once whether the work ends or Ctrl-C arrives while calls are in
 * flight (the interrupt handler calls it too); the caller clears `interrupted` when done.
 */
function closeOnInterrupt(opened: OpenedTarget): () => Promise<void> {
  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= opened.close();
    return closing;
  };
  interrupted = close;
  return close;
}

/** Grows a fresh pair of stores (in its own directory / schemas) and records a page call's heap at each size. */
async function runGrowth(
  target: Target,
  dir: string,
  checks: readonly GrowthCheck[],
  mode: 'quick' | 'full',
  growth: GrowthResult[],
): Promise<void> {
  if (checks.length === 0) return;
  const sub = join(dir, `${target.name}-growth`);
  mkdirSync(sub);
  const opened = await target.open(sub);
  const close = closeOnInterrupt(opened);
  try {
    const stores: GrowthStores = {
      kit: opened.kit,
      raw: opened.raw,
      seed: { kit: opened.kitSeeder, raw: opened.raw },
    };
    for (const check of checks) {
      const steps = GROWTH_STEPS[mode][check === 'memory-sessions' ? 'sessions' : 'messages'];
      const g = await GROWTH_CHECKS[check](target.name, stores, steps);
      growth.push(g);
      console.log(`  memory: ${growthVerdict(g)}`);
    }
  } finally {
    interrupted = undefined;
    await close();
  }
}

async function runTarget(
  target: Target,
  dir: string,
  ops: readonly Operation[],
  budget: Budget,
  sizes: Sizes,
  results: Result[],
  skipped: Skipped[],
): Promise<void> {
  console.log(`\n${target.name}: ${target.note}\n  raw baseline: ${target.rawDriver}`);
  const opened = await target.open(dir);
  const close = closeOnInterrupt(opened);
  // Fresh pairs an operation asked for (ctx.fresh): closed after it, or on Ctrl-C with the rest.
  const fresh: (() => Promise<void>)[] = [];
  const closeFresh = async () => {
    const closing = fresh.splice(0).map((c) => c());
    const failed = (await Promise.allSettled(closing)).find(
      (r): r is PromiseRejectedResult => r.status === 'rejected',
    );
    if (failed) throw failed.reason;
  };
  interrupted = () => closeFresh().finally(close);
  let freshStores = 0;
  try {
    for (const op of ops) {
      const title = op.title(sizes);
      const reason = skipReason(op, opened.kit);
      if (reason !== undefined || op.prepare === undefined) {
        console.log(`  ${title}: skipped ${reason}${op.note ? `; ${op.note}` : ''}`);
        skipped.push({ adapter: target.name, operation: op.id, reason: reason ?? '' });
        continue;
      }
      try {
        const prepared = await op.prepare({
          adapter: target.name,
          kit: opened.kit,
          raw: opened.raw,
          seed: { kit: opened.kitSeeder, raw: opened.raw },
          sizes,
          async fresh(): Promise<BenchStores> {
            const sub = join(dir, `${target.name}-fresh-${++freshStores}`);
            mkdirSync(sub);
            const pair = await target.open(sub);
            fresh.push(pair.close);
            return { kit: pair.kit, raw: pair.raw, seed: { kit: pair.kitSeeder, raw: pair.raw } };
          },
        });
        const heap = op.measureHeap
          ? { kit: await heapUse(prepared.kit), raw: await heapUse(prepared.raw) }
          : undefined;
        fullGc();
        const opBudget =
          op.maxSeconds === undefined
            ? budget
            : { ...budget, seconds: Math.min(budget.seconds, op.maxSeconds) };
        const c = await compare(prepared.kit, prepared.raw, opBudget, prepared.setup);
        const goal = targetOf(op, target.name);
        const result: Result = {
          adapter: target.name,
          operation: op.id,
          title,
          kind: op.kind,
          target: goal,
          kit: c.kit,
          raw: c.raw,
          ratio: c.ratio,
          ratioInterval: [c.ratioLow, c.ratioHigh],
          met: c.ratio >= goal,
          verdict: c.ratioLow >= goal ? 'met' : c.ratioHigh < goal ? 'missed' : 'within noise',
          rounds: c.rounds,
          perRound: c.perRound,
          ...(heap === undefined ? {} : { heap }),
          ...(op.series === undefined ? {} : { series: op.series }),
        };
        results.push(result);
        console.log(
          `  ${title}: kit ${fmtOps(c.kit.opsPerSec)} ops/s, raw ${fmtOps(c.raw.opsPerSec)} ops/s, ` +
            `kit/raw ${c.ratio.toFixed(2)}× [${c.ratioLow.toFixed(2)}–${c.ratioHigh.toFixed(2)}] ` +
            `(target ≥ ${goal}×: ${verdictText(result)}); ` +
            `${c.kit.ops} calls per side in ${c.rounds} rounds`,
        );
        if (heap) {
          console.log(
            `    heap for one call: kit allocated ${fmtMb(heap.kit.allocatedBytes)}, retained ${fmtMb(heap.kit.retainedBytes)}; ` +
              `raw allocated ${fmtMb(heap.raw.allocatedBytes)}, retained ${fmtMb(heap.raw.retainedBytes)}` +
              (heap.kit.gc ? '' : ' (no GC available: noisy)'),
          );
        }
      } finally {
        await closeFresh();
      }
    }
  } finally {
    interrupted = undefined;
    await close();
  }
}

/**
 * The transfer check on a target, from a source of its own adapter or of `from`'s: its own
 * scratch stores, removed afterwards.
 */
async function runTransfer(
  target: Target,
  dir: string,
  scale: number,
  from = target,
): Promise<TransferResult> {
  const sub = join(dir, `${from.name}-${target.name}-transfer`);
  mkdirSync(sub);
  const pair = from === target ? '' : ` from ${from.name}`;
  console.log(`  transfer at ${scale.toLocaleString('en-US')} sessions${pair}:`);
  try {
    const t = await transferScale(
      target,
      sub,
      scale,
      (line) => console.log(`    ${line}`),
      (close) => {
        interrupted = close;
      },
      from,
    );
    for (const line of transferLines(t).slice(1)) console.log(`  ${line}`);
    return t;
  } finally {
    interrupted = undefined;
  }
}

/** Cleans up the open target (scratch schemas) when the run is interrupted. */
let interrupted: (() => Promise<void>) | undefined;
let wasInterrupted = false;

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const mode = args.quick ? 'quick' : 'full';
  const budget = BUDGETS[mode];
  const started = Date.now();
  const cpu = cpus()[0]?.model ?? 'unknown';
  console.log(
    `agent-storage-kit benchmark (${mode}): Node ${process.version}, ${availableParallelism()} × ${cpu}, ` +
      `better-sqlite3 ${versionOf('better-sqlite3')}, @libsql/client ${versionOf('@libsql/client')}, pg ${versionOf('pg')}`,
  );

  if (args.kit !== undefined) {
    await useKitFrom(args.kit);
    console.log(`kit: the checkout at ${args.kit}, against this checkout's harness and raw baseline`);
  }
  // Other work on the machine skews even alternated rounds (and a shared Postgres server): say so.
  const loadBefore = loadavg();
  console.log(`load average before: ${loadBefore.map((l) => l.toFixed(2)).join(', ')}`);
  const postgresUrl = process.env.AGENT_STORAGE_BENCH_POSTGRES_URL ?? DEFAULT_POSTGRES_URL;
  const drift = await sqlDrift('bench');
  if (drift.length > 0) {
    console.warn(
      `WARNING: bench/raw/sql.ts no longer matches the kit's dialect SQL for: ${drift.join(', ')}.\n` +
        '         Kit and raw driver now run different statements; copy the new SQL into bench/raw/sql.ts.',
    );
  }

  const ops = OPERATIONS.filter((o) => args.ops.length === 0 || args.ops.includes(o.id));
  const checks = (Object.keys(GROWTH_CHECKS) as GrowthCheck[]).filter(
    (id) => args.ops.length === 0 || args.ops.includes(id),
  );
  const durability = args.ops.length === 0 || args.ops.includes('durability');
  const transfer = args.ops.length === 0 || args.ops.includes('transfer');
  const scale = args.scale ?? DEFAULT_SCALE[mode];
  const unknown = args.ops.filter(
    (id) =>
      !ops.some((o) => o.id === id) && !(id in GROWTH_CHECKS) && id !== 'durability' && id !== 'transfer',
  );
  if (unknown.length > 0) throw new Error(`unknown --op ${unknown.join(', ')}`);
  const wanted = (name: string) => args.adapters.length === 0 || args.adapters.includes(name);
  const targets: Target[] = [sqliteTarget, libsqlTarget].filter((t) => wanted(t.name));
  const skipped: Skipped[] = [];
  if (wanted('postgres')) {
    const why = await postgresUnavailable(postgresUrl);
    if (why === undefined) {
      targets.push(postgresTarget(postgresUrl));
    } else {
      console.log(
        `\npostgres: SKIPPED — no server answers at ${postgresUrl} (${why}). ` +
          'Set AGENT_STORAGE_BENCH_POSTGRES_URL to benchmark Postgres.',
      );
      skipped.push({ adapter: 'postgres', operation: '*', reason: `no server answers (${why})` });
    }
  }

  const dir = mkdtempSync(join(tmpdir(), 'agent-storage-bench-'));
  process.once('SIGINT', () => {
    wasInterrupted = true;
    console.error('\ninterrupted: removing scratch stores');
    void (interrupted?.() ?? Promise.resolve())
      .catch(() => undefined)
      .finally(() => {
        rmSync(dir, { recursive: true, force: true });
        process.exit(130);
      });
  });
  const results: Result[] = [];
  const growth: GrowthResult[] = [];
  const durabilities: DurabilityResult[] = [];
  const transfers: TransferResult[] = [];
  try {
    for (const target of targets) {
      await runTarget(target, dir, ops, budget, SIZES[mode], results, skipped);
      await runGrowth(target, dir, checks, mode, growth);
      if (durability && target.durability) {
        const d = await durabilityCost(target.name, dir, budget);
        durabilities.push(d);
        console.log(`  durability: ${durabilityLine(d)}`);
      }
      if (transfer) transfers.push(await runTransfer(target, dir, scale));
      // The usual move, from the embedded default to another backend (SQLite → Postgres is the CLI's headline).
      if (transfer && target !== sqliteTarget)
        transfers.push(await runTransfer(target, dir, scale, sqliteTarget));
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }

  const seconds = (Date.now() - started) / 1000;
  const loadAfter = loadavg();
  console.log(
    `\nResults (${mode}, ${seconds.toFixed(0)} s; ops/s = calls per second, one call at a time):\n`,
  );
  console.log(resultsTable(results));
  console.log(
    `\nload average before ${loadBefore[0]?.toFixed(2)}, after ${loadAfter.map((l) => l.toFixed(2)).join(', ')} ` +
      `(1, 5, 15 min; this run alone accounts for about 1–1.5 on ${availableParallelism()} CPUs)`,
  );
  if (results.some((r) => r.heap)) {
    console.log('\nHeap for one call (process.memoryUsage().heapUsed, after a full GC):\n');
    console.log(heapTable(results));
  }
  if (growth.length > 0) {
    console.log(
      '\nMemory while the list grows (heap one call of a 50-row page allocates; windows with a GC in them are thrown away):\n',
    );
    console.log(growthTable(growth));
    for (const g of growth) console.log(`- ${growthVerdict(g)}`);
  }
  if (durabilities.length > 0) {
    console.log('\nWhat durability=full costs (single appends, one at a time, alternating with normal):\n');
    console.log(
      table([
        ['adapter', 'setting', 'appends/s', 'p50 ms', 'p99 ms'],
        ...durabilities.flatMap((d) => [
          [d.adapter, 'normal', fmtOps(d.normal.opsPerSec), fmtMs(d.normal.p50Ms), fmtMs(d.normal.p99Ms)],
          [d.adapter, 'full', fmtOps(d.full.opsPerSec), fmtMs(d.full.p50Ms), fmtMs(d.full.p99Ms)],
        ]),
      ]),
    );
    for (const d of durabilities) console.log(`- ${durabilityLine(d)}`);
  }
  const series = seriesOf(results);
  if (series.length > 0) {
    console.log(
      '\nTime per call across sizes (mean µs per call, smallest size first; × = largest ÷ smallest):\n',
    );
    console.log(seriesTable(series));
    for (const s of series) console.log(`- ${seriesVerdict(s)}`);
  }
  if (transfers.length > 0) {
    console.log(
      '\nExport and copy at scale (export: one pass; copy and batch append: alternating rounds over slices of the store; RSS sampled every 100 sessions):\n',
    );
    for (const t of transfers) for (const line of transferLines(t)) console.log(line);
  }
  const missed = results.filter((r) => !r.met);
  const notFlat = growth.filter((g) => !g.flat);
  const slower = series.filter((s) => s.flat === false);
  const slowCopies = transfers.filter((t) => !t.met);
  console.log(
    missed.length === 0 && notFlat.length === 0 && slower.length === 0 && slowCopies.length === 0
      ? '\nEvery measured operation meets its target.'
      : `\nBelow target: ${[
          ...missed.map((r) => `${r.adapter} ${r.operation} ${r.ratio.toFixed(2)}× < ${r.target}×`),
          ...notFlat.map((g) => `${g.adapter} memory-${g.list} grows ×${g.growth.toFixed(2)}`),
          ...slower.map((s) => `${s.adapter} ${s.series} per-call time grows ×${s.growth?.toFixed(2)}`),
          ...slowCopies.map(
            (t) => `${transferName(t)} copy ${t.ratio.toFixed(2)}× batch append < ${t.target}×`,
          ),
        ].join('; ')}`,
  );
  console.log(
    'kit/raw is kit ops/s ÷ raw ops/s; the 95% interval resamples rounds. "within noise": the interval contains the target.',
  );

  if (args.json !== undefined) {
    const report = {
      date: new Date(started).toISOString(),
      mode,
      seconds,
      environment: {
        node: process.version,
        cpu,
        cpus: availableParallelism(),
        platform: `${process.platform} ${process.arch}`,
        loadAverageBefore: loadBefore,
        loadAverageAfter: loadAfter,
        drivers: {
          'better-sqlite3': versionOf('better-sqlite3'),
          '@libsql/client': versionOf('@libsql/client'),
          pg: versionOf('pg'),
        },
      },
      budget,
      sqlDrift: drift,
      // Operations of a series are under `series` (each size with its kit/raw comparison).
      results: results.filter((r) => r.series === undefined),
      series: series.map((s) => ({
        ...s,
        results: results.filter((r) => r.adapter === s.adapter && r.series?.id === s.series),
      })),
      memoryGrowth: growth,
      durability: durabilities,
      transfer: transfers,
      skipped,
    };
    writeFileSync(args.json, `${JSON.stringify(report, null, 2)}\n`);
    console.log(`\nWrote ${args.json}`);
  }
}

main().catch((e: unknown) => {
  // Calls in flight when Ctrl-C closed their store fail; the interrupt handler exits.
  if (wasInterrupted) return;
  console.error(e);
  process.exitCode = 1;
});
