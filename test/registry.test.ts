import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadDriver } from '../src/adapters/url-options.js';
import { createStorage } from '../src/create-storage.js';
import { adapters, openStore } from '../src/registry.js';
import type { SqlAgentStorage } from '../src/sql/sql-storage.js';

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

  it('createStorage(url, options) passes the adapter its options', async () => {
    const store = (await createStorage(`sqlite:${join(dir, 'full.db')}`, {
      durability: 'full',
      busyTimeoutMs: 1234,
    })) as SqlAgentStorage;
    expect(await store.executor.get('PRAGMA synchronous', [])).toEqual({ synchronous: 2 });
    expect(await store.executor.get('PRAGMA busy_timeout', [])).toEqual({ timeout: 1234 });
    await store.close();
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
    } finally {
      process.chdir(cwd);
    }
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
