import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { editPostgresUrl } from '../src/adapters/postgres-url.js';
import { loadDriver } from '../src/adapters/url-options.js';
import { createStorage } from '../src/create-storage.js';
import { adapters, openStore } from '../src/registry.js';
import type { SqlAgentStorage } from '../src/sql/sql-storage.js';
import { dropSchemas, postgresUrl } from './helpers/postgres.js';

const dir = mkdtempSync(join(tmpdir(), 'agent-storage-registry-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('adapters own their URLs and options', () => {
  it('every scheme in the table is served by a module that opens URLs and provides a scratch target', async () => {
    for (const entry of adapters) {
      const mod = await entry.load();
      expect(typeof mod.openUrl, entry.name).toBe('function');
      expect(typeof mod.scratchTarget, entry.name).toBe('function');
    }
    const schemes = adapters.flatMap((a) => a.schemes);
    expect(new Set(schemes).size).toBe(schemes.length);
  });

  it("each adapter's migrationDialect (what migrate --to is checked against before opening) is the dialect its stores use", async () => {
    const urls: Record<string, string> = {
      sqlite: `sqlite:${join(dir, 'dialect.db')}`,
      libsql: `libsql:${join(dir, 'dialect-libsql.db')}`,
      pglite: 'pglite:',
      postgres: 'postgres://nobody@127.0.0.1:1/none',
    };
    for (const entry of adapters) {
      const mod = await entry.load();
      if (entry.name === 'memory') {
        expect(mod.migrationDialect).toBeUndefined();
        continue;
      }
      // Opening connects lazily (Postgres): the dialect is known without a server.
      const store = (await openStore(urls[entry.name] as string)) as SqlAgentStorage;
      expect(mod.migrationDialect, entry.name).toBe(store.dialect.name);
      await store.close();
    }
  });

  it('every built-in adapter declares every capability (the suite passes what an adapter does not declare as not applicable)', async () => {
    // Written out, not ALL_CAPABILITIES: a capability one adapter stopped declaring would
    // turn its requirements into "n/a" and still pass, so each must be pinned here.
    const every = {
      listSessions: true,
      paging: true,
      deleteSession: true,
      batch: true,
      idempotency: true,
      conditionalUpdate: true,
      questions: true,
      settings: true,
    };
    const pg = await postgresUrl();
    const schema = `agent_storage_caps_${process.pid}`;
    const urls: [string, boolean][] = [
      ['memory:', false],
      [`sqlite:${join(dir, 'caps.db')}`, true],
      [`libsql:${join(dir, 'caps-libsql.db')}`, true],
      [`pglite:${join(dir, 'caps-pglite')}`, true],
      ...(pg
        ? [[editPostgresUrl(pg, (u) => u.searchParams.set('schema', schema)), true] as [string, boolean]]
        : []),
    ];
    try {
      for (const [url, persistent] of urls) {
        const store = await createStorage(url);
        expect(store.capabilities, url).toEqual({ persistent, ...every });
        await store.close();
      }
    } finally {
      if (pg) await dropSchemas(pg, [schema]);
    }
  });

  it('createStorage(url, options) passes the adapter its options', async () => {
    const store = (await createStorage(`sqlite:${join(dir, 'full.db')}`, {
      durability: 'full',
      busyTimeoutMs: 1234,
    })) as SqlAgentStorage;
    expect(await store.executor.get('PRAGMA synchronous', [])).toEqual({ synchronous: 2 });
    expect(await store.executor.get('PRAGMA busy_timeout', [])).toEqual({ timeout: 1234 });
    await store.close();
  });

  it('schemes are case-insensitive, memory: included; a bad parameter value is named plainly', async () => {
    for (const url of ['MEMORY:', 'Memory://', 'SQLITE::memory:']) {
      const store = await createStorage(url);
      expect(store.adapter, url).toBe(url.startsWith('S') ? 'sqlite' : 'memory');
      await store.close();
    }
    await expect(createStorage('sqlite::memory:?durability=bogus')).rejects.toMatchObject({
      code: 'INVALID_INPUT',
      message: expect.stringContaining('has durability with a value other than normal or full'),
    });
  });

  it("libpq's Unix-socket form of a Postgres URL (credentials, no host) is a URL pg is given, not INVALID_INPUT", async () => {
    // No server listens in that folder: the open fails connecting, as pg reports it, and the password stays out.
    const url = 'postgres://app:S3cretPw@/db?host=/nonexistent-socket-folder';
    const failed = await createStorage(url, { migrate: false }).catch((e: unknown) => e);
    expect(failed).toMatchObject({ code: 'UNAVAILABLE', message: expect.stringContaining('ENOENT') });
    expect((failed as Error).message).not.toContain('S3cretPw');
    // verify's scratch database and the suite's schemas are named by editing such a URL: the form stays.
    const edited = editPostgresUrl(url, (u) => {
      u.pathname = '/scratch';
      u.searchParams.set('schema', 's');
    });
    expect(edited).toBe('postgres://app:S3cretPw@/scratch?host=%2Fnonexistent-socket-folder&schema=s');
  });

  it('an option or query parameter the adapter does not take is INVALID_INPUT naming it', async () => {
    await expect(createStorage('sqlite::memory:', { busyTimeout: 5 })).rejects.toMatchObject({
      code: 'INVALID_INPUT',
      field: 'busyTimeout',
    });
    await expect(createStorage({ url: 'memory:', max: 3 })).rejects.toMatchObject({
      code: 'INVALID_INPUT',
      field: 'max',
    });
    await expect(createStorage('sqlite::memory:?durabilty=full')).rejects.toMatchObject({
      code: 'INVALID_INPUT',
      field: 'url',
      message: expect.stringContaining('"durabilty"'),
    });
  });

  it('a value of the wrong kind, for an option or for createStorage itself, is INVALID_INPUT naming it, and nothing is opened', async () => {
    const cases: [unknown[], string][] = [
      [['sqlite::memory:', { busyTimeoutMs: 'abc' }], 'busyTimeoutMs'],
      [['sqlite::memory:', { busyTimeoutMs: -1 }], 'busyTimeoutMs'],
      // Beyond a signed 32-bit count of milliseconds the wait wrapped round to none at all.
      [['sqlite::memory:', { busyTimeoutMs: 2 ** 31 }], 'busyTimeoutMs'],
      [['libsql::memory:?busyTimeoutMs=4294967596'], 'url'],
      [['libsql:///tmp/agent.db'], 'url'],
      [['postgres://u@127.0.0.1:1/db', { connectionTimeoutMs: 1e15 }], 'connectionTimeoutMs'],
      [['postgres://u@127.0.0.1:1/db?connectionTimeoutMs=2147483648'], 'url'],
      [['libsql::memory:', { durability: 'xyz' }], 'durability'],
      [['postgres://u@127.0.0.1:1/db', { max: -5 }], 'max'],
      [['postgres://u@127.0.0.1:1/db', { connectionTimeoutMs: 'soon' }], 'connectionTimeoutMs'],
      [['memory:', { clock: 5 }], 'clock'],
      [[{ url: 'memory:', migrate: 'no' }], 'migrate'],
      [[{ url: null }], 'url'],
      [[5], 'config'],
      [[null], 'config'],
      [[true], 'config'],
      [[[]], 'config'],
      [['memory:', 'x'], 'options'],
    ];
    const cwd = process.cwd();
    process.chdir(dir);
    try {
      for (const [args, field] of cases) {
        await expect(
          (createStorage as (...a: unknown[]) => Promise<unknown>)(...args),
          JSON.stringify(args),
        ).rejects.toMatchObject({ code: 'INVALID_INPUT', field });
      }
      // The default store (./agent-storage.db) was never opened for any of them.
      expect(existsSync(join(dir, 'agent-storage.db'))).toBe(false);
      // The longest wait there is stays allowed.
      await (await createStorage('sqlite::memory:?busyTimeoutMs=2147483647')).close();
      await (await createStorage('libsql::memory:', { busyTimeoutMs: 2 ** 31 - 1 })).close();
    } finally {
      process.chdir(cwd);
    }
  });

  it("a Postgres URL's query: the kit's parameters parsed, the rest passed on to pg, a mistyped one of the kit's refused by name", async () => {
    // Opening connects lazily: no server is needed to see what the URL opens.
    const store = (await openStore(
      'postgres://u@127.0.0.1:1/db?schema=s1&max=3&connectionTimeoutMs=250&sslmode=disable&application_name=100%&channel_binding=prefer&target_session_attrs=any',
    )) as SqlAgentStorage;
    expect(store.dialect).toMatchObject({ name: 'postgres' });
    await store.close();
    for (const [query, shown] of [
      ['shcema=s1', '"shcema"'],
      ['Schema=s1', '"Schema"'],
      ['max=abc', 'max'],
      ['connectionTimeoutMs=soon', 'connectionTimeoutMs'],
      ['schema=', 'schema'],
      ['mx=3', '"mx"'],
    ])
      await expect(openStore(`postgres://u@127.0.0.1:1/db?${query}`), query).rejects.toMatchObject({
        code: 'INVALID_INPUT',
        field: 'url',
        message: expect.stringContaining(shown as string),
      });
  });

  it('one setting given twice (a repeated query parameter, the URL and the options, the two arguments) is INVALID_INPUT naming it; so is a bad percent escape', async () => {
    const cases: [unknown[], string][] = [
      [[`sqlite:${join(dir, 't1.db')}?durability=full&durability=normal`], 'url'],
      [[`sqlite:${join(dir, 't2.db')}?durability=full`, { durability: 'normal' }], 'durability'],
      [['postgres://u@127.0.0.1:1/db?schema=a1', { schema: 'b1' }], 'schema'],
      [['pglite:?schema=a1', { schema: 'b1' }], 'schema'],
      [[`libsql:${join(dir, 't3.db')}?busyTimeoutMs=5`, { busyTimeoutMs: 6 }], 'busyTimeoutMs'],
      [['memory:', { url: `sqlite:${join(dir, 't4.db')}` }], 'url'],
      [[{ url: `sqlite:${join(dir, 't5.db')}`, durability: 'full' }, { durability: 'normal' }], 'durability'],
      [[`sqlite:${join(dir, 't6.db')}?durability=%E0`], 'url'],
      [['libsql://h.example?authToken=A', { authToken: 'B' }], 'authToken'],
      [['pglite:?%zz=1'], 'url'],
      [['libsql://h.example?authToken=ab%zz'], 'url'],
    ];
    for (const [args, field] of cases)
      await expect(
        (createStorage as (...a: unknown[]) => Promise<unknown>)(...args),
        JSON.stringify(args),
      ).rejects.toMatchObject({ code: 'INVALID_INPUT', field });
    for (const n of [1, 2, 4, 5, 6]) expect(existsSync(join(dir, `t${n}.db`)), `t${n}.db`).toBe(false);
    // The same value both ways is one setting, said twice.
    const same = await createStorage(`sqlite:${join(dir, 't7.db')}?durability=full`, { durability: 'full' });
    await same.close();
  });

  it('migrate: false refuses a missing or outdated store without creating or changing anything', async () => {
    const missing = join(dir, 'not-here', 'm.db');
    await expect(createStorage(`sqlite:${missing}`, { migrate: false })).rejects.toMatchObject({
      code: 'MIGRATION',
      message: expect.stringContaining(
        `every migration is pending and migrate is false: there is no database at ${missing}`,
      ),
    });
    expect(existsSync(join(dir, 'not-here'))).toBe(false);
    await expect(createStorage('sqlite::memory:', { migrate: false })).rejects.toMatchObject({
      code: 'MIGRATION',
    });
    const current = `sqlite:${join(dir, 'current.db')}`;
    await (await createStorage(current)).close();
    const again = await createStorage(current, { migrate: false });
    expect(again.adapter).toBe('sqlite');
    await again.close();
  });

  it('a SQLite URL with a host or credentials is refused, and nothing is created for it', async () => {
    const cwd = process.cwd();
    process.chdir(dir);
    try {
      await expect(createStorage('sqlite://app:S3cr3t@/tmp/x.db')).rejects.toMatchObject({
        code: 'INVALID_INPUT',
      });
      expect(existsSync(join(dir, 'app:S3cr3t@'))).toBe(false);
    } finally {
      process.chdir(cwd);
    }
  });

  it('a driver that is not installed is UNAVAILABLE with the command that installs it', async () => {
    const missing = 'agent-storage-no-such-driver';
    await expect(loadDriver('demo', missing, () => import(missing))).rejects.toMatchObject({
      code: 'UNAVAILABLE',
      message: expect.stringContaining(`npm install ${missing}`),
    });
    // Any other failure of the module passes through unchanged.
    const broken = new Error('boom');
    await expect(loadDriver('demo', missing, () => Promise.reject(broken))).rejects.toBe(broken);
  });
});
