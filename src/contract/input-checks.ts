import { AgentStorageError } from './errors.js';
import { abbreviatePath, couldNotRead, encodeJson, JsonEncodeError, withArticle } from './json.js';
import type { UpdateRecord } from './validation.js';

/**
 * The checks every validator is built from: reading a caller's input once as plain data,
 * checking each field against its spec, and raising `INVALID_INPUT` naming the field. Exported
 * for adapters written by hand (docs/writing-an-adapter.md), which validate before writing too.
 */

export interface ValidationContext {
  adapter: string;
  clock: () => number;
}

export type Kind = 'text' | 'nonEmpty' | 'name' | 'timestamp' | 'duration' | 'json' | 'id';
export interface FieldSpec {
  kind: Kind;
  nullable?: boolean;
  oneOf?: readonly string[];
  /** Omitted → this default; `'clock'` → the storage's clock. Absent → the field is required. */
  default?: null | string | 'clock';
}

export function invalid(
  ctx: ValidationContext,
  op: string,
  field: string,
  problem: string,
  cause?: unknown,
): never {
  throw new AgentStorageError(
    'INVALID_INPUT',
    `${op}: ${field} ${problem}`,
    cause === undefined ? { adapter: ctx.adapter, field } : { adapter: ctx.adapter, field, cause },
  );
}

/**
 * Names and keys (agentName, provider, model, toolName, toolCallId, clientKey, questionId,
 * settingKey) are indexed, and an index entry has a size limit (Postgres' btree takes about
 * 2.7 kB): 512 UTF-16 units stay below it in any encoding, on every backend.
 */
export const MAX_NAME_LENGTH = 512;

/** Text that every backend stores and returns unchanged: well-formed UTF-16 with no U+0000. */
export function textProblem(value: string): string | undefined {
  if (value.includes('\u0000')) return 'contains U+0000, which not every backend can store';
  if (!value.isWellFormed()) return 'contains a lone surrogate, which is not valid Unicode';
  return undefined;
}

/**
 * `value` checked against `spec`, in stored form. `path` prefixes `field` in errors
 * (`messages[3].`), joined only when one is raised: a batch checks thousands of fields.
 */
export function checkValue(
  ctx: ValidationContext,
  op: string,
  field: string,
  spec: FieldSpec,
  value: unknown,
  path = '',
): unknown {
  if (value === null && spec.nullable) return null;
  const kind = spec.kind;
  if (kind === 'json') {
    // `response: null` means "no response"; a required JSON field takes JSON null as a value.
    try {
      return encodeJson(value);
    } catch (e) {
      if (e instanceof JsonEncodeError)
        invalid(
          ctx,
          op,
          path + field,
          `is not JSON: ${path}${field}${abbreviatePath(e.path).slice(1)} ${e.problem}`,
          e.cause,
        );
      throw e;
    }
  }
  if (kind === 'timestamp' || kind === 'duration') {
    if (typeof value !== 'number' || !Number.isSafeInteger(value)) {
      invalid(
        ctx,
        op,
        path + field,
        `must be a safe integer${spec.nullable ? ' or null' : ''}, got ${describe(value)}`,
      );
    }
    if (kind === 'duration' && value < 0)
      invalid(ctx, op, path + field, `must not be negative, got ${value}`);
    // An integer column has no negative zero: -0 is stored, and read back, as 0 everywhere.
    return value === 0 ? 0 : value;
  }
  if (typeof value !== 'string') {
    invalid(
      ctx,
      op,
      path + field,
      `must be a string${spec.nullable ? ' or null' : ''}, got ${describe(value)}`,
    );
  }
  if (kind === 'id') return value; // opaque: an id the store never issued is NOT_FOUND, not invalid
  if ((kind === 'nonEmpty' || kind === 'name') && value.length === 0)
    invalid(ctx, op, path + field, 'must not be empty');
  if (kind === 'name' && value.length > MAX_NAME_LENGTH) {
    invalid(ctx, op, path + field, `must be at most ${MAX_NAME_LENGTH} characters, got ${value.length}`);
  }
  if (spec.oneOf && !spec.oneOf.includes(value)) {
    invalid(ctx, op, path + field, `must be one of ${spec.oneOf.join(', ')}, got ${JSON.stringify(value)}`);
  }
  const problem = textProblem(value);
  if (problem) invalid(ctx, op, path + field, problem);
  return value;
}

