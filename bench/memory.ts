import { GCProfiler } from 'node:v8';
import type { AgentStorage } from '../src/contract/storage.js';
import { MESSAGE_CONTENT } from './fixtures.js';
import { fullGc, type Op } from './harness.js';
import { PAGE, walk } from './operations.js';
import type { RawStore, Seeder } from './raw/types.js';

/**
 * Memory while listing and paging, as the store grows: the "memory use flat (not
 * growing with session count)". A keyset page costs the same whatever lies before or after
 * it; an adapter that loaded a whole list and sliced it, or paged with growing state, would
 * allocate in proportion to the store. One fresh pair of stores per adapter is grown in
 * three steps, 10× each; at every step one page is read at the front and three quarters in,
 * and the heap one call allocates is recorded (see `allocatedPerCall`).
 */
export interface GrowthStores {
  kit: AgentStorage;
  raw: RawStore;
  seed: { kit: Seeder; raw: Seeder };
}

export interface GrowthPoint {
  /** Rows in the list read: sessions in the store, or messages in the session. */
  rows: number;
  /** Which page: the first (newest sessions / oldest messages) or three quarters in. */
  page: 'first' | 'deep';
  /** Heap bytes one kit call allocates, garbage included (see `allocatedPerCall`). */
  kitBytes: number;
  rawBytes: number;
  /** A collection ran during even a single call, so a byte count is a lower bound. */
  lowerBound?: true;
}

export interface GrowthResult {
  adapter: string;
  list: 'sessions' | 'messages';
  points: GrowthPoint[];
  /**
   * Kit bytes allocated by one page call at the largest size ÷ at the smallest, the worse of
   * the two pages. 1 is perfectly flat; a listing that read the whole list would grow with it.
   */
  growth: number;
  /** The same for the raw driver, for comparison. */
  rawGrowth: number;
  /** `growth` is a positive number at most {@link FLAT_LIMIT}. */
  flat: boolean;
}

/** Allowed growth of a page call's allocation over a 100× longer list (run-to-run noise is ±10%). */
export const FLAT_LIMIT = 1.5;

/** Store sizes per step: the full run ends at the 100,000 sessions / 200,000 messages. */
export const GROWTH_STEPS = {
  quick: { sessions: [100, 1_000, 10_000], messages: [200, 2_000, 20_000] },
  full: { sessions: [1_000, 10_000, 100_000], messages: [2_000, 20_000, 200_000] },
} as const;

/**
 * Heap one call allocates, garbage included. `heapUsed` after minus before counts what was
 * allocated only while no collection runs in between, so each window starts after a full GC
 * and is thrown away when `GCProfiler` saw a collection in it; the calls per window halve
 * until one gets through (young space starts small and grows). Per-call bytes of five clean
 * windows, median; twenty calls first let statements be prepared and code be compiled.
 */
async function allocatedPerCall(op: Op): Promise<{ bytes: number; lowerBound: boolean }> {
  for (let i = 0; i < 20; i++) await op();
  const perCall: number[] = [];
  let calls = 25;
  let lowerBound = false;
  for (let attempts = 0; perCall.length < 5 && attempts < 40; attempts++) {
    fullGc();
    const profiler = new GCProfiler();
    profiler.start();
    const before = process.memoryUsage().heapUsed;
    for (let i = 0; i < calls; i++) await op();
    const bytes = (process.memoryUsage().heapUsed - before) / calls;
    const collected = (profiler.stop()?.statistics.length ?? 0) > 0;
    if (!collected) perCall.push(bytes);
    else if (calls > 1) calls = Math.floor(calls / 2);
    else {
      // One call allocates more than young space holds: what was left is all we can count.
      perCall.push(bytes);
      lowerBound = true;
    }
  }
  if (perCall.length === 0) throw new Error('no measurement window without a garbage collection');
  perCall.sort((a, b) => a - b);
  return { bytes: perCall[Math.floor(perCall.length / 2)] as number, lowerBound };
}

/** Three quarters in, but always with a full page after it (the smallest lists are short). */
function deepOffset(rows: number): number {
  const offset = Math.min(Math.floor((rows / 4) * 3), rows - PAGE);
  if (offset < 1) throw new Error(`a list of ${rows} rows is too short for a deep page of ${PAGE}`);
  return offset;
}

/** One point: kit and raw pages are checked to be the same rows, then measured. */
async function point<T extends { id: string }, R>(
  rows: number,
  page: GrowthPoint['page'],
  kit: () => Promise<{ items: T[] }>,
  raw: () => R | Promise<R>,
  keysOf: { kit: (items: T[]) => number[]; raw: (page: Awaited<R>) => number[] },
): Promise<GrowthPoint> {
  const [k, r] = [keysOf.kit((await kit()).items), keysOf.raw(await raw())];
  if (k.length !== PAGE || k.join() !== r.join()) {
    throw new Error(`${page} page of ${rows}: kit and raw read different rows (${k[0]}…, ${r[0]}…)`);
  }
  const kitBytes = await allocatedPerCall(kit);
  const rawBytes = await allocatedPerCall(raw);
  return {
    rows,
    page,
    kitBytes: kitBytes.bytes,
    rawBytes: rawBytes.bytes,
    ...(kitBytes.lowerBound || rawBytes.lowerBound ? { lowerBound: true as const } : {}),
  };
}

