import { createHash } from 'node:crypto';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import Database from 'better-sqlite3';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import type { CliIo } from '../src/cli/io.js';
import { UsageError } from '../src/cli/io.js';
import { migrateCommand, statusCommand } from '../src/cli/migrations.js';
import { loadMigrations } from '../src/sql/migrator.js';
import { dropSchemas, postgresUrl } from './helpers/postgres.js';

// `agent-storage status` and `migrate` as the CLI calls them: status and --dry-run read only
// (a missing database is reported, never created; an existing one keeps every byte), and
// --to goes down and up again.

const dir = mkdtempSync(join(tmpdir(), 'agent-storage-cli-migrations-'));
const pgSchemas: string[] = [];
const pgUrl = await postgresUrl();
afterAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  await dropSchemas(pgUrl, pgSchemas);
});
let n = 0;

/** A `CliIo` whose output is collected as text; clean-ups run after each command, as the CLI runs them. */
function fakeIo() {
  const text = { stdout: '', stderr: '' };
  const sink = (key: keyof typeof text) =>
    new Writable({
      write(chunk, _encoding, done) {
        text[key] += String(chunk);
        done();
      },
    });
  const cleanups: (() => Promise<void> | void)[] = [];
  const io: CliIo = {
    stdout: sink('stdout'),
    stderr: sink('stderr'),
    isTTY: false,
    stderrIsTTY: false,
    columns: 80,
    signal: new AbortController().signal,
    onCleanup: (fn) => void cleanups.push(fn),
    env: {},
  };
  return { io, text, cleanup: async () => Promise.all(cleanups.map((fn) => fn())) };
}

/** Runs a command: its exit code (or what it threw) and what it printed. */
async function cli(command: (io: CliIo) => Promise<number>) {
  const { io, text, cleanup } = fakeIo();
  try {
    return { code: await command(io), error: undefined, ...text };
  } catch (error) {
    return { code: undefined, error, ...text };
  } finally {
    await cleanup();
  }
}

const status = (url: string, json = false) => cli((io) => statusCommand(url, { json }, io));
const migrate = (url: string, options: { to?: string; dryRun?: boolean; json?: boolean } = {}) =>
  cli((io) =>
    migrateCommand(
      url,
      {
        dryRun: options.dryRun === true,
        json: options.json === true,
        ...(options.to === undefined ? {} : { to: options.to }),
      },
      io,
    ),
  );

/**
 * Every file in a folder with its bytes' hash and mtime: what "nothing changed" means here.
 * A `-shm` file only counts as there: it is SQLite's shared memory for a WAL database, in which
 * every reader, read-only or not, records what it reads (libsql leaves it behind after close).
 */
function snapshot(folder: string): Record<string, string> {
  return Object.fromEntries(
    readdirSync(folder, { recursive: true })
      .map(String)
      .filter((f) => statSync(join(folder, f)).isFile())
      .sort()
      .map((f) => {
        const path = join(folder, f);
        if (f.endsWith('-shm')) return [f, 'present'];
        const hash = createHash('sha256').update(readFileSync(path)).digest('hex');
        return [f, `${hash} ${statSync(path).mtimeMs}`];
      }),
  );
}

const freshFolder = () => {
  const folder = join(dir, `case-${++n}`);
  mkdirSync(folder);
  return folder;
};

/**
 * An empty PGlite data folder (initdb run, nothing migrated), made once: initdb in WASM takes
 * seconds, so the cases that begin with a database copy it instead of each running it again
 * (making a new folder is covered by test/pglite.test.ts).
 */
let pgliteTemplate: Promise<string> | undefined;
async function emptyPgliteFolder(into: string) {
  pgliteTemplate ??= (async () => {
    const path = join(dir, 'pglite-template');
    const { PGlite } = await import('@electric-sql/pglite');
    await (await PGlite.create(path)).close();
    return path;
  })();
  cpSync(await pgliteTemplate, into, { recursive: true });
}

