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
    options?: { cause: unknown },
  ) {
    super(`${abbreviatePath(path)} ${problem}`, options);
  }
}

/** `a Date`, `an Error`: the article a name (a class, a type) takes, by its first letter. */
export function withArticle(name: string): string {
  return `${/^[aeio]/i.test(name) ? 'an' : 'a'} ${name}`;
}

/** What a value that could not be read (a getter or a Proxy's trap that threw) is said to be. */
export function couldNotRead(e: unknown): string {
  return `could not be read: ${e instanceof Error ? e.message : String(e)}`;
}

/** The index keys of an array, as `Object.keys` lists them. */
const INDEX_KEY = /^(?:0|[1-9][0-9]*)$/;

/**
 * The first of an array's `Object.keys` that is not one of its elements: a property that JSON,
 * or a list the contract takes, would drop. (A hole makes up for an extra key in the count;
 * the callers refuse holes element by element.)
 */
export function nonIndexKey(keys: readonly string[], length: number): string | undefined {
  return keys.length === length ? undefined : keys.find((k) => !(INDEX_KEY.test(k) && Number(k) < length));
}

/** Returned by the fast walk when the value needs the exact encoder. */
const SLOW = Symbol('slow');

/**
 * Serializes a JSON value so that `JSON.parse` gives back a deep-equal value,
 * key order and `-0` included, or throws `JsonEncodeError` naming the first
 * value that cannot round-trip (undefined, NaN, ±Infinity, BigInt, functions,
 * symbols, class instances, sparse arrays, arrays with extra properties, cycles,
 * nesting past `MAX_JSON_DEPTH`, a getter that throws).
 *
 * Every property is read once: what is checked is what is written, even when a getter
 * would return something else the second time.
 *
 * Strings need no check: JSON escapes U+0000 and lone surrogates, so they
 * survive every backend's text type.
 */
export function encodeJson(value: unknown): string {
  // Fast path: one walk copies the value into fresh plain containers (each property read
  // once) and says whether JSON.stringify's text of the copy is exact. It is, unless a -0
  // occurs (written "0") or the value is not JSON at all; those take the exact encoder,
  // which reads the caller's value in a single pass of its own and names the offending path.
  const copy = plainCopy(value, 0, []);
  return copy === SLOW ? exactJson(value) : JSON.stringify(copy);
}

/**
 * A copy of `v` made of fresh arrays and plain objects, or `SLOW` when `v` is not
 * JSON that JSON.stringify writes exactly: finite numbers but no -0, plain objects and
 * dense arrays without extra properties, no cycles, nesting within MAX_JSON_DEPTH.
 * (A plain object cannot hold a toJSON function: functions fail the walk.)
 */
function plainCopy(v: unknown, depth: number, ancestors: object[]): unknown {
  switch (typeof v) {
    case 'string':
    case 'boolean':
      return v;
    case 'number':
      return Number.isFinite(v) && !Object.is(v, -0) ? v : SLOW;
    case 'object': {
      if (v === null) return null;
      if (depth >= MAX_JSON_DEPTH || ancestors.includes(v)) return SLOW;
      ancestors.push(v);
      let out: unknown = SLOW;
      try {
        if (Array.isArray(v)) {
          if (Object.getPrototypeOf(v) === Array.prototype && Object.keys(v).length === v.length) {
            const copy: unknown[] = new Array(v.length);
            let i = 0;
            for (; i < v.length; i++) {
              const item = plainCopy(v[i], depth + 1, ancestors);
              if (item === SLOW) break;
              copy[i] = item;
            }
            if (i === v.length) out = copy;
          }
        } else {
          const proto = Object.getPrototypeOf(v);
          if (
            (proto === Object.prototype || proto === null) &&
            Object.getOwnPropertySymbols(v).length === 0
          ) {
            // A literal, not Object.create(null): V8 keeps it in fast mode, which JSON.stringify
            // reads several times faster. Only a `__proto__` key needs defining, not assigning.
            const copy: Record<string, unknown> = {};
            let ok = true;
            for (const key of Object.keys(v)) {
              const item = plainCopy((v as Record<string, unknown>)[key], depth + 1, ancestors);
              if (item === SLOW) {
                ok = false;
                break;
              }
              if (key === '__proto__') define(copy, key, item);
              else copy[key] = item;
            }
            if (ok) out = copy;
          }
        }
      } catch {
        out = SLOW; // a getter threw: the exact encoder reports it with its path
      }
      ancestors.pop();
      return out;
    }
    default:
      return SLOW;
  }
}

