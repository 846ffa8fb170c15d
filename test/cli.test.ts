import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { postgresUrl } from './helpers/postgres.js';

const root = join(import.meta.dirname, '..');
const dir = mkdtempSync(join(tmpdir(), 'agent-storage-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const run = promisify(execFile);
const pgUrl = await postgresUrl();

async function cli(args: string[], bin = ['--import', 'tsx', 'src/cli/main.ts']) {
  try {
    // No time limit of its own: a busy machine may take long; the test runner's limit stands.
    const { stdout, stderr } = await run(process.execPath, [...bin, ...args], { cwd: root });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}

describe('agent-storage CLI', () => {
  it('verify prints a requirement x adapter table for the built-in adapters and exits 0', async () => {
    const json = join(dir, 'report.json');
    // --runs keeps the randomised requirements short: this checks the CLI, not the adapters.
    const { code, stdout } = await cli(['verify', '--runs', '5', '--json', json]);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^requirement\s+memory\s+sqlite\s+libsql$/m);
    expect(stdout).toMatch(/^session\.update-unknown\s+pass\s+pass\s+pass$/m);
    expect(stdout).toMatch(/^persist\.reopen\s+n\/a\s+pass\s+pass$/m);
    expect(stdout).toMatch(/^\d+ passed, 0 failed, 0 skipped, 1 not applicable$/m);
    const reports = JSON.parse(readFileSync(json, 'utf8')) as {
      adapter: string;
      failed: number;
      results: unknown[];
    }[];
    expect(reports.map((r) => [r.adapter, r.failed])).toEqual([
      ['memory', 0],
      ['sqlite', 0],
      ['libsql', 0],
    ]);
  });

  it('verify --url selects adapters by scheme and never touches the named database', async () => {
    const path = join(dir, 'mine.db');
    const { code, stdout } = await cli(['verify', '--url', `sqlite:${path}`, '--grep', 'session.']);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^requirement\s+sqlite$/m);
    expect(() => readFileSync(path)).toThrow();
  });

  it.runIf(pgUrl)('verify --url postgres://… runs on a scratch database and drops it', async () => {
    const url = pgUrl as string;
    const databases = async () => {
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      const rows = (
        await client.query("SELECT datname FROM pg_database WHERE datname LIKE 'agent_storage_verify_%'")
      ).rows;
      await client.end();
      return rows;
    };
    const { code, stdout } = await cli(['verify', '--url', url, '--grep', 'corrupt.']);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^corrupt\.enum\s+pass$/m);
    expect(await databases()).toEqual([]);
  });

  it('migrate and status manage the store at --url; status never creates a missing one', async () => {
    const file = join(dir, 'app.db');
    const url = `sqlite:${file}`;
    const missing = await cli(['status', '--url', url]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/NOT_FOUND.*no database at/);
    expect(() => readFileSync(file)).toThrow();
    expect((await cli(['migrate', '--url', url])).stdout).toMatch(/0001_create_agent_sessions/);
    const status = await cli(['status', '--url', url]);
    expect(status.stdout).toMatch(/^applied {2}0005_create_project_settings$/m);
    expect(status.stdout).not.toMatch(/pending/);
  });

  it('exits 2 with usage on an unknown command', async () => {
    const { code, stderr } = await cli(['frobnicate']);
    expect(code).toBe(2);
    expect(stderr).toContain("unknown command 'frobnicate'");
    expect(stderr).toContain('agent-storage help');
  });
});