export function describe(value: unknown): string {
  try {
    return described(value);
  } catch {
    return 'an object that could not be read'; // a Proxy whose trap throws
  }
}

function described(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'undefined';
  if (typeof value === 'number') return String(value);
  if (typeof value === 'bigint') return `bigint ${value}`;
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') {
    const proto = Object.getPrototypeOf(value) as { constructor?: { name?: unknown } } | null;
    if (proto === null || proto === Object.prototype) return 'object';
    const name = proto.constructor?.name;
    // Object.create({…}): its prototype is a plain object, whose constructor is Object's.
    if (typeof name !== 'string' || name === '' || name === 'Object')
      return 'an object whose prototype is not Object.prototype';
    return withArticle(name);
  }
  return typeof value;
}

/**
 * Reads `holder[key]` once; a getter that throws is the caller's bad input, with its error as
 * cause, named `${path}${key}` (`messages[3].role`), or `${path}[${key}]` for a list's element
 * (joined only then: a batch reads thousands of fields).
 */
export function readOnce(
  ctx: ValidationContext,
  op: string,
  path: string,
  holder: object,
  key: string | number,
): unknown {
  try {
    return (holder as Record<string | number, unknown>)[key];
  } catch (e) {
    const name = typeof key === 'number' ? `${path}[${key}]` : `${path}${key}`;
    return invalid(ctx, op, name, couldNotRead(e), e);
  }
}

/**
 * A snapshot of a caller's plain object: each own enumerable property read exactly once,
 * so what is validated is what is stored even if a getter would answer differently the
 * next time. Anything but a plain object (an array, a `Date`, a `Map`, a `Promise`, a
 * class instance) is `INVALID_INPUT`: taking it as an empty record would be a guess.
 * `path` prefixes the names of its fields in errors (`messages[3].`).
 */
export function requireObject(
  ctx: ValidationContext,
  op: string,
  what: string,
  input: unknown,
  path = '',
): Record<string, unknown> {
  const shape = lookAt(ctx, op, what, input, recordShape);
  if (shape === 'not-object') invalid(ctx, op, what, `must be an object, got ${describe(input)}`);
  if (shape === 'not-plain') invalid(ctx, op, what, `must be a plain object, got ${describe(input)}`);
  // Symbol keys and non-enumerable properties, which Object.keys leaves out, would be dropped
  // without a word: refused instead.
  if (shape.hidden !== undefined)
    invalid(
      ctx,
      op,
      `${path}${String(shape.hidden)}`,
      typeof shape.hidden === 'symbol'
        ? 'is a symbol key, which a record cannot hold'
        : 'is a non-enumerable property, which a record cannot hold',
    );
  // A literal keeps V8's fast properties; a caller's own `__proto__` key is defined, not
  // assigned, so it stays a key (and is refused as unknown) instead of setting the prototype.
  const snapshot: Record<string, unknown> = {};
  for (const key of shape.keys) {
    const value = readOnce(ctx, op, path, input as object, key);
    if (key === '__proto__')
      Object.defineProperty(snapshot, key, { value, enumerable: true, writable: true, configurable: true });
    else snapshot[key] = value;
  }
  return snapshot;
}

/**
 * `shape(input)`: what a check needs to know of a caller's value (its keys, its prototype),
 * read without judging it. A Proxy's trap that throws meanwhile is the caller's bad input,
 * named `what`, with the trap's error as cause, whatever it threw.
 */
export function lookAt<S>(
  ctx: ValidationContext,
  op: string,
  what: string,
  input: unknown,
  shape: (input: unknown) => S,
): S {
  try {
    return shape(input);
  } catch (e) {
    return invalid(ctx, op, what, couldNotRead(e), e);
  }
}

/** What `requireObject` needs to know of a value (the comparison of counts is all a plain record costs). */
function recordShape(
  input: unknown,
): 'not-object' | 'not-plain' | { keys: string[]; hidden: PropertyKey | undefined } {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) return 'not-object';
  const proto = Object.getPrototypeOf(input);
  if (proto !== Object.prototype && proto !== null) return 'not-plain';
  const keys = Object.keys(input);
  // Not Reflect.ownKeys: V8 caches these two lists for an object's shape (≈ 40 ns against 110).
  const names = Object.getOwnPropertyNames(input);
  const symbols = Object.getOwnPropertySymbols(input);
  if (names.length === keys.length && symbols.length === 0) return { keys, hidden: undefined };
  const listed = new Set<PropertyKey>(keys);
  return { keys, hidden: names.find((k) => !listed.has(k)) ?? symbols[0] };
}