function define(target: object, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

/** The exact encoder: writes -0 as "-0" and throws `JsonEncodeError` with the path of a non-JSON value. */
function exactJson(value: unknown): string {
  const ancestors = new Set<object>();

  // A getter, or a Proxy's trap (its keys, its prototype), that throws: named by its path.
  const unreadable = (path: string, e: unknown) =>
    e instanceof JsonEncodeError ? e : new JsonEncodeError(path, couldNotRead(e), { cause: e });
  const read = (holder: object, key: string | number, path: string): unknown => {
    try {
      return (holder as Record<string | number, unknown>)[key];
    } catch (e) {
      throw unreadable(path, e);
    }
  };

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
        try {
          out = container(v, path, depth);
        } catch (e) {
          throw unreadable(path, e);
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

  const container = (v: object, path: string, depth: number): string => {
    if (Array.isArray(v)) {
      if (Object.getPrototypeOf(v) !== Array.prototype)
        throw new JsonEncodeError(path, 'is an array subclass, not plain JSON');
      const parts: string[] = [];
      const length = v.length;
      for (let i = 0; i < length; i++) {
        if (!(i in v)) throw new JsonEncodeError(`${path}[${i}]`, 'is a hole in a sparse array');
        parts.push(encode(read(v, i, `${path}[${i}]`), `${path}[${i}]`, depth + 1));
      }
      const extra = nonIndexKey(Object.keys(v), length);
      if (extra !== undefined)
        throw new JsonEncodeError(`${path}.${extra}`, 'is a property of an array, which JSON drops');
      if (Object.getOwnPropertySymbols(v).length > 0) throw new JsonEncodeError(path, 'has symbol keys');
      return `[${parts.join(',')}]`;
    }
    const proto = Object.getPrototypeOf(v);
    if (proto !== Object.prototype && proto !== null) {
      const name = (v as { constructor?: { name?: unknown } }).constructor?.name;
      throw new JsonEncodeError(
        path,
        typeof name === 'string' && name !== '' && name !== 'Object'
          ? `is ${withArticle(name)} object, not plain JSON`
          : 'has a prototype other than Object.prototype, not plain JSON',
      );
    }
    if (Object.getOwnPropertySymbols(v).length > 0) throw new JsonEncodeError(path, 'has symbol keys');
    const parts: string[] = [];
    for (const key of Object.keys(v)) {
      const child = `${path}.${key}`;
      parts.push(`${JSON.stringify(key)}:${encode(read(v, key, child), child, depth + 1)}`);
    }
    return `{${parts.join(',')}}`;
  };

  return encode(value, '$', 0);
}

/** Parses stored JSON text; throws `SyntaxError` when it is not JSON. */
export function decodeJson(text: string): JsonValue {
  return JSON.parse(text) as JsonValue;
}

/**
 * What makes `value`, parsed from stored JSON `text`, a value `encodeJson` would refuse, or
 * `undefined`: a number out of a double's range (valid JSON, which `JSON.parse` reads as
 * ±Infinity) or nesting past `MAX_JSON_DEPTH` (which another program's JSON may have). Run on
 * every stored JSON value read, so the text is screened first, cheaply, and the value walked
 * only when the text could hold either.
 */
export function storedJsonProblem(text: string, value: unknown): string | undefined {
  if (!mayOverflow(text) && !mayNestTooDeep(text)) return undefined;
  const found = beyondContract(value, 0);
  return found && `${abbreviatePath(`$${found[0]}`)} ${found[1]}`;
}

const isDigit = (c: number) => c >= 48 && c <= 57;

/**
 * Whether `text` has a number literal that may exceed a double (about 1.8e308): one with an
 * exponent of three or more digits, or 210 or more digits in a row (a two-digit exponent adds
 * at most 99 to them). Both contain a run of three digits, so every third character is looked
 * at, and the run around a digit found is measured once.
 */
function mayOverflow(text: string): boolean {
  const n = text.length;
  let i = 2;
  while (i < n) {
    if (!isDigit(text.charCodeAt(i))) {
      i += 3;
      continue;
    }
    let start = i;
    while (start > 0 && isDigit(text.charCodeAt(start - 1))) start--;
    let end = i + 1;
    while (end < n && isDigit(text.charCodeAt(end))) end++;
    if (end - start >= 210) return true;
    if (end - start >= 3) {
      let before = text.charCodeAt(start - 1);
      if (before === 43 || before === 45) before = text.charCodeAt(start - 2); // e+, e-
      if (before === 101 || before === 69) return true; // e, E
    }
    // A later run of three starts at end + 1 at the earliest, so end + 3 still meets it.
    i = end + 3;
  }
  return false;
}

/** Whether `text` has more than `MAX_JSON_DEPTH` opening brackets, which deeper nesting needs. */
function mayNestTooDeep(text: string): boolean {
  if (text.length <= 2 * MAX_JSON_DEPTH) return false;
  let count = 0;
  for (const bracket of ['[', '{']) {
    for (let at = text.indexOf(bracket); at >= 0; at = text.indexOf(bracket, at + 1))
      if (++count > MAX_JSON_DEPTH) return true;
  }
  return false;
}

/** The path (below `$`) and problem of the first value `encodeJson` would refuse in a parsed value. */
function beyondContract(v: unknown, depth: number): [path: string, problem: string] | undefined {
  if (typeof v === 'number')
    return Number.isFinite(v) ? undefined : ['', `is a number beyond a double's range (read as ${v})`];
  if (typeof v !== 'object' || v === null) return undefined;
  if (depth >= MAX_JSON_DEPTH) return ['', `nests deeper than ${MAX_JSON_DEPTH} levels`];
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) {
      const found = beyondContract(v[i], depth + 1);
      if (found) return [`[${i}]${found[0]}`, found[1]];
    }
    return undefined;
  }
  for (const key of Object.keys(v)) {
    const found = beyondContract((v as Record<string, unknown>)[key], depth + 1);
    if (found) return [`.${key}${found[0]}`, found[1]];
  }
  return undefined;
}

