/** Every way a storage call can fail. The code is the contract; messages are for people. */
export const ERROR_CODES = [
  'NOT_FOUND',
  'INVALID_INPUT',
  'CONFLICT',
  'UNAVAILABLE',
  'CORRUPT_DATA',
  'MIGRATION',
  'NOT_SUPPORTED',
  'CLOSED',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

export interface AgentStorageErrorOptions {
  /** The adapter that raised it (`sqlite`, `memory`, ...). */
  adapter: string;
  /** The input field at fault (`INVALID_INPUT`) or the column that holds bad data (`CORRUPT_DATA`). */
  field?: string;
  cause?: unknown;
}

/**
 * The one error class of the kit. `code` says what happened; `message` names the
 * adapter and, for bad input or bad data, the field.
 */
export class AgentStorageError extends Error {
  override readonly name = 'AgentStorageError';
  readonly code: ErrorCode;
  readonly adapter: string;
  readonly field: string | undefined;

  constructor(code: ErrorCode, message: string, options: AgentStorageErrorOptions) {
    super(
      `[${options.adapter}] ${code}: ${message}`,
      options.cause === undefined ? {} : { cause: options.cause },
    );
    this.code = code;
    this.adapter = options.adapter;
    this.field = options.field;
  }
}

/** An `AgentStorageError`'s message without its `[adapter] CODE: ` prefix, to quote inside another. */
export const problemOf = (e: AgentStorageError): string =>
  e.message.slice(`[${e.adapter}] ${e.code}: `.length);

/** `e` again (code, adapter, field), its message followed by `more`, with `e` as the cause. */
export function amended(e: AgentStorageError, more: string): AgentStorageError {
  return new AgentStorageError(e.code, `${problemOf(e)}${more}`, {
    adapter: e.adapter,
    cause: e,
    ...(e.field === undefined ? {} : { field: e.field }),
  });
}

/** True when `error` is an `AgentStorageError`, optionally with the given code. */
export function isAgentStorageError(error: unknown, code?: ErrorCode): error is AgentStorageError {
  return error instanceof AgentStorageError && (code === undefined || error.code === code);
}
