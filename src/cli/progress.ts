import cliProgress from 'cli-progress';
import type { CliIo } from './io.js';

/** A progress bar with ETA on a terminal's stderr (cli-progress); nothing at all when stderr is piped. */
export interface Progress {
  start(total: number): void;
  update(done: number, detail?: string): void;
  stop(): void;
}

const SILENT: Progress = { start() {}, update() {}, stop() {} };

export function progressBar(io: CliIo, label: string): Progress {
  if (!io.stderrIsTTY) return SILENT;
  const bar = new cliProgress.SingleBar(
    {
      stream: io.stderr,
      format: `${label} [{bar}] {percentage}% | {value}/{total} | ETA {eta_formatted} | {detail}`,
      hideCursor: true,
      clearOnComplete: false,
      etaBuffer: 50,
    },
    cliProgress.Presets.shades_classic,
  );
  let started = false;
  return {
    start(total) {
      bar.start(total, 0, { detail: '' });
      started = true;
    },
    update(done, detail = '') {
      if (started) bar.update(done, { detail });
    },
    stop() {
      if (started) bar.stop();
      started = false;
    },
  };
}