const STEP = /\[\d+\]|\.[^.[]*/g;

/**
 * A JSON path short enough for a message: `$[0][0]…` 512 levels deep would be 2,000
 * characters. Past 12 steps, the first and last 5 are kept and the rest counted
 * (`$[0][0][0][0][0]…(502 more)…[0][0][0][0][0]`).
 */
export function abbreviatePath(path: string): string {
  const steps = path.slice(1).match(STEP) ?? [];
  if (steps.length <= 12) return path;
  // A key holding `.` or `[` splits where it should not: then keep characters, not steps.
  if (steps.join('') !== path.slice(1))
    return path.length <= 90 ? path : `${path.slice(0, 40)}…${path.slice(-40)}`;
  return `${path[0]}${steps.slice(0, 5).join('')}…(${steps.length - 10} more)…${steps.slice(-5).join('')}`;
}

/**
 * JSON text of values read from a store as an answer wraps them (a CLI's `--json` output, the
 * studio's API): `-0` kept (JSON.stringify writes 0) and key order as given, with no depth
 * limit of its own. The answer wraps stored JSON, which the contract allows MAX_JSON_DEPTH
 * levels deep, a few levels further down (a page's items, a transcript's tool calls), so
 * `encodeJson`, which counts from the root, would refuse what the store accepted.
 */
export function stringifyExact(value: unknown): string {
  if (typeof value === 'number') return Object.is(value, -0) ? '-0' : JSON.stringify(value);
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(stringifyExact).join(',')}]`;
  const fields = Object.entries(value).filter(([, v]) => v !== undefined);
  return `{${fields.map(([k, v]) => `${JSON.stringify(k)}:${stringifyExact(v)}`).join(',')}}`;
}
