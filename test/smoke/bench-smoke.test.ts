import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, it } from 'vitest';
import { postgresUrl } from '../helpers/postgres.js';

// A smoke test that `npm run bench -- --quick` runs and reports: never a timing assertion
// (ratios are measured by the benchmark itself; see docs/performance.md), and no time limit
// (a busy machine may take minutes). One run per adapter, all at once: each is one process,
// and on its own the quick run of the three took 137 s on 2 cores with one mostly idle.
const root = join(import.meta.dirname, '..', '..');
const dir = mkdtempSync(join(tmpdir(), 'agent-storage-bench-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
// In CI postgresUrl() throws when no server answers; elsewhere Postgres is left out, loudly.
const pgUrl = await postgresUrl();

interface BenchReport {
  sqlDrift: unknown[];
  results: { adapter: string; operation: string; ratio: number }[];
  memoryGrowth: { adapter: string; list: string; points: { rows: number; kitBytes: number }[] }[];
  transfer: { source: string; adapter: string; sessions: number; copy: { verified: number } }[];
}

const adapters = pgUrl ? ['sqlite', 'libsql', 'postgres'] : ['sqlite', 'libsql'];

describe.concurrent('npm run bench -- --quick', { timeout: 0 }, () => {
  for (const adapter of adapters) {
    it(`runs every operation and memory check on ${adapter}, kit beside the raw driver running the same SQL`, async ({
      expect,
    }) => {
      const json = join(dir, `bench-${adapter}.json`);
      const { stdout } = await promisify(execFile)(
        process.execPath,
        ['--import', 'tsx', 'bench/run.ts', '--quick', '--adapter', adapter, '--json', json],
        {
          cwd: root,
          maxBuffer: 64 * 1024 * 1024,
          env: { ...process.env, ...(pgUrl ? { AGENT_STORAGE_BENCH_POSTGRES_URL: pgUrl } : {}) },
        },
      );
      expect(stdout).toMatch(/\| adapter +\| operation +\| kit ops\/s \| raw ops\/s \| kit\/raw \|/);
      const report = JSON.parse(readFileSync(json, 'utf8')) as BenchReport;
      // The raw baselines' SQL is a copy of the kit's: a drift would make the ratios meaningless.
      expect(report.sqlDrift).toEqual([]);
      expect(report.results.map((r) => `${r.adapter} ${r.operation}`)).toEqual(
        [
          'append-message',
          'tool-call',
          'messages-page-deep',
          'list-sessions-first',
          'list-sessions-deep',
          'read-session',
          'append-batch-100',
        ].map((op) => `${adapter} ${op}`),
      );
      for (const r of report.results)
        expect(Number.isFinite(r.ratio) && r.ratio > 0, `${r.adapter} ${r.operation}`).toBe(true);
      // Memory while lists grow: three sizes, two pages each, per list (reported, not asserted).
      expect(report.memoryGrowth.map((g) => [g.adapter, g.list, g.points.map((p) => p.rows)])).toEqual([
        [adapter, 'sessions', [100, 100, 1_000, 1_000, 10_000, 10_000]],
        [adapter, 'messages', [200, 200, 2_000, 2_000, 20_000, 20_000]],
      ]);
      // Copies within the adapter and, into any other, from SQLite (the usual move), every session verified.
      expect(report.transfer.map((t) => `${t.source} → ${t.adapter}`)).toEqual(
        adapter === 'sqlite' ? ['sqlite → sqlite'] : [`${adapter} → ${adapter}`, `sqlite → ${adapter}`],
      );
      for (const t of report.transfer) expect(t.copy.verified, `${t.source} → ${t.adapter}`).toBe(t.sessions);
    });
  }
});
