import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { postgresUrl } from '../helpers/postgres.js';

// A smoke test that `npm run bench -- --quick` runs and reports: never a timing assertion
// (ratios are measured by the benchmark itself; see docs/performance.md).
const root = join(import.meta.dirname, '..', '..');
const dir = mkdtempSync(join(tmpdir(), 'agent-storage-bench-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const pgUrl = await postgresUrl();

interface BenchReport {
  sqlDrift: unknown[];
  results: { adapter: string; operation: string; ratio: number }[];
  memoryGrowth: { adapter: string; list: string; points: { rows: number; kitBytes: number }[] }[];
}

describe('npm run bench -- --quick', () => {
  it('runs every operation and memory check on every adapter, kit beside the raw driver running the same SQL', async () => {
    const json = join(dir, 'bench.json');
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['--import', 'tsx', 'bench/run.ts', '--quick', '--json', json],
      {
        cwd: root,
        timeout: 240_000,
        env: { ...process.env, ...(pgUrl ? { AGENT_STORAGE_BENCH_POSTGRES_URL: pgUrl } : {}) },
      },
    );
    expect(stdout).toMatch(/\| adapter +\| operation +\| kit ops\/s \| raw ops\/s \| kit\/raw \|/);
    const report = JSON.parse(readFileSync(json, 'utf8')) as BenchReport;
    // The raw baselines' SQL is a copy of the kit's: a drift would make the ratios meaningless.
    expect(report.sqlDrift).toEqual([]);
    const adapters = [...new Set(report.results.map((r) => r.adapter))];
    expect(adapters).toEqual(pgUrl ? ['sqlite', 'libsql', 'postgres'] : ['sqlite', 'libsql']);
    for (const adapter of adapters) {
      expect(report.results.filter((r) => r.adapter === adapter).map((r) => r.operation)).toEqual([
        'append-message',
        'tool-call',
        'messages-page-deep',
        'list-sessions-first',
        'list-sessions-deep',
        'read-session',
        'append-batch-100',
      ]);
    }
    for (const r of report.results)
      expect(Number.isFinite(r.ratio) && r.ratio > 0, `${r.adapter} ${r.operation}`).toBe(true);
    // Memory while lists grow: three sizes, two pages each, per adapter and list (reported, not asserted).
    expect(report.memoryGrowth.map((g) => [g.adapter, g.list, g.points.map((p) => p.rows)])).toEqual(
      adapters.flatMap((adapter) => [
        [adapter, 'sessions', [100, 100, 1_000, 1_000, 10_000, 10_000]],
        [adapter, 'messages', [200, 200, 2_000, 2_000, 20_000, 20_000]],
      ]),
    );
  }, 240_000);
});