function result(adapter: string, list: GrowthResult['list'], points: GrowthPoint[]): GrowthResult {
  const sizes = points.map((p) => p.rows);
  const smallest = Math.min(...sizes);
  const largest = Math.max(...sizes);
  const worst = (bytes: (p: GrowthPoint) => number) => {
    const at = (rows: number, page: GrowthPoint['page']) => {
      const found = points.find((p) => p.rows === rows && p.page === page);
      return found === undefined ? Number.NaN : bytes(found);
    };
    return Math.max(at(largest, 'first') / at(smallest, 'first'), at(largest, 'deep') / at(smallest, 'deep'));
  };
  const growth = worst((p) => p.kitBytes);
  const rawGrowth = worst((p) => p.rawBytes);
  return {
    adapter,
    list,
    points,
    growth,
    rawGrowth,
    flat: Number.isFinite(growth) && growth > 0 && growth <= FLAT_LIMIT,
  };
}

/** Grows the session list in steps; at each, one page of `listSessions` at the front and deep. */
export async function sessionGrowth(
  adapter: string,
  { kit, raw, seed }: GrowthStores,
  steps: readonly number[],
): Promise<GrowthResult> {
  const t0 = Date.UTC(2100, 0, 1);
  const points: GrowthPoint[] = [];
  let seeded = 0;
  for (const rows of steps) {
    await seed.kit.seedSessions(rows - seeded, t0 + seeded);
    await seed.raw.seedSessions(rows - seeded, t0 + seeded);
    seeded = rows;
    const depth = deepOffset(rows);
    const cursor = await walk(depth, (limit, cursor) =>
      kit.listSessions(cursor === undefined ? { limit } : { limit, cursor }),
    );
    const before = await seed.raw.sessionKeyAt(depth - 1);
    const deep = { limit: PAGE, ...(cursor === undefined ? {} : { cursor }) };
    const startedAt = {
      kit: (items: { startedAt: number }[]) => items.map((s) => s.startedAt),
      raw: (page: { items: { startedAt: number }[] }) => page.items.map((s) => s.startedAt),
    };
    points.push(
      await point(
        rows,
        'first',
        () => kit.listSessions({ limit: PAGE }),
        () => raw.listSessions(null, PAGE),
        startedAt,
      ),
    );
    points.push(
      await point(
        rows,
        'deep',
        () => kit.listSessions(deep),
        () => raw.listSessions(before, PAGE),
        startedAt,
      ),
    );
  }
  return result(adapter, 'sessions', points);
}

/** Grows one session's messages in steps; at each, one page of `getMessagesPage` at the front and deep. */
export async function messageGrowth(
  adapter: string,
  { kit, raw, seed }: GrowthStores,
  steps: readonly number[],
): Promise<GrowthResult> {
  const t0 = Date.UTC(2025, 0, 1);
  const kitSid = await seed.kit.createSession('bench-growth');
  const rawSid = await seed.raw.createSession('bench-growth');
  const points: GrowthPoint[] = [];
  let seeded = 0;
  for (const rows of steps) {
    await seed.kit.seedMessages(kitSid, rows - seeded, MESSAGE_CONTENT, t0 + seeded);
    await seed.raw.seedMessages(rawSid, rows - seeded, MESSAGE_CONTENT, t0 + seeded);
    seeded = rows;
    const depth = deepOffset(rows);
    const after = await walk(depth, (limit, after) =>
      kit.getMessagesPage(kitSid, after === undefined ? { limit } : { limit, after }),
    );
    const rawFirst = await seed.raw.messageKeyAt(rawSid, 0);
    const rawAfter = await seed.raw.messageKeyAt(rawSid, depth - 1);
    const deep = { limit: PAGE, ...(after === undefined ? {} : { after }) };
    const createdAt = {
      kit: (items: { createdAt: number }[]) => items.map((m) => m.createdAt),
      raw: (page: { items: { createdAt: number }[] }) => page.items.map((m) => m.createdAt),
    };
    // The raw baseline has no "first page" query: the page after the first message stands in,
    // and the kit's first page is compared from its second row.
    points.push(
      await point(
        rows,
        'first',
        () => kit.getMessagesPage(kitSid, { limit: PAGE }),
        () => raw.getMessagesPage(rawSid, rawFirst, PAGE),
        { kit: (items) => createdAt.kit(items).map((t) => t + 1), raw: createdAt.raw },
      ),
    );
    points.push(
      await point(
        rows,
        'deep',
        () => kit.getMessagesPage(kitSid, deep),
        () => raw.getMessagesPage(rawSid, rawAfter, PAGE),
        createdAt,
      ),
    );
  }
  return result(adapter, 'messages', points);
}
