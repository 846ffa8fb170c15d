import { PassThrough } from 'node:stream';
import type { CliIo } from '../../src/cli/io.js';

/** A `CliIo` for running commands in-process: output collected as text, a terminal or a pipe as asked. */
export function fakeIo(options: { tty?: boolean; columns?: number; env?: Record<string, string> } = {}) {
  const controller = new AbortController();
  const cleanups: (() => Promise<void> | void)[] = [];
  const collect = () => {
    const stream = new PassThrough();
    let text = '';
    stream.on('data', (chunk: Buffer) => {
      text += chunk.toString('utf8');
    });
    return { stream, text: () => text };
  };
  const out = collect();
  const err = collect();
  const io: CliIo = {
    stdout: out.stream,
    stderr: err.stream,
    isTTY: options.tty === true,
    stderrIsTTY: false,
    columns: options.columns ?? 80,
    signal: controller.signal,
    onCleanup: (fn) => void cleanups.push(fn),
    env: options.env ?? {},
  };
  return {
    io,
    abort: () => controller.abort(),
    stdout: out.text,
    stderr: err.text,
    async cleanup() {
      for (const fn of cleanups.reverse()) await fn();
    },
  };
}