// The file-based adapters, each with a URL for a file (or data folder) in a folder of its own.
const fileAdapters = [
  { name: 'sqlite', dialect: 'sqlite', url: (f: string) => `sqlite:${join(f, 'agent.db')}` },
  { name: 'libsql', dialect: 'sqlite', url: (f: string) => `libsql:${join(f, 'agent.db')}` },
  {
    name: 'pglite',
    dialect: 'postgres',
    url: (f: string) => `pglite:${join(f, 'data')}`,
    prepare: (f: string) => emptyPgliteFolder(join(f, 'data')),
  },
] as const;

/** A fresh folder for a case that starts by migrating: PGlite's gets an empty database. */
async function folderFor(adapter: (typeof fileAdapters)[number]) {
  const folder = freshFolder();
  if ('prepare' in adapter) await adapter.prepare(folder);
  return folder;
}

for (const adapter of fileAdapters) {
  const names = loadMigrations(adapter.dialect).map((m) => m.name);
  const mid = names[4] as string;

  describe(`status and migrate on ${adapter.name}`, () => {
    it('status on a missing database, or in a missing folder, reports it (NOT_FOUND); migrate --to 0 has nothing to revert; neither creates anything', async () => {
      const folder = freshFolder();
      for (const url of [adapter.url(folder), adapter.url(join(folder, 'typo-dir'))]) {
        for (const run of [
          () => status(url),
          () => status(url, true),
          () => migrate(url, { dryRun: true }),
        ]) {
          const result = await run();
          expect(result.code).toBeUndefined();
          expect(result.error).toMatchObject({
            code: 'NOT_FOUND',
            message: expect.stringContaining('there is no database at'),
          });
          expect(result.stdout).toBe('');
        }
        // Reverting everything of a database that is not there: nothing to do, nothing made.
        expect(await migrate(url, { to: '0' })).toMatchObject({
          code: 0,
          stdout: 'nothing to revert: no migration is applied\n',
        });
        expect(JSON.parse((await migrate(url, { to: '0', json: true })).stdout)).toMatchObject({ steps: [] });
      }
      expect(readdirSync(folder)).toEqual([]);
    });

    it('status prints applied and pending, as text and as JSON, and changes nothing', async () => {
      const folder = await folderFor(adapter);
      const url = adapter.url(folder);
      expect(await migrate(url, { to: mid })).toMatchObject({
        code: 0,
        stdout: `applied ${names.slice(0, 5).join(', ')}\n`,
      });
      const before = adapter.name === 'pglite' ? undefined : snapshot(folder);
      const text = await status(url);
      expect(text.code).toBe(0);
      expect(text.stdout).toBe(
        [
          `${url} (${adapter.name})`,
          ...names.slice(0, 5).map((m) => `applied  ${m}`),
          ...names.slice(5).map((m) => `pending  ${m}`),
          `5 applied, ${names.length - 5} pending: agent-storage migrate applies them`,
          '',
        ].join('\n'),
      );
      const json = await status(url, true);
      expect(json.code).toBe(0);
      expect(JSON.parse(json.stdout)).toEqual({
        url,
        adapter: adapter.name,
        applied: names.slice(0, 5),
        pending: names.slice(5),
      });
      // PGlite runs Postgres on the folder, which keeps its own files there; SQLite files keep every byte.
      if (before) expect(snapshot(folder)).toEqual(before);
    });

    it('migrate --dry-run prints each step with its SQL and changes nothing', async () => {
      const folder = await folderFor(adapter);
      const url = adapter.url(folder);
      await migrate(url);
      const before = adapter.name === 'pglite' ? undefined : snapshot(folder);
      const files = loadMigrations(adapter.dialect);
      const dry = await migrate(url, { to: mid, dryRun: true });
      expect(dry.code).toBe(0);
      expect(dry.stdout).toMatch(/^-- dry run on .*: \d+ step\(s\); nothing was changed$/m);
      for (const f of files.slice(5)) {
        expect(dry.stdout).toContain(`-- down ${f.name}\n${(f.down as string).trim()}\n`);
      }
      const json = await migrate(url, { to: mid, dryRun: true, json: true });
      expect(JSON.parse(json.stdout)).toEqual({
        url,
        adapter: adapter.name,
        dryRun: true,
        steps: files
          .slice(5)
          .reverse()
          .map((f) => ({ name: f.name, direction: 'down', sql: f.down })),
      });
      expect(JSON.parse((await status(url, true)).stdout)).toMatchObject({ applied: names, pending: [] });
      if (before) expect(snapshot(folder)).toEqual(before);
    });

    it('migrate --to a middle migration goes down, and migrate (or --to the last) goes up again', async () => {
      const url = adapter.url(await folderFor(adapter));
      await migrate(url);
      expect(await migrate(url, { to: mid })).toMatchObject({
        code: 0,
        stdout: `reverted ${names.slice(5).reverse().join(', ')}\n`,
      });
      expect(JSON.parse((await status(url, true)).stdout)).toMatchObject({
        applied: names.slice(0, 5),
        pending: names.slice(5),
      });
      expect(await migrate(url, { to: mid })).toMatchObject({
        code: 0,
        stdout: `nothing to do: the schema is at ${mid} already\n`,
      });
      expect(await migrate(url)).toMatchObject({ code: 0, stdout: `applied ${names.slice(5).join(', ')}\n` });
      // By number, to none and back, as JSON.
      const down = await migrate(url, { to: 'none', json: true });
      expect(JSON.parse(down.stdout).steps).toEqual(
        [...names].reverse().map((name) => ({ name, direction: 'down' })),
      );
      expect(JSON.parse((await status(url, true)).stdout)).toMatchObject({ applied: [], pending: names });
      expect(await migrate(url, { to: mid.slice(0, 4) })).toMatchObject({
        stdout: `applied ${names.slice(0, 5).join(', ')}\n`,
      });
      expect(await migrate(url, { to: '0' })).toMatchObject({
        stdout: `reverted ${names.slice(0, 5).reverse().join(', ')}\n`,
      });
      expect(await migrate(url, { to: '0' })).toMatchObject({
        stdout: 'nothing to revert: no migration is applied\n',
      });
    });
  });
}

