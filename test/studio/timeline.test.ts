import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AgentStorageError } from '../../src/contract/errors.js';
import type { AgentStorage } from '../../src/contract/storage.js';
import type { Message, Page, PageQuery } from '../../src/contract/types.js';
import { createStorage } from '../../src/create-storage.js';
import { timeline } from '../../src/studio/api.js';
import { studioApp } from '../../src/studio/server.js';
import { counting, TOKEN } from './helpers.js';

// What the timeline reads to answer: an `after=` cursor parsed as the API writes it and
// answered with one keyset page whatever the session's length, stores with cursors of their
// own still served, and an unknown session a 404 like its detail. Reads are counted through
// a wrapped store, not timed.

const dir = mkdtempSync(join(tmpdir(), 'agent-storage-studio-timeline-'));
const T0 = 1_800_000_000;
/** Longer than any page the tests ask for, so reading it whole shows in the counts. */
const LENGTH = 2_500;
let store: AgentStorage;
let app: Hono;
let sessionId = '';

beforeAll(async () => {
  store = await createStorage(`sqlite:${join(dir, 'timeline.db')}`);
  sessionId = await store.createSession({
    agentName: 'long',
    provider: 'p',
    model: 'm',
    userPrompt: 'go',
    startedAt: T0,
  });
  // One tool call per message, each a second after its message.
  await store.appendBatch({
    messages: Array.from({ length: LENGTH }, (_, i) => ({
      sessionId,
      role: (i % 2 ? 'assistant' : 'user') as Message['role'],
      content: `message ${i}`,
      createdAt: T0 + 2 * i,
    })),
    toolCalls: Array.from({ length: LENGTH }, (_, i) => ({
      sessionId,
      messageIndex: i,
      toolCallId: `call_${i}`,
      toolName: 'q',
      request: { i },
      createdAt: T0 + 2 * i + 1,
    })),
  });
  app = await studioApp(store, { url: 'memory:', token: TOKEN, listening: { port: 4000, loopback: true } });
});
afterAll(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

const get = (path: string) =>
  app.request(`http://127.0.0.1:4000${path}`, {
    headers: { host: '127.0.0.1:4000', authorization: `Bearer ${TOKEN}` },
  });

const contents = (page: { items: { message: Message }[] }) => page.items.map((x) => x.message.content);

/** `store` as if its cursors were its own: it hands out and reads only `own~`-wrapped ones. */
function ownCursors(inner: AgentStorage): AgentStorage {
  const unwrap = (c: string | undefined) => {
    if (c === undefined) return undefined;
    if (!c.startsWith('own~'))
      throw new AgentStorageError('INVALID_INPUT', 'not a cursor this storage issued', { adapter: 'own' });
    return c.slice(4);
  };
  return new Proxy(inner, {
    get(target, prop) {
      const value = Reflect.get(target, prop, target) as unknown;
      if (prop !== 'getMessagesPage')
        return typeof value === 'function' ? (value as () => unknown).bind(target) : value;
      return async (id: string, q: PageQuery = {}): Promise<Page<Message>> => {
        const after = unwrap(q.after);
        const before = unwrap(q.before);
        const page = await target.getMessagesPage(id, {
          ...q,
          ...(after === undefined ? {} : { after }),
          ...(before === undefined ? {} : { before }),
        });
        return { ...page, nextCursor: page.nextCursor === null ? null : `own~${page.nextCursor}` };
      };
    },
  });
}

describe('studio timeline reads', () => {
  it('refuses an after= cursor that is not exactly what the API writes (400 naming after)', async () => {
    const last = await store.getMessagesPage(sessionId, { from: 'end', limit: 1 });
    const id = (last.items[0] as Message).id;
    for (const after of [
      `0x10.${id}`,
      `%20.${id}`,
      `+5.${id}`,
      `05.${id}`,
      `-0.${id}`,
      `1e3.${id}`,
      `.${id}`,
      '5.',
      '5',
      // In the format, but no id this store issues.
      '-5.x',
    ]) {
      const res = await get(`/api/sessions/${sessionId}/messages?after=${after}`);
      expect(res.status, after).toBe(400);
      expect(((await res.json()) as { error: { message: string } }).error.message, after).toMatch(
        /INVALID_INPUT: after /,
      );
    }
    const ok = await get(`/api/sessions/${sessionId}/messages?after=${T0}.${id}`);
    expect(ok.status).toBe(200);
  });

  it('after= a message that does not exist reads one page, not the session', async () => {
    const { store: watched, reads } = counting(store);
    // Early in the session, with an id no message has: searching back for it would read it all.
    const page = await timeline(watched, sessionId, { after: `${T0 + 10}.999999999`, limit: '20' });
    expect(contents(page)).toEqual(Array.from({ length: 20 }, (_, i) => `message ${i + 6}`));
    expect(reads.rows.getMessagesPage ?? 0).toBeLessThanOrEqual(20);
    expect(reads.calls.getMessages ?? 0).toBe(0);
  });

  it('a page deep in the session reads the tool calls up to it, not from the session end', async () => {
    const { store: watched, reads, reset } = counting(store);
    let page = await timeline(watched, sessionId, { from: 'end', limit: '1000' });
    while (page.earlierCursor !== null) {
      reset();
      page = await timeline(watched, sessionId, { before: page.earlierCursor, limit: '1000' });
    }
    // The first 500 messages (2,500 in pages of 1,000 from the end), each with its call.
    expect(page.items.map((x) => x.toolCalls.map((c) => c.toolCallId))).toEqual(
      Array.from({ length: 500 }, (_, i) => [`call_${i}`]),
    );
    expect(reads.rows.getToolCallsPage ?? 0).toBeLessThanOrEqual(500);
  });

  it('a page that ends inside a second keeps the calls of its messages made in that second', async () => {
    // Times are seconds: here every message and call shares one, so pages split inside it.
    const id = await store.createSession({
      agentName: 'tied',
      provider: 'p',
      model: 'm',
      userPrompt: 'go',
      startedAt: T0,
    });
    await store.appendBatch({
      messages: Array.from({ length: 150 }, (_, i) => ({
        sessionId: id,
        role: 'assistant' as const,
        content: `tied ${i}`,
        createdAt: T0,
      })),
      toolCalls: [
        { sessionId: id, messageIndex: 40, toolCallId: 'early', toolName: 'q', request: {}, createdAt: T0 },
        { sessionId: id, toolCallId: 'alone', toolName: 'q', request: {}, createdAt: T0 },
      ],
    });
    const latest = await timeline(store, id, { from: 'end', limit: '100' });
    expect(contents(latest)[0]).toBe('tied 50');
    const earlier = await timeline(store, id, { before: latest.earlierCursor as string, limit: '100' });
    expect(contents(earlier)).toHaveLength(50);
    // The call of message 40 comes with message 40; the one without a message comes once.
    const under = earlier.items.flatMap((x) => x.toolCalls.map((c) => [x.message.content, c.toolCallId]));
    expect(under).toEqual([['tied 40', 'early']]);
    expect(latest.items.flatMap((x) => x.toolCalls)).toEqual([]);
    expect([...latest.loose, ...earlier.loose].map((c) => c.toolCallId).sort()).toEqual(['alone', 'early']);
    expect(earlier.loose).toEqual([]);
  });

  it('a store whose cursors are its own still gets live updates after its last message', async () => {
    const own = ownCursors(store);
    const first = await timeline(own, sessionId, { from: 'end', limit: '10' });
    expect(contents(first).at(-1)).toBe(`message ${LENGTH - 1}`);
    expect(contents(await timeline(own, sessionId, { after: first.laterCursor as string }))).toEqual([]);
    await store.createMessage({ sessionId, role: 'assistant', content: 'later', createdAt: T0 + 2 * LENGTH });
    expect(contents(await timeline(own, sessionId, { after: first.laterCursor as string }))).toEqual([
      'later',
    ]);
  });

  it('the messages of an unknown session are a 404, as the session itself is', async () => {
    for (const q of ['from=end', 'after=5.1', `before=${encodeURIComponent(`messages:999999.5.1`)}`]) {
      const res = await get(`/api/sessions/999999/messages?${q}`);
      expect(res.status, q).toBe(404);
    }
    expect((await get('/api/sessions/999999')).status).toBe(404);
  });
});
