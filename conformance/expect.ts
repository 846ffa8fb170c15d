import { encodeJson } from '../src/contract/json.js';

/** A failed requirement check; its message says what was expected and what came back. */
export class ConformanceFailure extends Error {
  override readonly name = 'ConformanceFailure';
}

export function fail(message: string): never {
  throw new ConformanceFailure(message);
}

export function check(condition: unknown, message: string): asserts condition {
  if (!condition) fail(message);
}

/**
 * Exact rendering for comparisons: JSON values keep key order and -0; anything else
 * (undefined, functions) gets a readable tag instead of failing.
 */
export function show(value: unknown): string {
  try {
    return encodeJson(value);
  } catch {
    if (value === undefined) return 'undefined';
    return `<${typeof value}: ${String(value)}>`;
  }
}

/** Deep equality on JSON-shaped data, strict about key order, -0 and extra keys. */
export function same(actual: unknown, expected: unknown, what: string): void {
  const a = show(actual);
  const e = show(expected);
  if (a !== e) fail(`${what}: expected ${clip(e)}, got ${clip(a)}`);
}

function clip(s: string): string {
  return s.length > 400 ? `${s.slice(0, 400)}… (${s.length} chars)` : s;
}

interface ErrorLike {
  name?: unknown;
  code?: unknown;
  message?: unknown;
}

/**
 * Expects `action` to reject with an AgentStorageError of `code`; with `field`, the
 * message must name it. Checks by shape, not `instanceof`, so an adapter built against
 * another copy of the kit is judged fairly.
 */
export async function rejects(
  action: () => Promise<unknown>,
  code: string,
  what: string,
  options: { field?: string; adapter?: string } = {},
): Promise<void> {
  let result: unknown;
  try {
    result = await action();
  } catch (error) {
    const e = error as ErrorLike;
    if (e?.name !== 'AgentStorageError' || e.code !== code) {
      fail(
        `${what}: expected ${code}, got ${e?.name ?? typeof error} ${e?.code ?? ''}: ${String(e?.message ?? error)}`,
      );
    }
    const message = String(e.message);
    if (options.field !== undefined && !message.includes(options.field)) {
      fail(`${what}: the ${code} message must name the field ${options.field}: ${message}`);
    }
    if (options.adapter !== undefined && !message.includes(options.adapter)) {
      fail(`${what}: the error message must name the adapter ${options.adapter}: ${message}`);
    }
    return;
  }
  fail(`${what}: expected ${code}, but it succeeded with ${show(result)}`);
}
