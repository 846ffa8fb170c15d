import { AgentStorageError, isAgentStorageError } from '../contract/errors.js';
import { redactSecrets } from '../contract/redact.js';

/**
 * What a command gets from the CLI instead of touching `process` itself: where to print,
 * whether stdout is a terminal (colour, widths, progress bars) or a pipe (plain text), an
 * abort signal raised by Ctrl-C, and a place to register clean-ups (scratch stores, partial
 * files) that run on every exit, Ctrl-C included. Tests pass their own.
 */
export interface CliIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  /** stdout is a terminal: colour, column widths, progress bars. Piped output is plain. */
  isTTY: boolean;
  /** stderr is a terminal: where progress bars go. */
  stderrIsTTY: boolean;
  /** Terminal width for tables and transcripts (80 when unknown). */
  columns: number;
  /** Raised on Ctrl-C (SIGINT) or SIGTERM: stop at the next safe point and return `EXIT.interrupted`. */
  signal: AbortSignal;
  /** Runs `fn` before the process exits, whether the command finished, failed or was interrupted. */
  onCleanup(fn: () => Promise<void> | void): void;
  /** `AGENT_STORAGE_URL` and the like. */
  env: Readonly<Record<string, string | undefined>>;
}

/** Exit codes, as README's CLI section documents them. */
export const EXIT = {
  ok: 0,
  /** The command ran and found a problem: failed requirements, a copy that does not verify, a store error. */
  failed: 1,
  /** Bad usage: unknown command or flag, a flag of another command, a bad value. Nothing was done. */
  usage: 2,
  /** Interrupted (Ctrl-C); clean-ups ran, and a copy resumes where it stopped. */
  interrupted: 130,
} as const;

/** A usage error: the CLI prints it with the command's usage and exits with `EXIT.usage`. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/**
 * For `.catch`: the library's INVALID_INPUT about `field`, a value the user typed as
 * `--field`, becomes a usage error naming the flag; anything else is rethrown.
 */
export function flagError(field: string): (e: unknown) => never {
  return (e) => {
    if (isAgentStorageError(e, 'INVALID_INPUT') && e.field === field)
      throw new UsageError(`--${field}: ${e.message}`);
    throw e;
  };
}

/** An integer option within bounds, or a `UsageError` naming the flag. */
export function integerFlag(
  flag: string,
  value: string | undefined,
  bounds: { min: number; max?: number },
): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (
    !/^-?\d+$/.test(value.trim()) ||
    !Number.isSafeInteger(n) ||
    n < bounds.min ||
    n > (bounds.max ?? Infinity)
  ) {
    const range = bounds.max === undefined ? `at least ${bounds.min}` : `from ${bounds.min} to ${bounds.max}`;
    throw new UsageError(`--${flag} must be an integer ${range}, got ${JSON.stringify(value)}`);
  }
  return n;
}

/** The one line an error becomes on stderr: its code when it has one, always redacted. */
export function describeError(e: unknown): string {
  const text = e instanceof Error ? e.message : String(e);
  const code = e instanceof AgentStorageError ? `${e.code}: ` : '';
  return redactSecrets(`${code && !text.includes(code) ? code : ''}${text}`);
}

/** Output streams whose reader went away (`| head -1`): what is written to them goes nowhere. */
const closedPipes = new WeakSet<object>();

/** Marks `out` as a pipe whose reader went away: `writeLine` then writes nothing to it. */
export function pipeClosed(out: NodeJS.WritableStream): void {
  closedPipes.add(out);
}

const isEpipe = (e: unknown) => (e as NodeJS.ErrnoException | undefined)?.code === 'EPIPE';

/**
 * Writes a line; `write` returns false under back-pressure, so long outputs wait for `drain`.
 * To a pipe whose reader went away it writes nothing and resolves: the command goes on to
 * its next safe point (the CLI stops it there) and its exit code still says how it went.
 */
export async function writeLine(out: NodeJS.WritableStream, line: string): Promise<void> {
  if (closedPipes.has(out) || out.write(`${line}\n`)) return;
  // A stream that fails while full never drains: its error ends the wait.
  await new Promise<void>((resolve, reject) => {
    const drained = () => {
      out.off('error', failed);
      resolve();
    };
    const failed = (e: unknown) => {
      out.off('drain', drained);
      if (isEpipe(e)) resolve();
      else reject(e);
    };
    out.once('drain', drained);
    out.once('error', failed);
  });
}

/**
 * Lets the event loop turn once. Ctrl-C reaches the command through a signal handler, which
 * runs only then: a loop over a synchronous store (better-sqlite3) writing to a synchronous
 * output (stdout redirected to a file) never turned it, and ran to the end through two Ctrl-Cs.
 */
export function letSignalsIn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
