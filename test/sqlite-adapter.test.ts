import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { SqliteAgentStorage } from '../src/adapters/better-sqlite3.js';
import { createStorage } from '../src/create-storage.js';

// What is specific to better-sqlite3; the contract itself is covered by sqlite.test.ts.
const dir = mkdtempSync(join(tmpdir(), 'agent-storage-sqlite-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('SqliteAgentStorage', () => {
  it('opens files in WAL with synchronous=NORMAL, foreign keys on and a busy timeout', async () => {
    const store = await createStorage(`sqlite:${join(dir, 'pragmas.db')}`);
    const exec = (store as SqliteAgentStorage).executor;
    expect(await exec.get('PRAGMA journal_mode', [])).toEqual({ journal_mode: 'wal' });
    expect(await exec.get('PRAGMA synchronous', [])).toEqual({ synchronous: 1 });
    expect(await exec.get('PRAGMA foreign_keys', [])).toEqual({ foreign_keys: 1 });
    expect(await exec.get('PRAGMA busy_timeout', [])).toEqual({ timeout: 5000 });
    await store.close();
    const full = new SqliteAgentStorage(join(dir, 'full.db'), { durability: 'full', busyTimeoutMs: 250 });
    expect(await full.executor.get('PRAGMA synchronous', [])).toEqual({ synchronous: 2 });
    expect(await full.executor.get('PRAGMA busy_timeout', [])).toEqual({ timeout: 250 });
    await full.close();
    // The same through the URL.
    const byUrl = (await createStorage(
      `sqlite:${join(dir, 'url.db')}?durability=full&busyTimeoutMs=300`,
    )) as SqliteAgentStorage;
    expect(await byUrl.executor.get('PRAGMA synchronous', [])).toEqual({ synchronous: 2 });
    expect(await byUrl.executor.get('PRAGMA busy_timeout', [])).toEqual({ timeout: 300 });
    await byUrl.close();
    await expect(createStorage(`sqlite:${join(dir, 'bad.db')}?durability=sometimes`)).rejects.toMatchObject({
      code: 'INVALID_INPUT',
      field: 'url',
    });
    await expect(createStorage(`sqlite:${join(dir, 'bad.db')}?journal=off`)).rejects.toThrow(/"journal"/);
  });

  it('keeps the WAL small: single appends step to completion, so the auto-checkpoint runs', async () => {
    // A write stepped once leaves its commit to the statement reset, which skips the WAL
    // hook: 20,000 appends then grew the WAL to 261 MB with the main file empty.
    const path = join(dir, 'wal.db');
    const store = await createStorage(`sqlite:${path}`);
    const sessionId = await store.createSession({
      agentName: 'a',
      provider: 'p',
      model: 'm',
      userPrompt: 'u',
    });
    for (let i = 0; i < 20_000; i++) await store.createMessage({ sessionId, role: 'user', content: `m${i}` });
    expect(statSync(`${path}-wal`).size).toBeLessThan(8 * 1024 * 1024);
    expect(statSync(path).size).toBeGreaterThan(512 * 1024);
    await store.close();
  });

  it('adopts an existing Database without closing it or changing its journal mode', async () => {
    const db = new Database(join(dir, 'own.db'));
    const store = new SqliteAgentStorage(db);
    await store.migrate();
    const id = await store.createSession({ agentName: 'a', provider: 'p', model: 'm', userPrompt: 'u' });
    await store.close();
    expect(db.open).toBe(true);
    expect(db.pragma('journal_mode', { simple: true })).toBe('delete');
    expect(db.prepare('SELECT agent_name FROM agent_sessions WHERE id = ?').get(Number(id))).toEqual({
      agent_name: 'a',
    });
    db.close();
  });

  it('deleting a session cascades to its messages and tool calls (nocodo schema, foreign keys on)', async () => {
    const store = await createStorage('sqlite::memory:');
    const exec = (store as SqliteAgentStorage).executor;
    const s = await store.createSession({ agentName: 'a', provider: 'p', model: 'm', userPrompt: 'u' });
    const m = await store.createMessage({ sessionId: s, role: 'assistant', content: '' });
    await store.createToolCall({ sessionId: s, messageId: m, toolCallId: 'c', toolName: 't', request: {} });
    await exec.run('DELETE FROM agent_sessions WHERE id = ?', [s]);
    expect(await store.getMessages(s)).toEqual([]);
    expect(await store.getToolCalls(s)).toEqual([]);
    expect(await exec.get('SELECT COUNT(*) AS n FROM agent_tool_calls', [])).toEqual({ n: 0 });
    await store.close();
  });

  it('keeps 64-bit ids exact: ids are text, never rounded through a JS number', async () => {
    const store = await createStorage('sqlite::memory:');
    const exec = (store as SqliteAgentStorage).executor;
    await exec.run("INSERT INTO sqlite_sequence (name, seq) VALUES ('agent_sessions', 9007199254740993)", []);
    const id = await store.createSession({ agentName: 'a', provider: 'p', model: 'm', userPrompt: 'u' });
    expect(id).toBe('9007199254740994');
    expect((await store.getSession(id))?.id).toBe('9007199254740994');
    expect(await store.getSession('9007199254740995')).toBeNull();
    const m = await store.createMessage({ sessionId: id, role: 'user', content: 'x' });
    expect((await store.getMessages(id))[0]).toMatchObject({ id: m, sessionId: '9007199254740994' });
    expect(await store.getSession('9223372036854775808')).toBeNull();
    await store.close();
  });

  it('reports a stored timestamp past 2^53 as CORRUPT_DATA instead of rounding it', async () => {
    const store = await createStorage('sqlite::memory:');
    const exec = (store as SqliteAgentStorage).executor;
    const id = await store.createSession({ agentName: 'a', provider: 'p', model: 'm', userPrompt: 'u' });
    await exec.run('UPDATE agent_sessions SET started_at = 9007199254740993 WHERE id = ?', [id]);
    await expect(store.getSession(id)).rejects.toMatchObject({ code: 'CORRUPT_DATA', field: 'started_at' });
    await exec.run("UPDATE agent_sessions SET started_at = '2024-01-01' WHERE id = ?", [id]);
    await expect(store.getSession(id)).rejects.toMatchObject({ code: 'CORRUPT_DATA', field: 'started_at' });
    await store.close();
  });

  it('reads text holding U+0000 whole, and reports a blob where text belongs as CORRUPT_DATA naming the column', async () => {
    const store = await createStorage('sqlite::memory:');
    const exec = (store as SqliteAgentStorage).executor;
    const id = await store.createSession({ agentName: 'a', provider: 'p', model: 'm', userPrompt: 'u' });
    await exec.run("UPDATE agent_sessions SET user_prompt = 'a' || char(0) || 'b' WHERE id = ?", [id]);
    expect((await store.getSession(id))?.userPrompt).toBe('a\u0000b');
    await exec.run("UPDATE agent_sessions SET user_prompt = x'6162' WHERE id = ?", [id]);
    await expect(store.getSession(id)).rejects.toMatchObject({ code: 'CORRUPT_DATA', field: 'user_prompt' });
    await expect(store.getSession(id)).rejects.toThrow(
      `agent_sessions row ${id} column user_prompt holds a 2-byte blob, not text`,
    );
    await store.close();
  });

  it('reads text that is not UTF-8 as better-sqlite3 decodes it, U+FFFD for the bad bytes (documented)', async () => {
    // better-sqlite3 replaces them before the kit sees the string, and telling a replaced byte
    // from a stored U+FFFD would take selecting every text as bytes (docs/adapters/sqlite.md).
    const store = await createStorage('sqlite::memory:');
    const exec = (store as SqliteAgentStorage).executor;
    const id = await store.createSession({ agentName: 'a', provider: 'p', model: 'm', userPrompt: 'u' });
    await exec.run("UPDATE agent_sessions SET user_prompt = CAST(x'61C062' AS TEXT) WHERE id = ?", [id]);
    expect((await store.getSession(id))?.userPrompt).toBe('a\uFFFDb');
    await store.close();
  });

  it('a second connection waiting on the write lock gets UNAVAILABLE after its busy timeout, not a hang', async () => {
    const path = join(dir, 'busy.db');
    const a = await createStorage(`sqlite:${path}`);
    const b = new SqliteAgentStorage(path, { busyTimeoutMs: 50 });
    const s = await a.createSession({ agentName: 'a', provider: 'p', model: 'm', userPrompt: 'u' });
    const blocker = new Database(path);
    blocker.exec('BEGIN IMMEDIATE');
    await expect(b.createMessage({ sessionId: s, role: 'user', content: 'x' })).rejects.toMatchObject({
      code: 'UNAVAILABLE',
    });
    blocker.exec('ROLLBACK');
    blocker.close();
    expect(await b.createMessage({ sessionId: s, role: 'user', content: 'x' })).toMatch(/^\d+$/);
    await a.close();
    await b.close();
  });
});

