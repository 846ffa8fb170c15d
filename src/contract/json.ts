import type { JsonValue } from './types.js';

/**
 * How deep a JSON value may nest. Postgres' JSON parser and recursive encoders on
 * other backends give out at different depths; one limit for all keeps adapters equal.
 */
export const MAX_JSON_DEPTH = 512;

/** Thrown by `encodeJson`; `path` locates the offending value (`$.a[2]`). */
export class JsonEncodeError extends Error {
  constructor(
    readonly path: string,
    readonly problem: string,
  ) {
    super(`${path} ${problem}`);
  }
}

/**
 * Serializes a JSON value so that `JSON.parse` gives back a deep-equal value,
 * key order and `-0` included, or throws `JsonEncodeError` naming the first
 * value that cannot round-trip (undefined, NaN, ±Infinity, BigInt, functions,
 * symbols, class instances, sparse arrays, cycles, nesting past `MAX_JSON_DEPTH`).
 *
 * Strings need no check: JSON escapes U+0000 and lone surrogates, so they
 * survive every backend's text type.
 */
export function encodeJson(value: unknown): string {
  // Fast path: a walk that builds nothing says whether JSON.stringify's text is exact. It
  // is, unless a -0 occurs (written "0") or the value is not JSON at all; those cases take
  // the exact encoder below, which also names the offending path.
  return plainJson(value, 0, []) ? JSON.stringify(value) : exactJson(value);
}

/**
 * True when `v` is JSON that JSON.stringify writes exactly: finite numbers but no -0,
 * plain objects and dense arrays, no cycles, nesting within MAX_JSON_DEPTH.
 * (A plain object cannot hold a toJSON function: functions fail the walk.)
 */
function plainJson(v: unknown, depth: number, ancestors: object[]): boolean {
  switch (typeof v) {
    case 'string':
    case 'boolean':
      return true;
    case 'number':
      return Number.isFinite(v) && !Object.is(v, -0);
    case 'object': {
      if (v === null) return true;
      if (depth >= MAX_JSON_DEPTH || ancestors.includes(v)) return false;
      ancestors.push(v);
      let ok = true;
      if (Array.isArray(v)) {
        for (let i = 0; ok && i < v.length; i++) ok = i in v && plainJson(v[i], depth + 1, ancestors);
      } else {
        const proto = Object.getPrototypeOf(v);
        ok = (proto === Object.prototype || proto === null) && Object.getOwnPropertySymbols(v).length === 0;
        for (const key in v) {
          if (!ok) break;
          // for..in also walks inherited keys; plain objects have none that are enumerable.
          ok = Object.hasOwn(v, key) && plainJson((v as Record<string, unknown>)[key], depth + 1, ancestors);
        }
      }
      ancestors.pop();
      return ok;
    }
    default:
      return false;
  }
}

/** The exact encoder: writes -0 as "-0" and throws `JsonEncodeError` with the path of a non-JSON value. */
function exactJson(value: unknown): string {
  const ancestors = new Set<object>();

  const encode = (v: unknown, path: string, depth: number): string => {
    switch (typeof v) {
      case 'string':
        return JSON.stringify(v);
      case 'boolean':
        return v ? 'true' : 'false';
      case 'number':
        if (!Number.isFinite(v)) throw new JsonEncodeError(path, `is ${v}, which JSON cannot represent`);
        // JSON.stringify writes -0 as "0"; "-0" parses back to -0.
        return Object.is(v, -0) ? '-0' : JSON.stringify(v);
      case 'object': {
        if (v === null) return 'null';
        if (depth >= MAX_JSON_DEPTH)
          throw new JsonEncodeError(path, `nests deeper than ${MAX_JSON_DEPTH} levels`);
        if (ancestors.has(v)) throw new JsonEncodeError(path, 'is a cycle');
        ancestors.add(v);
        let out: string;
        if (Array.isArray(v)) {
          const parts: string[] = [];
          for (let i = 0; i < v.length; i++) {
            if (!(i in v)) throw new JsonEncodeError(`${path}[${i}]`, 'is a hole in a sparse array');
            parts.push(encode(v[i], `${path}[${i}]`, depth + 1));
          }
          out = `[${parts.join(',')}]`;
        } else {
          const proto = Object.getPrototypeOf(v);
          if (proto !== Object.prototype && proto !== null) {
            throw new JsonEncodeError(
              path,
              `is a ${v.constructor?.name ?? 'non-plain'} object, not plain JSON`,
            );
          }
          if (Object.getOwnPropertySymbols(v).length > 0) throw new JsonEncodeError(path, 'has symbol keys');
          const parts: string[] = [];
          for (const key of Object.keys(v)) {
            const child = `${path}.${key}`;
            parts.push(
              `${JSON.stringify(key)}:${encode((v as Record<string, unknown>)[key], child, depth + 1)}`,
            );
          }
          out = `{${parts.join(',')}}`;
        }
        ancestors.delete(v);
        return out;
      }
      default:
        throw new JsonEncodeError(
          path,
          `is ${typeof v === 'undefined' ? 'undefined' : `a ${typeof v}`}, not JSON`,
        );
    }
  };

  return encode(value, '$', 0);
}

/** Parses stored JSON text; throws `SyntaxError` when it is not JSON. */
export function decodeJson(text: string): JsonValue {
  return JSON.parse(text) as JsonValue;
}
