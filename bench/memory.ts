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
  /** Heap bytes one kit call allocates (garbage included: what a list loaded whole would show). */
  kitBytes: number;
  rawBytes: number;
}

export interface GrowthResult {
  adapter: string;
  list: 'sessions' | 'messages';
  points: GrowthPoint[];
  /**
   * Kit bytes allocated by one page call at the largest size ÷ at the smallest (worst of the
   * two pages). 1 is perfectly flat; a list loaded whole would show ≈ 100.
   */
  kitGrowth: number;
  /** The same for the raw driver: what the driver itself does (libsql's client switches between ≈ 40 and ≈ 200 KB a page). */
  rawGrowth: number;
  /** `kitGrowth ÷ rawGrowth`: the kit's growth beyond its driver's. */
  growth: number;
  /** `growth` at most {@link FLAT_LIMIT}. */
  flat: boolean;
}

/**
 * Allowed growth, beyond the driver's, of a page call's allocation over a 100× longer list:
 * run-to-run noise is ±20%; a list read whole would grow ≈ 100×.
 */
export const FLAT_LIMIT = 1.5;

/** Store sizes per step: the full run ends at the 100,000 sessions / 200,000 messages. */
export const GROWTH_STEPS = {
  quick: { sessions: [100, 1_000, 10_000], messages: [200, 2_000, 20_000] },
  full: { sessions: [1_000, 10_000, 100_000], messages: [2_000, 20_000, 200_000] },
} as const;

/**
 * Heap one call allocates: averaged over 25 calls in a row after a full GC (a single call's
 * delta is at the mercy of the sweeper and the compiler); the median of five such runs.
 * Twenty calls first let statements be prepared and code be compiled, which allocate once.
 */
async function allocatedPerCall(op: Op): Promise<number> {
  for (let i = 0; i < 20; i++) await op();
  const perCall: number[] = [];
  for (let run = 0; run < 5; run++) {
    fullGc();
    const before = process.memoryUsage().heapUsed;
    for (let i = 0; i < 25; i++) await op();
    perCall.push((process.memoryUsage().heapUsed - before) / 25);
  }
  perCall.sort((a, b) => a - b);
  return perCall[2] as number;
}

/** Three quarters in, but always with a full page after it (the smallest lists are short). */
const deepOffset = (rows: number) => Math.min((rows / 4) * 3, rows - PAGE);

function result(adapter: string, list: GrowthResult['list'], points: GrowthPoint[]): GrowthResult {
  const sizes = points.map((p) => p.rows);
  const smallest = Math.min(...sizes);
  const largest = Math.max(...sizes);
  const worst = (bytes: (p: GrowthPoint) => number) => {
    const at = (rows: number, page: GrowthPoint['page']) => {
      const point = points.find((p) => p.rows === rows && p.page === page);
      return point === undefined ? Number.NaN : bytes(point);
    };
    return Math.max(at(largest, 'first') / at(smallest, 'first'), at(largest, 'deep') / at(smallest, 'deep'));
  };
  const kitGrowth = worst((p) => p.kitBytes);
  const rawGrowth = worst((p) => p.rawBytes);
  const growth = kitGrowth / rawGrowth;
  return { adapter, list, points, kitGrowth, rawGrowth, growth, flat: growth <= FLAT_LIMIT };
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
    points.push({
      rows,
      page: 'first',
      kitBytes: await allocatedPerCall(() => kit.listSessions({ limit: PAGE })),
      rawBytes: await allocatedPerCall(() => raw.listSessions(null, PAGE)),
    });
    points.push({
      rows,
      page: 'deep',
      kitBytes: await allocatedPerCall(() => kit.listSessions(deep)),
      rawBytes: await allocatedPerCall(() => raw.listSessions(before, PAGE)),
    });
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
    // The raw baseline has no "first page" query: the page after the first message stands in.
    points.push({
      rows,
      page: 'first',
      kitBytes: await allocatedPerCall(() => kit.getMessagesPage(kitSid, { limit: PAGE })),
      rawBytes: await allocatedPerCall(() => raw.getMessagesPage(rawSid, rawFirst, PAGE)),
    });
    points.push({
      rows,
      page: 'deep',
      kitBytes: await allocatedPerCall(() => kit.getMessagesPage(kitSid, deep)),
      rawBytes: await allocatedPerCall(() => raw.getMessagesPage(rawSid, rawAfter, PAGE)),
    });
  }
  return result(adapter, 'messages', points);
}
