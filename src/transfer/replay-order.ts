/**
 * The order in which to recreate a session's questions (or settings) so that answers land
 * where they did. `answerQuestions` / `setSettingValues` give a value to EVERY pending row
 * with the key, so for each key the rows that end with a value must be created and given
 * it before any row that ends pending exists. Rows are read back by `createdAt`, ties in
 * insertion order, so rows sharing a `createdAt` must also keep their relative order; rows
 * with different times may be created in any order, since their explicit `createdAt` puts
 * them back in place.
 *
 * Any state the contract's own calls produced satisfies both rules in its original creation
 * order, so an order always exists for it; a foreign import may hold one that does not.
 */

/** One row, as far as the order is concerned. */
export interface KeyedRow {
  key: string;
  createdAt: number;
  /** Ends with a value it received through a value call (answer, or setting value with `updatedAt`). */
  valued: boolean;
  /** Ends without a value. */
  pending: boolean;
}

/**
 * Indexes of `rows` (given in read order) in an order to create them in, as close to read
 * order as the rules allow; `null` when no order satisfies both rules.
 */
export function replayOrder(rows: readonly KeyedRow[]): number[] | null {
  const n = rows.length;
  // Nodes 0..n-1 are rows; node n + j is key j's gate: valued rows → gate → pending rows.
  const keys = new Map<string, number>();
  for (const row of rows) if (!keys.has(row.key)) keys.set(row.key, keys.size);
  const next: number[][] = Array.from({ length: n + keys.size }, () => []);
  const before = new Array<number>(n + keys.size).fill(0);
  const edge = (from: number, to: number) => {
    (next[from] as number[]).push(to);
    before[to] = (before[to] as number) + 1;
  };
  const lastAt = new Map<number, number>();
  rows.forEach((row, i) => {
    const tie = lastAt.get(row.createdAt);
    if (tie !== undefined) edge(tie, i);
    lastAt.set(row.createdAt, i);
    const gate = n + (keys.get(row.key) as number);
    if (row.valued) edge(i, gate);
    if (row.pending) edge(gate, i);
  });
  // Kahn's algorithm, always taking the earliest ready row: read order wherever the rules
  // allow. A gate is passed as soon as it opens, so it never holds a row back itself.
  const ready = new MinHeap();
  const open = (v: number) => {
    if (v < n) ready.push(v);
    else for (const w of next[v] as number[]) release(w);
  };
  const release = (w: number) => {
    before[w] = (before[w] as number) - 1;
    if (before[w] === 0) open(w);
  };
  for (let v = 0; v < n + keys.size; v++) if (before[v] === 0) open(v);
  const order: number[] = [];
  for (let v = ready.pop(); v !== undefined; v = ready.pop()) {
    order.push(v);
    for (const w of next[v] as number[]) release(w);
  }
  return order.length === n ? order : null;
}

/** A binary min-heap of numbers: keeps the sort above O(n log n) for sessions with many rows. */
class MinHeap {
  readonly #items: number[] = [];

  push(value: number): void {
    const a = this.#items;
    a.push(value);
    for (let i = a.length - 1; i > 0; ) {
      const parent = (i - 1) >> 1;
      if ((a[parent] as number) <= value) break;
      a[i] = a[parent] as number;
      a[parent] = value;
      i = parent;
    }
  }

  pop(): number | undefined {
    const a = this.#items;
    const top = a[0];
    const last = a.pop();
    if (a.length > 0 && last !== undefined) {
      a[0] = last;
      for (let i = 0; ; ) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < a.length && (a[l] as number) < (a[m] as number)) m = l;
        if (r < a.length && (a[r] as number) < (a[m] as number)) m = r;
        if (m === i) break;
        [a[i], a[m]] = [a[m] as number, a[i] as number];
        i = m;
      }
    }
    return top;
  }
}
