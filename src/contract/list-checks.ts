import {
  checkRecord,
  describe,
  type FieldSpec,
  invalid,
  lookAt,
  readOnce,
  recordSnapshot,
  type ValidationContext,
  validateIdArgument,
} from './input-checks.js';
import { nonIndexKey } from './json.js';

/**
 * The checks of a caller's lists (a batch's messages, a call's questions): a plain array of
 * elements and nothing beside them, each element checked in turn, keys unique where the
 * contract says so.
 */

export function checkList<T>(
  ctx: ValidationContext,
  op: string,
  field: string,
  input: unknown,
  item: (value: unknown, path: string) => T,
): T[] {
  const shape = lookAt(ctx, op, field, input, listShape);
  if (shape === 'not-array') invalid(ctx, op, field, `must be an array, got ${describe(input)}`);
  if (shape === 'not-plain') invalid(ctx, op, field, `must be a plain array, got ${describe(input)}`);
  // A property beside the elements would be dropped without a word: refuse it instead.
  if (shape.extra !== undefined) invalid(ctx, op, `${field}.${shape.extra}`, 'is not an element of the list');
  const { length } = shape;
  // An index loop, not map(): map skips the holes of a sparse array, which must be refused.
  const out: T[] = [];
  for (let i = 0; i < length; i++) {
    out.push(item(readOnce(ctx, op, field, input as unknown[], i), `${field}[${i}].`));
  }
  return out;
}

/** What `checkList` needs to know of a value, read without judging it (`lookAt` catches a trap). */
function listShape(
  input: unknown,
): 'not-array' | 'not-plain' | { length: number; extra: string | undefined } {
  if (!Array.isArray(input)) return 'not-array';
  if (Object.getPrototypeOf(input) !== Array.prototype) return 'not-plain';
  const length = input.length;
  const extra = nonIndexKey(Object.keys(input), length);
  const symbol = Object.getOwnPropertySymbols(input)[0];
  return { length, extra: extra ?? (symbol === undefined ? undefined : String(symbol)) };
}

/** Keys that must be unique within one call (questionId, settingKey). */
export function checkUnique(
  ctx: ValidationContext,
  op: string,
  field: string,
  key: string,
  items: readonly Record<string, unknown>[],
): void {
  const seen = new Set<unknown>();
  items.forEach((item, i) => {
    if (seen.has(item[key]))
      invalid(ctx, op, `${field}[${i}].${key}`, `repeats ${JSON.stringify(item[key])} within the same call`);
    seen.add(item[key]);
  });
}

/**
 * A list of records for one session (questions, answers, settings, values). With `key`, the
 * key must be unique within the call: answering `q1` twice in one call has no one answer.
 * Questions and settings themselves may repeat a key, as nocodo stores them.
 */
export function keyedList<T>(
  ctx: ValidationContext,
  op: string,
  sessionId: unknown,
  field: string,
  fields: Record<string, FieldSpec>,
  key: string | null,
  input: unknown,
): T[] {
  validateIdArgument(ctx, op, 'sessionId', sessionId);
  const list = checkList(ctx, op, field, input, (v, path) =>
    checkRecord(ctx, op, fields, recordSnapshot(ctx, op, v, path), path),
  );
  if (key !== null) checkUnique(ctx, op, field, key, list);
  return list as unknown as T[];
}
