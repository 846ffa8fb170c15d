import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { AgentStorage } from '../src/contract/storage.js';
import { createStorage } from '../src/create-storage.js';

// The SQLite dialect is shared for real: rows written through one driver read back
// identically through the other, over the same file.
const dir = mkdtempSync(join(tmpdir(), 'agent-storage-cross-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function writeRun(store: AgentStorage): Promise<string> {
  const sessionId = await store.createSession({
    agentName: 'sqlite-reader',
    provider: 'anthropic',
    model: 'claude',
    userPrompt: 'Count users 😀',
    config: { b: -0, a: [1e308, 5e-324], '2': 'x\u0000y', '1': '\ud800' },
    startedAt: Number.MAX_SAFE_INTEGER,
  });
  const messageId = await store.createMessage({ sessionId, role: 'assistant', content: '', createdAt: 5 });
  await store.createMessage({ sessionId, role: 'tool', content: 'rows: 3', createdAt: 5 });
  const callId = await store.createToolCall({
    sessionId,
    messageId,
    toolCallId: 't1',
    toolName: 'q',
    request: { sql: 'SELECT 1' },
    createdAt: 5,
  });
  await store.updateToolCall(callId, {
    status: 'completed',
    response: [[3]],
    executionTimeMs: 12,
    completedAt: 6,
  });
  await store.createToolCall({ sessionId, toolCallId: 't2', toolName: 'q', request: null, createdAt: 5 });
  await store.updateSession(sessionId, { status: 'completed', endedAt: -1, result: 'three' });
  return sessionId;
}

async function readRun(store: AgentStorage, sessionId: string) {
  return [
    await store.getSession(sessionId),
    await store.getMessages(sessionId),
    await store.getToolCalls(sessionId),
    await store.getPendingToolCalls(sessionId),
  ];
}

describe('better-sqlite3 and libsql share one SQLite dialect', () => {
  for (const [writer, reader] of [
    ['sqlite', 'libsql'],
    ['libsql', 'sqlite'],
  ] as const) {
    it(`rows written through ${writer} read back identically through ${reader}`, async () => {
      const path = join(dir, `${writer}-first.db`);
      const a = await createStorage(`${writer}:${path}`);
      const sessionId = await writeRun(a);
      const written = await readRun(a, sessionId);
      await a.close();
      const b = await createStorage(`${reader}:${path}`);
      expect(JSON.stringify(await readRun(b, sessionId))).toBe(JSON.stringify(written));
      const config = (await b.getSession(sessionId))?.config as { b: number };
      expect(Object.is(config.b, -0)).toBe(true);
      // and the second driver keeps writing into the same tables
      await b.createMessage({ sessionId, role: 'user', content: 'again', createdAt: 5 });
      expect((await b.getMessages(sessionId)).map((m) => m.content)).toEqual(['', 'rows: 3', 'again']);
      await b.close();
    });
  }
});

describe('sqlite: and libsql: name one file for one path', () => {
  it('takes the path as written: a % or a # is part of the name for both, a file: URL is percent-decoded', async () => {
    for (const name of ['a%20b.db', 'g#h.db', 'x%C3%BC.db', 'plain ü.db']) {
      const folder = mkdtempSync(join(dir, 'names-'));
      const path = join(folder, name);
      const written = await createStorage(`sqlite:${path}`);
      const id = await written.createSession({ agentName: 'a', provider: 'p', model: 'm', userPrompt: name });
      await written.close();
      const read = await createStorage(`libsql:${path}`);
      expect((await read.getSession(id))?.userPrompt, name).toBe(name);
      await read.close();
      // One file, named as written: libsql made no second one under a decoded name.
      expect(
        readdirSync(folder).filter((f) => f.endsWith('.db')),
        name,
      ).toEqual([name]);
    }
    const folder = mkdtempSync(join(dir, 'file-url-'));
    const decoded = await createStorage(`file:${join(folder, 'x%20y.db')}`);
    await decoded.close();
    expect(readdirSync(folder).filter((f) => f.endsWith('.db'))).toEqual(['x y.db']);
    for (const bad of [`file:${join(folder, 'e#f.db')}`, `file:${join(folder, 'e%zz.db')}`])
      await expect(createStorage(bad), bad).rejects.toMatchObject({ code: 'INVALID_INPUT', field: 'url' });
  });
});
