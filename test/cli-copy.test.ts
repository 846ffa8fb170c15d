import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordSampleRuns } from '../src/cli/sample-runs.js';
import type { AgentStorage } from '../src/contract/storage.js';
import { createStorage } from '../src/create-storage.js';
import { readSessionSnapshot, sessionChecksum } from '../src/transfer/snapshot.js';
import { CLI_ARGS, runCliProcess } from './helpers/cli-process.js';
import { dropSchemas, postgresUrl } from './helpers/postgres.js';

// `agent-storage copy` as the issue tells it, at a smaller size: a generated SQLite store is
// copied to Postgres, interrupted with Ctrl-C, resumed, and verified equal; `export | import`
// moves a store through a file. Every comparison is by content (a checksum per session).

const dir = mkdtempSync(join(tmpdir(), 'agent-storage-cli-copy-'));
const source = `sqlite:${join(dir, 'source.db')}`;
const SESSIONS = 300;
const pgUrl = await postgresUrl();
const schema = `agent_storage_copy_${process.pid}`;

beforeAll(async () => {
  const s = await createStorage(source);
  await recordSampleRuns(s, { count: SESSIONS, seed: 11 });
  await s.close();
});
afterAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  await dropSchemas(pgUrl, [schema]);
});

const cli = (args: string[]) => runCliProcess(args, { cwd: dir });

/** Every session of a store by content: checksum → how many sessions have it. */
async function contents(url: string): Promise<Map<string, number>> {
  const store: AgentStorage = await createStorage(url);
  const sums = new Map<string, number>();
  try {
    let cursor: string | undefined;
    do {
      const page = await store.listSessions({ limit: 1000, ...(cursor ? { cursor } : {}) });
      for (const s of page.items) {
        const sum = sessionChecksum((await readSessionSnapshot(store, s.id)) as never);
        sums.set(sum, (sums.get(sum) ?? 0) + 1);
      }
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
  } finally {
    await store.close();
  }
  return sums;
}

describe('agent-storage copy and export | import', () => {
  it.runIf(pgUrl)(
    'copies SQLite to Postgres, is interrupted with Ctrl-C, resumes, and verifies equal',
    async () => {
      const target = new URL(pgUrl as string);
      target.searchParams.set('schema', schema);
      const journal = join(dir, 'copy.journal');
      const child = spawn(
        process.execPath,
        [...CLI_ARGS, 'copy', '--from', source, '--to', target.toString(), '--journal', journal, '--json'],
        { cwd: dir },
      );
      let stdout = '';
      child.stdout.on('data', (d: Buffer) => {
        stdout += d.toString();
      });
      // Interrupt once part of the store is across: the journal says how far it got.
      const done = () =>
        existsSync(journal)
          ? readFileSync(journal, 'utf8')
              .split('\n')
              .filter((l) => l.includes('"done"')).length
          : 0;
      let exited = false;
      child.on('exit', () => {
        exited = true;
      });
      while (done() < 20 && !exited) await new Promise((resolve) => setTimeout(resolve, 20));
      expect(exited, 'the copy ended before it could be interrupted').toBe(false);
      child.kill('SIGINT');
      const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
      expect(code).toBe(130);
      const first = JSON.parse(stdout) as { copied: number; interrupted?: boolean };
      expect(first.copied).toBeGreaterThanOrEqual(20);
      expect(first.copied).toBeLessThan(SESSIONS);

      const resumed = await cli([
        'copy',
        '--from',
        source,
        '--to',
        target.toString(),
        '--journal',
        journal,
        '--json',
      ]);
      expect(resumed.code).toBe(0);
      const second = JSON.parse(resumed.stdout) as {
        copied: number;
        skipped: number;
        mismatches: unknown[];
        verified: number;
      };
      expect(second.mismatches).toEqual([]);
      expect(second.copied + second.skipped).toBe(SESSIONS);
      expect(second.copied).toBeLessThanOrEqual(SESSIONS - first.copied + 1);
      expect(await contents(target.toString())).toEqual(await contents(source));

      // Copying again writes nothing new, with or without the journal.
      rmSync(journal);
      const again = await cli([
        'copy',
        '--from',
        source,
        '--to',
        target.toString(),
        '--journal',
        journal,
        '--json',
      ]);
      expect(JSON.parse(again.stdout)).toMatchObject({ copied: 0, skipped: SESSIONS, mismatches: [] });
    },
  );

  it('export | import moves every session through a JSONL file; importing twice writes nothing new', async () => {
    const file = join(dir, 'export.jsonl');
    const exported = await cli(['export', '--url', source, '--out', file]);
    expect(exported.code).toBe(0);
    const lines = readFileSync(file, 'utf8').trimEnd().split('\n');
    expect(JSON.parse(lines[0] as string)).toMatchObject({
      type: 'header',
      format: 'agent-storage-kit/export',
      version: 2,
    });
    expect(JSON.parse(lines.at(-1) as string)).toEqual({
      type: 'end',
      sessions: SESSIONS,
      records: lines.length - 1,
    });
    const dest = `sqlite:${join(dir, 'imported.db')}`;
    const first = await cli(['import', file, '--url', dest, '--json']);
    expect(first.code).toBe(0);
    expect(JSON.parse(first.stdout)).toMatchObject({ sessions: SESSIONS, written: SESSIONS, skipped: 0 });
    const second = await cli(['import', file, '--url', dest, '--json']);
    expect(JSON.parse(second.stdout)).toMatchObject({ sessions: SESSIONS, written: 0, skipped: SESSIONS });
    expect(await contents(dest)).toEqual(await contents(source));
  });

  it('import refuses an export of a newer format, naming it', async () => {
    const file = join(dir, 'newer.jsonl');
    const { writeFileSync } = await import('node:fs');
    writeFileSync(
      file,
      `${JSON.stringify({ type: 'header', format: 'agent-storage-kit/export', version: 99, exportedAt: 0, adapter: 'x' })}\n`,
    );
    const r = await cli(['import', file, '--url', `sqlite:${join(dir, 'refused.db')}`]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/newer.*version 99/);
  });
});
