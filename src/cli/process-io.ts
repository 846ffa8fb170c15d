import type { CliIo } from './io.js';
import { describeError, pipeClosed } from './io.js';

/**
 * The `CliIo` of the running process. Ctrl-C (or SIGTERM) raises the signal: commands stop at
 * their next safe point, and every registered clean-up runs before the process exits (scratch
 * databases dropped, partial files removed). A second Ctrl-C exits at once without them.
 * A closed pipe (`agent-storage sessions | head -1`) ends the output quietly; on stdout it
 * stops the command as Ctrl-C does (`readerLeft`), on stderr nothing stops; either way the
 * exit code stays the command's: a copy that failed its verification exits 1 through
 * `2>&1 | head -1` too. Any other output error (a full
 * disk) fails the command with exit 1, after the clean-ups.
 */
export function processIo(): CliIo & { close(): Promise<void>; readonly readerLeft: boolean } {
  const controller = new AbortController();
  const cleanups: (() => Promise<void> | void)[] = [];
  let interrupts = 0;
  let readerLeft = false;
  const interrupt = () => {
    interrupts++;
    if (interrupts > 1) process.exit(130);
    process.stderr.write('\nagent-storage: stopping and cleaning up (Ctrl-C again to quit at once)\n');
    controller.abort();
  };
  process.on('SIGINT', interrupt);
  process.on('SIGTERM', interrupt);
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (e: NodeJS.ErrnoException) => {
      // The reader went away: nothing more to say, and nothing to report. Stdout's reader
      // is what the command works for (a listing, an export): it stops. Stderr carries only
      // progress and messages: a copy or an import whose log was cut goes on to its end.
      if (e.code === 'EPIPE') {
        pipeClosed(stream);
        if (stream === process.stdout) {
          readerLeft = true;
          controller.abort();
        }
        return;
      }
      controller.abort();
      // Output that cannot be written (stdout on a full disk): the command failed. Said on
      // stderr (unless stderr is what failed), clean-ups run, exit 1; never an uncaught stack.
      if (stream === process.stdout && !process.stderr.destroyed)
        process.stderr.write(`agent-storage: cannot write the output: ${describeError(e)}\n`);
      void runCleanups().finally(() => process.exit(1));
    });
  }
  let cleaned: Promise<void> | undefined;
  const runCleanups = () => {
    cleaned ??= (async () => {
      for (const fn of cleanups.reverse()) {
        try {
          await fn();
        } catch (e) {
          process.stderr.write(`agent-storage: clean-up failed: ${describeError(e)}\n`);
        }
      }
    })();
    return cleaned;
  };
  return {
    stdout: process.stdout,
    stderr: process.stderr,
    isTTY: process.stdout.isTTY === true,
    stderrIsTTY: process.stderr.isTTY === true,
    columns: process.stdout.columns ?? 80,
    signal: controller.signal,
    onCleanup: (fn) => void cleanups.push(fn),
    env: process.env,
    close: runCleanups,
    // Only when nothing else stopped it: Ctrl-C in `import | tee log` kills both, and the
    // interrupted import's summary then meets a closed pipe; that is still an interrupt (130).
    get readerLeft() {
      return readerLeft && interrupts === 0;
    },
  };
}