/** A record's snapshot (see `requireObject`); `path` prefixes field names in errors (`messages[3].`). */
export function recordSnapshot(
  ctx: ValidationContext,
  op: string,
  input: unknown,
  path: string,
): Record<string, unknown> {
  return requireObject(ctx, op, path === '' ? 'input' : path.slice(0, -1), input, path);
}

/** Checks a record's snapshot against its fields; `extra` names keys the caller reads itself. */
export function checkRecord(
  ctx: ValidationContext,
  op: string,
  fields: Record<string, FieldSpec>,
  obj: Record<string, unknown>,
  path = '',
  extra: readonly string[] = [],
): Record<string, unknown> {
  for (const key of Object.keys(obj)) {
    // Object.hasOwn, not `in`: `constructor` or `__proto__` must not pass as fields.
    if (!Object.hasOwn(fields, key) && !extra.includes(key)) {
      invalid(
        ctx,
        op,
        `${path}${key}`,
        key === 'id' ? 'is assigned by the store' : 'is not a field of this record',
      );
    }
  }
  const out: Record<string, unknown> = {};
  for (const field in fields) {
    const spec = fields[field] as FieldSpec;
    const value = obj[field];
    // Whether createdAt was given: an idempotent retry compares it only then.
    if (field === 'createdAt') out.createdAtGiven = value !== undefined;
    if (value === undefined) {
      if (spec.default === undefined) invalid(ctx, op, path + field, 'is required');
      out[field] = spec.default === 'clock' ? clockNow(ctx, op, field, path) : spec.default;
      // Defaults are already in stored form except JSON, which is encoded here.
      if (spec.kind === 'json' && !spec.nullable) out[field] = 'null';
    } else {
      out[field] = checkValue(ctx, op, field, spec, value, path);
    }
  }
  return out;
}

/** The storage clock's time for an omitted `field` (prefixed by `path` in errors, as in `checkValue`). */
export function clockNow(ctx: ValidationContext, op: string, field: string, path = ''): number {
  let now: number;
  try {
    now = ctx.clock();
  } catch (e) {
    // The storage's own option failed, not the caller's input; named so that it can be found.
    invalid(
      ctx,
      op,
      'clock',
      `threw while supplying the omitted ${path}${field}: ${e instanceof Error ? e.message : String(e)}`,
      e,
    );
  }
  if (!Number.isSafeInteger(now)) {
    // Not the caller's fault, but writing a bad timestamp would be worse.
    invalid(
      ctx,
      op,
      path + field,
      `was omitted and the storage clock returned ${describe(now)}, not a safe integer`,
    );
  }
  // As for a given timestamp: an integer column has no -0.
  return now === 0 ? 0 : now;
}

export function checkUpdate(
  ctx: ValidationContext,
  op: string,
  fields: Record<string, FieldSpec>,
  mutable: readonly string[],
  id: unknown,
  input: unknown,
): UpdateRecord {
  if (typeof id !== 'string') invalid(ctx, op, 'id', `must be a string, got ${describe(id)}`);
  const obj = requireObject(ctx, op, 'update', input);
  for (const key of Object.keys(obj)) {
    if (!mutable.includes(key)) {
      invalid(
        ctx,
        op,
        key,
        Object.hasOwn(fields, key) ? 'cannot be changed after creation' : 'is not a field of this record',
      );
    }
  }
  const out: UpdateRecord = { fields: [], values: [] };
  for (const field of mutable) {
    const value = obj[field];
    if (value === undefined) continue;
    out.fields.push(field);
    out.values.push(checkValue(ctx, op, field, fields[field] as FieldSpec, value) as string | number | null);
  }
  if (out.fields.length === 0) invalid(ctx, op, 'update', `must set at least one of ${mutable.join(', ')}`);
  return out;
}

/** Checks the argument of a read (`getSession(id)`, `getMessages(sessionId)`): it must be a string. */
export function validateIdArgument(ctx: ValidationContext, op: string, field: string, id: unknown): string {
  if (typeof id !== 'string') invalid(ctx, op, field, `must be a string, got ${describe(id)}`);
  return id;
}