describe('status and migrate on sqlite files', () => {
  for (const scheme of ['sqlite', 'libsql']) {
    it(`status on an existing non-WAL file leaves its journal mode and every byte as they were (${scheme}:)`, async () => {
      const folder = freshFolder();
      const path = join(folder, 'agent.db');
      await migrate(`sqlite:${path}`);
      const db = new Database(path);
      db.pragma('journal_mode = DELETE');
      db.close();
      const url = `${scheme}:${path}`;
      const before = snapshot(folder);
      expect(Object.keys(before)).toEqual(['agent.db']);
      expect((await status(url)).code).toBe(0);
      expect((await status(url, true)).code).toBe(0);
      expect((await migrate(url, { to: '0', dryRun: true })).code).toBe(0);
      expect(snapshot(folder)).toEqual(before);
      const after = new Database(path, { readonly: true });
      expect(after.pragma('journal_mode', { simple: true })).toBe('delete');
      after.close();
    });
  }

  it('status on a WAL file at rest (as the kit leaves it) leaves no -wal or -shm file behind', async () => {
    const folder = freshFolder();
    const path = join(folder, 'agent.db');
    await migrate(`sqlite:${path}`);
    const before = snapshot(folder);
    expect(Object.keys(before)).toEqual(['agent.db']);
    expect((await status(`sqlite:${path}`)).code).toBe(0);
    expect(snapshot(folder)).toEqual(before);
  });

  it('an unknown --to is a usage error naming the known migrations, and nothing is done', async () => {
    const folder = freshFolder();
    const url = `sqlite:${join(folder, 'agent.db')}`;
    await migrate(url);
    const before = snapshot(folder);
    for (const dryRun of [false, true]) {
      const result = await migrate(url, { to: '0042_no_such_migration', dryRun });
      expect(result.error).toBeInstanceOf(UsageError);
      expect(String(result.error)).toMatch(/0042_no_such_migration.*0001_create_agent_sessions/);
    }
    expect((await migrate(url, { to: ' ' })).error).toBeInstanceOf(UsageError);
    expect(snapshot(folder)).toEqual(before);
  });

  it('memory: keeps no schema; status says so, --json gives empty lists', async () => {
    expect((await status('memory:')).stdout).toMatch(/^memory keeps no schema: nothing to migrate$/m);
    expect(JSON.parse((await status('memory:', true)).stdout)).toEqual({
      url: 'memory:',
      adapter: 'memory',
      applied: [],
      pending: [],
    });
    expect((await migrate('memory:')).code).toBe(0);
  });

  it('a missing database is not created by a failed status: plain migrate creates it', async () => {
    const folder = freshFolder();
    const url = `sqlite:${join(folder, 'new', 'agent.db')}`;
    expect((await status(url)).error).toMatchObject({ code: 'NOT_FOUND' });
    expect(existsSync(join(folder, 'new'))).toBe(false);
    expect((await migrate(url)).code).toBe(0);
    expect(JSON.parse((await status(url, true)).stdout)).toMatchObject({ pending: [] });
  });
});

