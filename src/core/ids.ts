const MAX_ROWID = 9223372036854775807n;

/**
 * True when `id` is the canonical decimal form of a positive 64-bit row id, the only
 * form SQL stores issue. Anything else ("01", "1.0", " 1", "abc", 2^63) cannot name a
 * row, so reads return nothing without asking the database (and Postgres never sees
 * an out-of-range cast).
 */
export function isRowId(id: string): boolean {
  return /^[1-9][0-9]{0,18}$/.test(id) && (id.length < 19 || BigInt(id) <= MAX_ROWID);
}

/**
 * Orders row ids as stores issue them (positive, no leading zeros: see `isRowId`)
 * numerically: a longer id is larger. Without the two BigInt allocations per comparison
 * that parsing would cost.
 */
export function compareIds(a: string, b: string): number {
  return a.length - b.length || (a < b ? -1 : a > b ? 1 : 0);
}
