import { execFileSync, spawn } from 'node:child_process';
import {
  closeSync,
  existsSync,
  lstatSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import Database from 'better-sqlite3';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseTime } from '../src/cli/options.js';
import { packageVersion } from '../src/cli/package-version.js';
import { runCli } from '../src/cli/program.js';
import { recordSampleRuns } from '../src/cli/sample-runs.js';
import { createStorage } from '../src/create-storage.js';
import { fakeIo } from './helpers/cli-io.js';
import { CLI_ARGS, runCliProcess } from './helpers/cli-process.js';
import { postgresUrl } from './helpers/postgres.js';

// Every finding of the CLI review, as a user meets it: the process, its exit code and output.

const root = join(import.meta.dirname, '..');
const dir = mkdtempSync(join(tmpdir(), 'agent-storage-cli-behaviour-'));
const store = `sqlite:${join(dir, 'runs.db')}`;
const pgUrl = await postgresUrl();

beforeAll(async () => {
  const s = await createStorage(store);
  await recordSampleRuns(s, { count: 300, seed: 3 });
  await s.close();
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const cli = (args: string[], env: Record<string, string> = {}, cwd = root) =>
  runCliProcess(args, { env, cwd });

/** The same CLI in this process (no process start-up), for what needs no signals or pipes. */
async function inProcess(args: string[]) {
  const f = fakeIo();
  const code = await runCli(args, f.io);
  await f.cleanup();
  return { code, stdout: f.stdout(), stderr: f.stderr() };
}

describe('the CLI behaves', () => {
  it('export --out writes into a named pipe as it is, and through a symlink to the file it names', async () => {
    const whole = await inProcess(['export', '--url', store]);
    expect(whole.code).toBe(0);
    const fifo = join(dir, 'export.fifo');
    execFileSync('mkfifo', [fifo]);
    // A reader on the pipe, as `export --out pipe` is used: another process.
    const reader = spawn('cat', [fifo], { stdio: ['ignore', 'pipe', 'inherit'] });
    let read = '';
    reader.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      read += chunk;
    });
    const readerDone = new Promise((resolve) => reader.on('close', resolve));
    try {
      expect((await cli(['export', '--url', store, '--out', fifo])).code).toBe(0);
      // Replaced by a file, the pipe would leave its reader waiting for a writer for ever.
      expect(lstatSync(fifo).isFIFO()).toBe(true);
      await readerDone;
    } finally {
      reader.kill();
    }
    // The same records; the header's exportedAt (seconds) may differ.
    const body = (text: string) => text.slice(text.indexOf('\n') + 1);
    expect(body(read)).toBe(body(whole.stdout));
    // Nobody reading: Ctrl-C still ends the command (a blocking open would hold the thread).
    const lonely = join(dir, 'lonely.fifo');
    execFileSync('mkfifo', [lonely]);
    const waiting = spawn(process.execPath, [...CLI_ARGS, 'export', '--url', store, '--out', lonely], {
      cwd: root,
      stdio: 'ignore',
    });
    const ended = new Promise<number | null>((resolve) => waiting.on('close', (code) => resolve(code)));
    // Past start-up (its signal handlers are set) once it holds the store open: then waiting.
    const dbFile = store.slice('sqlite:'.length);
    const holdsStore = () => {
      try {
        return readdirSync(`/proc/${waiting.pid}/fd`).some((fd) => {
          try {
            return readlinkSync(`/proc/${waiting.pid}/fd/${fd}`) === dbFile;
          } catch {
            return false;
          }
        });
      } catch {
        return false;
      }
    };
    while (!holdsStore()) await new Promise((resolve) => setTimeout(resolve, 50));
    waiting.kill('SIGINT');
    expect(await ended).toBe(130);
    // /dev/stdout is whatever the shell redirected stdout to: `>> log` keeps what log held.
    const log = join(dir, 'export.log');
    // `agent-storage export --out OUT >> log`, log holding `held` first: the exit code.
    const exportAppendingTo = (out: string, held: string) => {
      writeFileSync(log, held);
      const logFd = openSync(log, 'a');
      const child = spawn(process.execPath, [...CLI_ARGS, 'export', '--url', store, '--out', out], {
        cwd: root,
        stdio: ['ignore', logFd, 'ignore'],
      });
      closeSync(logFd);
      return new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    };
    expect(await exportAppendingTo('/dev/stdout', 'before\n')).toBe(0);
    const logged = readFileSync(log, 'utf8');
    expect(logged.startsWith('before\n{"type":"header"')).toBe(true);
    expect(body(logged.slice('before\n'.length))).toBe(body(whole.stdout));
    // The same through a link of one's own to /dev/stdout.
    const viaLink = join(dir, 'stdout-link');
    symlinkSync('/dev/stdout', viaLink);
    expect(await exportAppendingTo(viaLink, 'again\n')).toBe(0);
    expect(readFileSync(log, 'utf8').startsWith('again\n{"type":"header"')).toBe(true);
    // A plain file under /dev (a tmpfs such as /dev/shm) is a file: made whole, then renamed.
    if (existsSync('/dev/shm')) {
      const shm = mkdtempSync('/dev/shm/agent-storage-export-');
      try {
        const inShm = join(shm, 'x.jsonl');
        expect((await inProcess(['export', '--url', store, '--out', inShm])).code).toBe(0);
        expect((await inProcess(['export', '--url', store, '--out', inShm])).code).toBe(0);
        expect(body(readFileSync(inShm, 'utf8'))).toBe(body(whole.stdout));
      } finally {
        rmSync(shm, { recursive: true, force: true });
      }
    }
    const real = join(dir, 'export-real.jsonl');
    const link = join(dir, 'export-link.jsonl');
    writeFileSync(real, 'old');
    symlinkSync(real, link);
    expect((await inProcess(['export', '--url', store, '--out', link])).code).toBe(0);
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    expect(body(readFileSync(real, 'utf8'))).toBe(body(whole.stdout));
    // A link to a file not made yet: made where it points, the link kept.
    const later = join(dir, 'export-later.jsonl');
    const dangling = join(dir, 'export-dangling.jsonl');
    symlinkSync(later, dangling);
    expect((await inProcess(['export', '--url', store, '--out', dangling])).code).toBe(0);
    expect(lstatSync(dangling).isSymbolicLink()).toBe(true);
    expect(body(readFileSync(later, 'utf8'))).toBe(body(whole.stdout));
  });

  it('--version prints the package version; help and help <command> print usage', async () => {
    const version = await inProcess(['--version']);
    expect(version).toMatchObject({ code: 0, stdout: `${packageVersion()}\n` });
    const help = await inProcess(['help']);
    expect(help.code).toBe(0);
    for (const command of [
      'sessions',
      'show',
      'export',
      'import',
      'copy',
      'prune',
      'migrate',
      'status',
      'verify',
    ])
      expect(help.stdout).toMatch(new RegExp(`^  ${command}\\b`, 'm'));
    const verifyHelp = await inProcess(['help', 'verify']);
    expect(verifyHelp.stdout).toContain('--crash-trials <n>');
  });

  it('unknown commands, unknown flags, flags of another command and repeated --url are usage errors (exit 2)', async () => {
    for (const args of [
      ['frobnicate'],
      ['migrate', '--grep', 'x'],
      ['migrate', '--json', 'j.json'],
      ['status', '--faults'],
      ['migrate', '--url', 'memory:', '--url', 'memory:'],
      ['sessions', '--limit', '0'],
      ['show'],
    ]) {
      const r = await inProcess(args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr, args.join(' ')).toMatch(/error|must|usage|twice/i);
    }
  });

  it('verify refuses what would run nothing or blame the adapter: --grep matching nothing, --runs 0 or negative, a report path it cannot write', async () => {
    const reportDb = join(dir, 'report.db');
    await (await createStorage(`sqlite:${reportDb}`)).close();
    for (const args of [
      ['--grep', 'nomatch'],
      ['--runs', '0'],
      ['--runs=-3'],
      ['--json', '/nonexistent/r.json'],
      ['--junit', '/nonexistent/r.xml'],
      // A folder, a database, or one file for two reports: refused before the suite, not after it.
      ['--grep', 'session.get', '--json', dir],
      ['--grep', 'session.get', '--html', reportDb],
      ['--grep', 'session.get', '--json', join(dir, 'same.json'), '--junit', join(dir, 'same.json')],
    ]) {
      const r = await inProcess(['verify', ...args]);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stdout, 'no suite ran').not.toMatch(/requirement/);
    }
  });

  it('verify --adapter loads a TypeScript target (through tsx)', async () => {
    const file = join(dir, 'target.ts');
    writeFileSync(
      file,
      `import { memoryTarget } from ${JSON.stringify(join(root, 'conformance/targets.ts'))};\nconst target: { name: string } = { ...memoryTarget(), name: 'ts-target' };\nexport default target;\n`,
    );
    const r = await cli(['verify', '--adapter', file, '--grep', 'session.get']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^requirement\s+ts-target$/m);
  });

  it('a usage error opens no store: copy, export and import check flags and files before creating anything', async () => {
    const cwd = mkdtempSync(join(dir, 'usage-'));
    const source = `sqlite:${join(dir, 'source-usage.db')}`;
    await (await createStorage(source)).close();
    const to = `sqlite:${join(cwd, 'to.db')}`;
    const notJson = join(dir, 'not-json.txt');
    writeFileSync(notJson, 'hello\n');
    const anExport = join(dir, 'usage-export.jsonl');
    expect((await inProcess(['export', '--url', source, '--out', anExport])).code).toBe(0);
    const noNewline = join(dir, 'no-newline.txt');
    writeFileSync(noNewline, 'notes without a final newline');
    for (const args of [
      ['copy', '--from', source, '--to', to, '--since', 'garbage'],
      ['copy', '--from', source, '--to', to, '--status', 'bogus'],
      ['copy', '--from', source, '--to', to, '--status', ''],
      ['copy', '--from', source, '--to', to, '--agent', ''],
      ['copy', '--from', source, '--to', to, '--journal', join(cwd, 'missing', 'j.jsonl')],
      ['copy', '--from', source, '--to', to, '--journal', cwd],
      ['copy', '--from', source, '--to', to, '--journal', '/dev/zero'],
      ['import', join(cwd, 'missing.jsonl'), '--url', to],
      ['export', '--url', to, '--until', 'soon'],
      ['export', '--url', source, '--out', join(cwd, 'missing', 'out.jsonl')],
      ['export', '--url', source, '--out', dir],
      ['export', '--url', source, '--out', ''],
      ['export', '--url', source, '--out', source.slice('sqlite:'.length)],
      ['export', '--url', source, '--since', '2026-02-30'],
      ['export', '--url', source, '--until', '2026-04-31T10:00:00Z'],
      ['export', '--url', source, '--until', '2026-01-01T24:00'],
      ['migrate', '--url', to, '--to', 'bogus'],
      ['migrate', '--url', to, '--to', '0042'],
      ['migrate', '--url', `${to}?durability=sloppy`],
      ['migrate', '--url', 'sqlit:./x.db'],
      ['status', '--url', `${to}?busyTimeoutMs=-1`],
      ['copy', '--from', source, '--to', `${to}?shema=x`],
      ['copy', '--from', `${source}?bogus=1`, '--to', to],
      ['sessions', '--url', source, '--cursor', ''],
      ['sessions', '--url', source, '--cursor', 'not-a-cursor'],
      ['import', dir, '--url', to],
      ['migrate', '--url', to, '--to', ''],
      ['verify', '--url', 'mysql://x', '--grep', 'session.get'],
      ['verify', '--adapter', join(cwd, 'no-such-target.js'), '--grep', 'session.get'],
      ['studio', '--url', source, '--report', join(cwd, 'no-such-report.json')],
      ['studio', '--url', source, '--report', notJson],
      ['copy', '--from', source, '--to', 'memory:'],
      ['import', anExport, '--url', 'memory:'],
      ['import', anExport, '--url', 'sqlite::memory:'],
      ['copy', '--from', source, '--to', 'sqlite::memory:'],
      ['demo', '--url', 'memory:'],
      // A source that keeps nothing is empty whenever a command opens it.
      ['copy', '--from', 'memory:', '--to', to],
      // Files that are no journal: refused whole, and left as they were (a journal's torn
      // last line is cut off; these were cut at their last newline, a database corrupted).
      ['copy', '--from', source, '--to', to, '--journal', source.slice('sqlite:'.length)],
      ['copy', '--from', source, '--to', to, '--journal', anExport],
      ['copy', '--from', source, '--to', to, '--journal', noNewline],
    ]) {
      const before = [source.slice('sqlite:'.length), anExport, noNewline].map((f) => readFileSync(f));
      const r = await inProcess(args);
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(2);
      expect(readdirSync(cwd), args.join(' ')).toEqual([]);
      const after = [source.slice('sqlite:'.length), anExport, noNewline].map((f) => readFileSync(f));
      expect(after, args.join(' ')).toEqual(before);
    }
    // Not an export: refused by its first line (an input error, exit 1), before the store is made.
    const r = await inProcess(['import', notJson, '--url', to]);
    expect(r).toMatchObject({ code: 1, stderr: expect.stringContaining('line 1: is not JSON') });
    const empty = join(dir, 'empty.jsonl');
    writeFileSync(empty, '\n\n');
    const e = await inProcess(['import', empty, '--url', to]);
    expect(e).toMatchObject({
      code: 1,
      stderr: expect.stringContaining('the export is empty, without even a header'),
    });
    expect(readdirSync(cwd)).toEqual([]);
    // A header and nothing after it: an import could only say it was cut short, so it says so first.
    const headerOnly = join(dir, 'header-only.jsonl');
    writeFileSync(headerOnly, `${readFileSync(anExport, 'utf8').split('\n')[0]}\n`);
    const h = await inProcess(['import', headerOnly, '--url', to]);
    expect(h).toMatchObject({ code: 1, stderr: expect.stringContaining('line 2: is missing') });
    expect(readdirSync(cwd)).toEqual([]);
    // Nor from stdin or a device, which cannot be looked at before they are read: the first
    // record is read, and must be a header, before the store is opened.
    for (const [args, input, says] of [
      [['import', '--url', to], '', 'the export is empty'],
      [['import', '-', '--url', to], 'hello\n', 'line 1: is not JSON'],
      [['import', '/dev/null', '--url', to], '', 'the export is empty'],
    ] as const) {
      const child = spawn(process.execPath, [...CLI_ARGS, ...args], {
        cwd: root,
        stdio: ['pipe', 'pipe', 'pipe'],
      });
      child.stdin.end(input);
      let stderr = '';
      child.stderr.on('data', (d: Buffer) => {
        stderr += d.toString();
      });
      const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
      expect({ code, stderr }, args.join(' ')).toMatchObject({
        code: 1,
        stderr: expect.stringContaining(says),
      });
      expect(readdirSync(cwd), args.join(' ')).toEqual([]);
    }
  });

  it('a bad URL names its flag; prune on a database that does not exist makes none', async () => {
    const cwd = mkdtempSync(join(dir, 'typo-'));
    const secret = 'postgress://app:S3cr3t@localhost/db';
    const bad = await inProcess(['copy', '--from', store, '--to', secret]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(
      /^agent-storage: --to: .*url "postgress:\/\/\*\*\*@localhost\/db" has no known scheme/,
    );
    expect(bad.stderr).not.toContain('S3cr3t');
    const pruned = await inProcess([
      'prune',
      '--url',
      `sqlite:${join(cwd, 'typo.db')}`,
      '--status',
      'failed',
    ]);
    expect(pruned.code).toBe(1);
    expect(pruned.stderr).toMatch(/NOT_FOUND.*there is no database at/);
    expect(readdirSync(cwd)).toEqual([]);
    // Without --url, the bad URL came from the environment: named as such.
    const f = fakeIo({ env: { AGENT_STORAGE_URL: secret } });
    expect(await runCli(['prune', '--status', 'failed'], f.io)).toBe(2);
    await f.cleanup();
    expect(f.stderr()).toMatch(/^agent-storage: AGENT_STORAGE_URL: .*has no known scheme/);
    expect(f.stderr()).not.toContain('S3cr3t');
    // Credentials in a local file's URL would show in the path: refused, redacted.
    for (const url of ['file://app:S3cr3t@/tmp/x.db', 'pglite://app:S3cr3t@/tmp/x']) {
      const r = await inProcess(['prune', '--url', url, '--status', 'failed']);
      expect(r.code, url).toBe(2);
      expect(r.stderr, url).toMatch(/names a host or credentials/);
      expect(r.stderr, url).not.toContain('S3cr3t');
    }
  });

  it.runIf(pgUrl)(
    'prune, sessions and export at a mistyped ?schema= find no store there and make none',
    async () => {
      const schema = `agent_storage_typo_${process.pid}`;
      const url = new URL(pgUrl as string);
      url.searchParams.set('schema', schema);
      for (const args of [['prune', '--status', 'failed'], ['sessions'], ['export']]) {
        // Not "run agent-storage migrate first", which would make the stray schema.
        const r = await inProcess([...args, '--url', url.toString()]);
        expect(r.code, args[0]).toBe(1);
        expect(r.stderr, args[0]).toMatch(/NOT_FOUND: there is no store at .*nothing is migrated there/);
      }
      const client = new pg.Client({ connectionString: pgUrl as string });
      await client.connect();
      try {
        const found = await client.query('SELECT 1 FROM information_schema.schemata WHERE schema_name = $1', [
          schema,
        ]);
        expect(found.rows).toEqual([]);
      } finally {
        await client.end();
      }
    },
  );

  it.runIf(pgUrl)("a Postgres database that does not exist is the server's 3D000, named", async () => {
    const url = new URL(pgUrl as string);
    url.pathname = `/agent_storage_no_such_db_${process.pid}`;
    for (const command of ['status', 'sessions']) {
      const r = await inProcess([command, '--url', url.toString()]);
      expect(r.code, command).toBe(1);
      expect(r.stderr, command).toMatch(
        /UNAVAILABLE: 3D000: database "agent_storage_no_such_db_\d+" does not exist/,
      );
    }
  });

  it('copy into a destination made anew since the journal says what to do about the journal', async () => {
    const cwd = mkdtempSync(join(dir, 'anew-'));
    const source = `sqlite:${join(cwd, 'source.db')}`;
    const s = await createStorage(source);
    await recordSampleRuns(s, { count: 2, seed: 3 });
    await s.close();
    const to = join(cwd, 'to.db');
    const args = ['copy', '--from', source, '--to', `sqlite:${to}`, '--journal', join(cwd, 'j.jsonl')];
    expect((await inProcess(args)).code).toBe(0);
    rmSync(to);
    const again = await inProcess(args);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('the destination has no session');
    expect(again.stderr).toContain(
      `the journal ${join(cwd, 'j.jsonl')} names copies the destination does not have`,
    );
    rmSync(join(cwd, 'j.jsonl'));
    expect((await inProcess(args)).code).toBe(0);
  });

  it('an empty AGENT_STORAGE_URL means the default store, as in createStorage', async () => {
    const cwd = mkdtempSync(join(dir, 'cwd-'));
    const r = await cli(['migrate'], { AGENT_STORAGE_URL: '' }, cwd);
    expect(r.code).toBe(0);
    expect(readdirSync(cwd)).toContain('agent-storage.db');
  });

  it('prune needs a filter, --dry-run deletes nothing, and a prune deletes exactly the matches with everything under them', async () => {
    const url = `sqlite:${join(dir, 'prune.db')}`;
    const s = await createStorage(url);
    await recordSampleRuns(s, { count: 40, seed: 5 });
    const failed = (await s.listSessions({ status: 'failed', limit: 1000 })).items.map((x) => x.id);
    const total = (await s.listSessions({ limit: 1000 })).items.length;
    await s.close();
    expect(failed.length).toBeGreaterThan(0);
    const none = await inProcess(['prune', '--url', url]);
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/at least one filter/);
    const dry = await inProcess(['prune', '--url', url, '--status', 'failed', '--dry-run', '--json']);
    expect(dry.code).toBe(0);
    expect(JSON.parse(dry.stdout)).toEqual({ dryRun: true, matched: failed.length, interrupted: false });
    const pruned = await inProcess(['prune', '--url', url, '--status', 'failed', '--batch', '2', '--json']);
    expect(pruned.code).toBe(0);
    expect(JSON.parse(pruned.stdout)).toEqual({ deleted: failed.length, interrupted: false });
    const after = await createStorage(url);
    expect((await after.listSessions({ limit: 1000 })).items.length).toBe(total - failed.length);
    for (const id of failed) expect(await after.getMessages(id)).toEqual([]);
    await after.close();
  });

  it('prune --dry-run cut short (Ctrl-C, or its reader gone) says its count is of what it listed, not the total', async () => {
    for (const json of [false, true]) {
      const f = fakeIo();
      // Stopped as soon as it has listed one session (Ctrl-C, or `| head -1` hanging up); with
      // --json, which lists nothing on the way, before its first.
      if (json) f.abort();
      else f.io.stdout.once('data', () => f.abort());
      const args = [
        'prune',
        '--url',
        store,
        '--until',
        '2100-01-01',
        '--dry-run',
        ...(json ? ['--json'] : []),
      ];
      const code = await runCli(args, f.io);
      await f.cleanup();
      expect(code, args.join(' ')).toBe(130);
      if (json) expect(JSON.parse(f.stdout())).toMatchObject({ dryRun: true, interrupted: true });
      else {
        expect(f.stderr()).toMatch(
          /^\d+ sessions listed before the listing stopped \(interrupted: not the whole count\)$/m,
        );
        expect(f.stderr()).not.toMatch(/would be deleted/);
      }
    }
  });

  it('export --out into a named pipe whose reader leaves early ends quietly with exit 0, as on stdout', async () => {
    const cwd = mkdtempSync(join(dir, 'fifo-head-'));
    const db = `sqlite:${join(cwd, 'runs.db')}`;
    const seeded = await createStorage(db);
    await recordSampleRuns(seeded, { count: 300, seed: 8 });
    await seeded.close();
    const fifo = join(cwd, 'head.fifo');
    execFileSync('mkfifo', [fifo]);
    const reader = spawn('head', ['-c', '100', fifo], { stdio: ['ignore', 'pipe', 'inherit'] });
    const read = new Promise<string>((resolve) => {
      let text = '';
      reader.stdout.setEncoding('utf8').on('data', (chunk: string) => {
        text += chunk;
      });
      reader.on('close', () => resolve(text));
    });
    const r = await runCliProcess(['export', '--url', db, '--out', fifo]);
    expect(r).toMatchObject({ code: 0, stderr: '' });
    expect(await read).toMatch(/^\{"type":"header"/);
  });

  it('Ctrl-C stops prune and export on a synchronous store (better-sqlite3), whose loops never waited for anything', async () => {
    const cwd = mkdtempSync(join(dir, 'sigint-'));
    const db = join(cwd, 'runs.db');
    const seeded = await createStorage(`sqlite:${db}`);
    await recordSampleRuns(seeded, { count: 3000, seed: 6 });
    await seeded.close();
    const sessions = () => {
      const d = new Database(db, { readonly: true });
      try {
        return (d.prepare('SELECT count(*) AS n FROM agent_sessions').get() as { n: number }).n;
      } finally {
        d.close();
      }
    };
    const exited = (child: ReturnType<typeof spawn>) =>
      new Promise<number | null>((resolve) => child.on('close', resolve));

    // export to a pipe nobody reads for a while: stdout writes to a pipe are synchronous, so it
    // blocks there with Ctrl-C pending; once reading resumes it must stop, not run to the end.
    const exporting = spawn(process.execPath, [...CLI_ARGS, 'export', '--url', `sqlite:${db}`], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let exported = '';
    await new Promise<void>((resolve) =>
      exporting.stdout.once('data', (d: Buffer) => {
        exported += d.toString();
        exporting.stdout.pause();
        resolve();
      }),
    );
    exporting.kill('SIGINT');
    exporting.stdout.on('data', (d: Buffer) => {
      exported += d.toString();
    });
    exporting.stdout.resume();
    expect(await exited(exporting)).toBe(130);
    expect(exported).not.toContain('"type":"end"');

    // prune one session a batch; once it is under way, a lock of this process's holds it
    // between two batches while Ctrl-C comes, then lets it go on: it must stop there.
    const pruning = spawn(
      process.execPath,
      [...CLI_ARGS, 'prune', '--url', `sqlite:${db}`, '--until', '4102444800', '--batch', '1', '--json'],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    pruning.stdout.on('data', (d: Buffer) => {
      out += d.toString();
    });
    while (sessions() === 3000) await new Promise((wake) => setTimeout(wake, 5));
    const lock = new Database(db);
    lock.pragma('busy_timeout = 60000');
    lock.exec('BEGIN IMMEDIATE');
    pruning.kill('SIGINT');
    lock.exec('COMMIT');
    lock.close();
    expect(await exited(pruning)).toBe(130);
    const { deleted, interrupted } = JSON.parse(out) as { deleted: number; interrupted: boolean };
    expect(interrupted).toBe(true);
    expect(deleted).toBeGreaterThan(0);
    expect(deleted).toBeLessThan(3000);
    expect(sessions()).toBe(3000 - deleted);
  });

  it('export that cannot write its output fails with exit 1 and a message, leaves no partial file, and closes the store', async () => {
    const cwd = mkdtempSync(join(dir, 'full-'));
    const db = join(cwd, 'runs.db');
    const s = await createStorage(`sqlite:${db}`);
    await recordSampleRuns(s, { count: 100, seed: 4 });
    await s.close();
    const run = (args: string[], stdout: 'pipe' | number, shell = '') =>
      new Promise<{ code: number | null; stderr: string }>((resolve) => {
        const argv = [process.execPath, ...CLI_ARGS, 'export', '--url', `sqlite:${db}`, ...args];
        // POSIX sh counts ulimit -f in 512-byte blocks; Node ignores SIGXFSZ, so writes fail with EFBIG.
        const child = shell
          ? spawn('/bin/sh', ['-c', `${shell} && exec "$0" "$@"`, ...argv], {
              stdio: ['ignore', stdout, 'pipe'],
            })
          : spawn(argv[0] as string, argv.slice(1), { stdio: ['ignore', stdout, 'pipe'] });
        let stderr = '';
        child.stderr?.on('data', (d: Buffer) => {
          stderr += d.toString();
        });
        child.on('close', (code) => resolve({ code, stderr }));
      });
    // stdout on a full device.
    const full = openSync('/dev/full', 'w');
    const toFull = await run([], full);
    closeSync(full);
    expect(toFull.code).toBe(1);
    expect(toFull.stderr).toMatch(/^agent-storage: cannot write the output: ENOSPC/m);
    expect(toFull.stderr).not.toMatch(/\n\s+at /);
    // --out under a file-size limit above the database's -shm (32 KiB) and below the export.
    const limited = await run(['--out', join(cwd, 'out.jsonl')], 'pipe', 'ulimit -f 100');
    expect(limited.code).toBe(1);
    expect(limited.stderr).toMatch(
      /^agent-storage: cannot write .*out\.jsonl: EFBIG: .*; the export stopped, and nothing of it is left there$/m,
    );
    expect(limited.stderr).not.toMatch(/\n\s+at /);
    // Closed: no -wal or -shm left; no out file, whole or partial.
    expect(readdirSync(cwd).sort()).toEqual(['runs.db']);
  });

  it('Ctrl-C while import waits for input (a terminal, a stalled producer) stops it at once, whole sessions kept', async () => {
    const cwd = mkdtempSync(join(dir, 'silent-'));
    const exported = await inProcess(['export', '--url', store]);
    const lines = exported.stdout.trimEnd().split('\n');
    // The header and the first session with its rows, then silence: the input stays open.
    const second = lines.findIndex((l, i) => i > 1 && l.startsWith('{"type":"session"'));
    const stdin = new PassThrough();
    stdin.write(`${lines.slice(0, second).join('\n')}\n`);
    const f = fakeIo();
    const into = `sqlite:${join(cwd, 'into.db')}`;
    const done = runCli(['import', '--url', into], { ...f.io, stdin } as typeof f.io);
    // The store is made once the header is read: the import is waiting for input from then on.
    while (!existsSync(join(cwd, 'into.db'))) await new Promise((r) => setTimeout(r, 20));
    f.abort();
    // Without the fix this waits for input that never comes (the suite's own timeout fails it).
    expect(await done).toBe(130);
    await f.cleanup();
    const imported = await createStorage(into);
    expect((await imported.listSessions()).items.length).toBeLessThanOrEqual(1);
    await imported.close();
  });

  it('import of an export cut short (stdout of a killed export) says so and imports only whole sessions', async () => {
    const cwd = mkdtempSync(join(dir, 'cut-'));
    const exported = await inProcess(['export', '--url', store, '--agent', 'structured-json']);
    expect(exported.code).toBe(0);
    const whole = exported.stdout;
    const lines = whole.trimEnd().split('\n');
    const cut = join(cwd, 'cut.jsonl');
    // Half of the file, cut mid-line as a killed pipe leaves it.
    writeFileSync(cut, whole.slice(0, Math.floor(whole.length / 2)));
    const into = `sqlite:${join(cwd, 'into.db')}`;
    const r = await inProcess(['import', cut, '--url', into]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/INVALID_INPUT: line \d+: .*so it was cut short/);
    expect(r.stderr).toMatch(/^\d+ sessions imported before the error \(each one whole\)$/m);
    // Cut at a line end: the missing end record is what tells.
    const atLine = lines.slice(0, Math.floor(lines.length / 2)).join('\n');
    writeFileSync(cut, `${atLine}\n`);
    const r2 = await inProcess(['import', cut, '--url', into]);
    expect(r2.code).toBe(1);
    expect(r2.stderr).toMatch(/the export ends without its end record, so it was cut short/);
    const started = atLine.split('\n').filter((l) => l.startsWith('{"type":"session"')).length;
    const imported = await createStorage(into);
    expect((await imported.listSessions({ limit: 1000 })).items).toHaveLength(started - 1);
    await imported.close();
  });

  it('a closed pipe ends the output quietly (sessions | head -1)', async () => {
    const child = spawn(process.execPath, [...CLI_ARGS, 'sessions', '--url', store, '--limit', '1000'], {
      cwd: root,
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    // Read one chunk, then hang up, as `head -1` does.
    await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
    child.stdout.destroy();
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(stderr).not.toMatch(/EPIPE|Error|at /);
    expect(code).toBe(0);
  });

  it('a closed pipe never hides how a command went: a copy whose log was cut finishes, and its failure is exit 1', async () => {
    const cwd = mkdtempSync(join(dir, 'pipe-'));
    const from = `sqlite:${join(cwd, 'from.db')}`;
    const to = `sqlite:${join(cwd, 'to.db')}`;
    const source = await createStorage(from);
    const ids: string[] = [];
    for (let i = 0; i < 30; i++)
      ids.push(
        await source.createSession({ agentName: 'a', provider: 'p', model: 'm', userPrompt: `run ${i}` }),
      );
    await source.close();
    // Both of its streams hung up before its first line, as `2>&1 | head -0` does.
    const copy = async () => {
      const child = spawn(process.execPath, [...CLI_ARGS, 'copy', '--from', from, '--to', to, '--json'], {
        cwd,
      });
      child.stdout.destroy();
      child.stderr.destroy();
      return new Promise<number | null>((resolve) => child.on('close', resolve));
    };
    expect(await copy()).toBe(0);
    const copied = await createStorage(to);
    expect((await copied.listSessions({ limit: 100 })).items).toHaveLength(30);
    await copied.close();
    // The source changed since: verification fails, and says so through the exit code.
    const changed = await createStorage(from);
    await changed.updateSession(ids[0] as string, { status: 'failed', endedAt: 2_000_000_000 });
    await changed.close();
    expect(await copy()).toBe(1);
  });

  it('a source session changed after its copy is reported with what to do, and doing it copies it anew beside nothing', async () => {
    const cwd = mkdtempSync(join(dir, 'changed-'));
    const from = `sqlite:${join(cwd, 'from.db')}`;
    const to = `sqlite:${join(cwd, 'to.db')}`;
    const journal = join(cwd, 'j.jsonl');
    const source = await createStorage(from);
    const running = await source.createSession({
      agentName: 'a',
      provider: 'p',
      model: 'm',
      userPrompt: 'still going',
    });
    await source.createSession({ agentName: 'a', provider: 'p', model: 'm', userPrompt: 'done' });
    await source.close();
    const copy = () => inProcess(['copy', '--from', from, '--to', to, '--journal', journal]);
    expect((await copy()).code).toBe(0);
    const changed = await createStorage(from);
    await changed.updateSession(running, { status: 'completed', endedAt: 2_000_000_000, result: 'finished' });
    await changed.close();
    const again = await copy();
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/^MISMATCH /m);
    expect(again.stderr).toMatch(/a copy is not updated when its source changes later/);
    // As it says: the copy deleted, then the journal; the other session is found and skipped.
    const [mismatch] = /^MISMATCH \S+ → (\S+):/m.exec(again.stderr)?.slice(1) ?? [];
    const dest = await createStorage(to);
    expect(await dest.deleteSession(mismatch as string)).toBe(true);
    await dest.close();
    rmSync(journal);
    const fresh = await copy();
    expect(fresh.code, fresh.stderr).toBe(0);
    expect(fresh.stderr).toMatch(/1 copied, 1 already there; 2 verified/);
    const result = await createStorage(to);
    const copies = (await result.listSessions()).items;
    expect(copies.map((s) => s.result).sort()).toEqual(['finished', null]);
    await result.close();
  });

  it('Ctrl-C during verify stops, removes every scratch store it made, and exits 130', async () => {
    // A private temp folder: the scratch SQLite files must all be gone afterwards.
    const tmp = mkdtempSync(join(dir, 'tmp-'));
    const urls = ['sqlite:./x.db', ...(pgUrl ? [pgUrl] : [])];
    const child = spawn(
      process.execPath,
      [...CLI_ARGS, 'verify', ...urls.flatMap((u) => ['--url', u]), '--runs', '200'],
      {
        cwd: root,
        env: { ...process.env, TMPDIR: tmp },
      },
    );
    let stderr = '';
    const progressed = new Promise<void>((resolve) =>
      child.stderr.on('data', (d: Buffer) => {
        stderr += d.toString();
        if (/sqlite: \.{3}/.test(stderr)) resolve();
      }),
    );
    await progressed;
    child.kill('SIGINT');
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(code).toBe(130);
    expect(stderr).toMatch(/interrupted: scratch stores removed/);
    // tsx keeps its compile cache there too; the kit's scratch folders must all be gone.
    expect(readdirSync(tmp).filter((f) => f.startsWith('agent-storage-'))).toEqual([]);
    if (pgUrl) {
      const client = new pg.Client({ connectionString: pgUrl });
      await client.connect();
      const left = await client.query('SELECT datname FROM pg_database WHERE datname LIKE $1', [
        `agent_storage_verify_${child.pid}_%`,
      ]);
      await client.end();
      expect(left.rows).toEqual([]);
    }
  });
});

describe('times given on the command line (parseTime)', () => {
  const now = Date.UTC(2026, 10, 29, 12, 0, 0);
  it('reads Unix seconds, ages, dates (UTC), date-times with an offset, and local date-times', () => {
    const cases: [string, number][] = [
      ['1767225600', 1767225600],
      ['-5', -5],
      ['30d', now / 1000 - 30 * 86400],
      ['90m', now / 1000 - 90 * 60],
      ['2026-01-01', Date.UTC(2026, 0, 1) / 1000],
      ['2024-02-29', Date.UTC(2024, 1, 29) / 1000],
      ['2000-02-29', Date.UTC(2000, 1, 29) / 1000],
      ['2026-01-01T12:00:00Z', Date.UTC(2026, 0, 1, 12) / 1000],
      ['2026-01-01T12:00:00.999Z', Date.UTC(2026, 0, 1, 12) / 1000],
      ['2026-01-01T12:00:00+14:00', Date.UTC(2025, 11, 31, 22) / 1000],
      ['2026-01-01T12:00:00+0530', Date.UTC(2026, 0, 1, 6, 30) / 1000],
      ['2026-01-01T12:00:00-00:00', Date.UTC(2026, 0, 1, 12) / 1000],
      ['2026-12-31T23:59:59Z', Date.UTC(2026, 11, 31, 23, 59, 59) / 1000],
      // Without Z or an offset: the machine's local time, whatever its zone.
      ['2026-01-01T12:00', new Date(2026, 0, 1, 12, 0).getTime() / 1000],
      ['2026-01-01 12:00:30', new Date(2026, 0, 1, 12, 0, 30).getTime() / 1000],
    ];
    for (const [text, seconds] of cases) expect(parseTime('since', text, now), text).toBe(seconds);
  });

  it('refuses days and times the calendar lacks, naming the flag', () => {
    for (const text of [
      '2026-02-29',
      '1900-02-29',
      '2026-04-31',
      '2026-13-01',
      '2026-00-10',
      '2026-01-00',
      '2026-01-01T24:00Z',
      '2026-01-01T12:60Z',
      '2026-01-01T12:00:60Z',
      '2026-01-01T12:00:00+24:00',
    ])
      expect(() => parseTime('until', text, now), text).toThrowError(
        /^--until: ".*" is not a day and time the calendar has$/,
      );
    expect(() => parseTime('until', 'soon', now)).toThrowError(/^--until must be Unix seconds/);
  });

  it('refuses a local date-time that daylight saving time skips or repeats, and asks for an offset', () => {
    // Node reads TZ again when it changes; the worker's own zone is put back after.
    const zone = process.env.TZ;
    process.env.TZ = 'Europe/Berlin';
    try {
      // 2026-03-29: 02:00 CET jumps to 03:00 CEST; 2026-10-25: 03:00 CEST goes back to 02:00 CET.
      for (const text of ['2026-03-29T02:30', '2026-03-29 02:00:00', '2026-03-29T02:59:59'])
        expect(() => parseTime('since', text, now), text).toThrowError(
          /^--since: ".*" does not exist in this machine's time zone \(clocks skip it for daylight saving time\): give an offset/,
        );
      for (const text of ['2026-10-25T02:30', '2026-10-25T02:00:00', '2026-10-25 02:59'])
        expect(() => parseTime('until', text, now), text).toThrowError(
          /^--until: ".*" happens twice in this machine's time zone \(clocks go back over it for daylight saving time\): give an offset/,
        );
      // Around both changes, and with an offset inside them, one instant each.
      const cases: [string, number][] = [
        ['2026-03-29T01:59:59', Date.UTC(2026, 2, 29, 0, 59, 59) / 1000],
        ['2026-03-29T03:00', Date.UTC(2026, 2, 29, 1) / 1000],
        ['2026-10-25T01:59', Date.UTC(2026, 9, 24, 23, 59) / 1000],
        ['2026-10-25T03:00', Date.UTC(2026, 9, 25, 2) / 1000],
        ['2026-10-25T02:30+02:00', Date.UTC(2026, 9, 25, 0, 30) / 1000],
        ['2026-10-25T02:30+01:00', Date.UTC(2026, 9, 25, 1, 30) / 1000],
        ['2026-03-29T02:30Z', Date.UTC(2026, 2, 29, 2, 30) / 1000],
        ['2026-03-29', Date.UTC(2026, 2, 29) / 1000],
        ['2026-07-01T12:00', Date.UTC(2026, 6, 1, 10) / 1000],
      ];
      for (const [text, seconds] of cases) expect(parseTime('since', text, now), text).toBe(seconds);
    } finally {
      if (zone === undefined) delete process.env.TZ;
      else process.env.TZ = zone;
    }
    // Back in the worker's zone (UTC on CI): no daylight saving time, nothing refused.
    if (new Date(2026, 0, 1).getTimezoneOffset() === new Date(2026, 6, 1).getTimezoneOffset())
      expect(parseTime('since', '2026-03-29T02:30', now)).toBe(new Date(2026, 2, 29, 2, 30).getTime() / 1000);
  });

  it('refuses eight digits that make a date (ISO basic form) rather than read them as seconds in 1970', () => {
    for (const text of ['20260101', '19991231', ' 20240229 '])
      expect(() => parseTime('since', text, now), text).toThrowError(
        /^--since: ".*" reads as a date or as Unix seconds in 1970: write the date as \d{4}-\d{2}-\d{2}$/,
      );
    // Eight digits that are no date stay seconds, as do shorter and longer runs of digits.
    for (const text of ['20261301', '20260230', '18991231', '2026010', '202601011'])
      expect(parseTime('since', text, now), text).toBe(Number(text));
  });
});