describe('createStorage', () => {
  it('opens memory:, sqlite::memory: and sqlite:<path>, creating missing folders', async () => {
    for (const url of ['memory:', 'sqlite::memory:', `sqlite:${join(dir, 'nested', 'deeper', 'x.db')}`]) {
      const store = await createStorage(url);
      const id = await store.createSession({ agentName: 'a', provider: 'p', model: 'm', userPrompt: 'u' });
      expect((await store.getSession(id))?.agentName).toBe('a');
      await store.close();
    }
  });

  it('reads AGENT_STORAGE_URL when no URL is given, and never mutates the options object', async () => {
    const before = process.env.AGENT_STORAGE_URL;
    process.env.AGENT_STORAGE_URL = 'memory:';
    try {
      const options = Object.freeze({ migrate: true });
      const store = await createStorage(options);
      expect(store.adapter).toBe('memory');
      await store.close();
    } finally {
      if (before === undefined) delete process.env.AGENT_STORAGE_URL;
      else process.env.AGENT_STORAGE_URL = before;
    }
  });

  it('rejects an unknown scheme with INVALID_INPUT naming the url', async () => {
    await expect(createStorage('mongodb://x')).rejects.toMatchObject({ code: 'INVALID_INPUT', field: 'url' });
    await expect(createStorage('sqlite:')).rejects.toMatchObject({ code: 'INVALID_INPUT', field: 'url' });
  });

  it('loads drivers lazily: opening memory: never loads better-sqlite3', () => {
    const script = `
      import { createRequire } from 'node:module';
      import { createStorage } from './src/index.ts';
      const store = await createStorage('memory:');
      await store.close();
      const loaded = Object.keys(createRequire(import.meta.url).cache).filter((k) => k.includes('better-sqlite3'));
      console.log(JSON.stringify(loaded));`;
    const out = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      cwd: join(import.meta.dirname, '..'),
    });
    expect(JSON.parse(out.toString())).toEqual([]);
  });
});