if (pgUrl) {
  describe('status and migrate on postgres', () => {
    const names = loadMigrations('postgres').map((m) => m.name);
    const mid = names[4] as string;
    const schemaUrl = () => {
      const schema = `agent_storage_cli_mig_${process.pid}_${++n}`;
      pgSchemas.push(schema);
      const url = new URL(pgUrl);
      url.searchParams.set('schema', schema);
      // A password, so that printing it would show: only the redacted URL may appear.
      if (url.password === '') url.password = 'not-a-real-secret';
      return { url: url.toString(), schema, password: decodeURIComponent(url.password) };
    };
    const schemaExists = async (schema: string) => {
      const client = new pg.Client({ connectionString: pgUrl });
      await client.connect();
      const { rows } = await client.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [schema]);
      await client.end();
      return rows.length > 0;
    };

    it('status on a schema that is not there reports every migration pending and creates nothing', async () => {
      const { url, schema, password } = schemaUrl();
      const text = await status(url);
      expect(text.code).toBe(0);
      expect(text.stdout).toMatch(/^pending {2}0001_create_agent_sessions$/m);
      expect(text.stdout).not.toContain(password);
      const json = JSON.parse((await status(url, true)).stdout);
      expect(json).toEqual({ url: json.url, adapter: 'postgres', applied: [], pending: names });
      expect(json.url).toContain('***');
      expect(json.url).not.toContain(password);
      expect((await migrate(url, { dryRun: true })).stdout).toContain('-- up 0001_create_agent_sessions');
      expect(await schemaExists(schema)).toBe(false);
    });

    it('migrate --dry-run changes nothing; --to a middle migration goes down and up again', async () => {
      const { url, password } = schemaUrl();
      expect((await migrate(url)).stdout).toBe(`applied ${names.join(', ')}\n`);
      const dry = await migrate(url, { to: mid, dryRun: true });
      expect(dry.stdout).toContain(`-- down ${names.at(-1)}`);
      expect(dry.stdout).not.toContain(password);
      expect(JSON.parse((await status(url, true)).stdout)).toMatchObject({ applied: names, pending: [] });
      expect((await migrate(url, { to: mid })).stdout).toBe(
        `reverted ${names.slice(5).reverse().join(', ')}\n`,
      );
      expect(JSON.parse((await status(url, true)).stdout)).toMatchObject({
        applied: names.slice(0, 5),
        pending: names.slice(5),
      });
      expect((await migrate(url)).stdout).toBe(`applied ${names.slice(5).join(', ')}\n`);
      expect((await migrate(url, { to: 'none' })).stdout).toBe(
        `reverted ${[...names].reverse().join(', ')}\n`,
      );
    });
  });
} else {
  describe.skip('status and migrate on postgres: NO SERVER ANSWERED, NOT RUN', () => {
    it('runs status and migrate against Postgres');
  });
}
