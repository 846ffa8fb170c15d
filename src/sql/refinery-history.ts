/**
 * refinery's migration history, as nocodo's Rust code keeps it in `refinery_schema_history`
 * (version, name, applied_on, checksum). The kit writes rows there for the nocodo
 * migrations it applies (or finds applied) on SQLite, exactly as refinery would, so that
 * nocodo-api — which runs refinery plainly at start-up — sees them as applied and has
 * nothing to do. The kit's own later migrations stay in its own log.
 *
 * refinery-core (0.8 and 0.9, default features, as nocodo builds it) computes a migration's
 * checksum with the siphasher crate's `SipHasher13::new()` (keys 0, 0) over
 * `name.hash(); version.hash(); sql.hash()`, which Rust's Hash impls turn into one message:
 * UTF-8 name, 0xFF, the version as a little-endian i32, UTF-8 SQL, 0xFF. It stores the u64
 * as decimal text. test/nocodo-interop.test.ts pins the five values for nocodo's V1–V5,
 * cross-checked against Rust's own SipHasher13 (std's DefaultHasher).
 */

const MASK = (1n << 64n) - 1n;
const rotl = (x: bigint, b: bigint) => ((x << b) | (x >> (64n - b))) & MASK;

function round(v: [bigint, bigint, bigint, bigint]): void {
  v[0] = (v[0] + v[1]) & MASK;
  v[1] = rotl(v[1], 13n) ^ v[0];
  v[0] = rotl(v[0], 32n);
  v[2] = (v[2] + v[3]) & MASK;
  v[3] = rotl(v[3], 16n) ^ v[2];
  v[0] = (v[0] + v[3]) & MASK;
  v[3] = rotl(v[3], 21n) ^ v[0];
  v[2] = (v[2] + v[1]) & MASK;
  v[1] = rotl(v[1], 17n) ^ v[2];
  v[2] = rotl(v[2], 32n);
}

/** SipHash-1-3 of `bytes` with keys (0, 0), as an unsigned 64-bit integer. */
export function siphash13(bytes: Uint8Array): bigint {
  const v: [bigint, bigint, bigint, bigint] = [
    0x736f6d6570736575n,
    0x646f72616e646f6dn,
    0x6c7967656e657261n,
    0x7465646279746573n,
  ];
  const full = bytes.length - (bytes.length % 8);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let i = 0; i < full; i += 8) {
    const m = view.getBigUint64(i, true);
    v[3] ^= m;
    round(v);
    v[0] ^= m;
  }
  let last = BigInt(bytes.length & 0xff) << 56n;
  for (let i = full; i < bytes.length; i++) last |= BigInt(bytes[i] as number) << BigInt(8 * (i - full));
  v[3] ^= last;
  round(v);
  v[0] ^= last;
  v[2] ^= 0xffn;
  round(v);
  round(v);
  round(v);
  return (v[0] ^ v[1] ^ v[2] ^ v[3]) & MASK;
}

/** The checksum refinery records for a migration, as the decimal text it stores. */
export function refineryChecksum(name: string, version: number, sql: string): string {
  const encoder = new TextEncoder();
  const n = encoder.encode(name);
  const s = encoder.encode(sql);
  const bytes = new Uint8Array(n.length + 1 + 4 + s.length + 1);
  bytes.set(n, 0);
  bytes[n.length] = 0xff;
  new DataView(bytes.buffer).setInt32(n.length + 1, version, true);
  bytes.set(s, n.length + 5);
  bytes[bytes.length - 1] = 0xff;
  return siphash13(bytes).toString();
}

/**
 * `applied_on` as refinery writes it: RFC 3339 in UTC from the `time` crate, with the
 * fraction's trailing zeros dropped (and no fraction on a whole second). refinery never
 * compares it, but its reader fails on anything that does not parse as RFC 3339.
 */
export function refineryAppliedOn(at: Date): string {
  return at.toISOString().replace(/\.?0+Z$/, 'Z');
}

/** refinery's own DDL for its history table (SQLite, default features). */
export const REFINERY_HISTORY_DDL = `CREATE TABLE IF NOT EXISTS refinery_schema_history(
             version int4 PRIMARY KEY,
             name VARCHAR(255),
             applied_on VARCHAR(255),
             checksum VARCHAR(255));`;
