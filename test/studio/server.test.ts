import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordSampleRuns } from '../../src/cli/sample-runs.js';
import type { AgentStorage } from '../../src/contract/storage.js';
import type { Message } from '../../src/contract/types.js';
import { createStorage } from '../../src/create-storage.js';
import { CSP, startStudio, studioApp } from '../../src/studio/server.js';
import { pageAssets, TOKEN, WRONG_TOKENS } from './helpers.js';

// The studio's server without a browser: who gets in, what headers every answer carries,
// and what the page's API returns (through the contract, on SQLite).

const dir = mkdtempSync(join(tmpdir(), 'agent-storage-studio-'));
const listening = { port: 4000, loopback: true };
let store: AgentStorage;
let app: Hono;
let longId = '';

beforeAll(async () => {
  store = await createStorage(`sqlite:${join(dir, 'studio.db')}`);
  await recordSampleRuns(store, { count: 30, seed: 9 });
  longId = await store.createSession({
    agentName: 'long',
    provider: 'p',
    model: 'm',
    userPrompt: 'go',
    startedAt: 1_800_000_000,
  });
  const messages = Array.from({ length: 350 }, (_, i) => ({
    sessionId: longId,
    role: (i % 2 ? 'assistant' : 'user') as Message['role'],
    content: `message ${i}`,
    createdAt: 1_800_000_000 + Math.floor(i / 3),
  }));
  const toolCalls = [10, 200, 349].map((i) => ({
    sessionId: longId,
    messageIndex: i,
    toolCallId: `call_${i}`,
    toolName: 'q',
    request: { i },
    createdAt: 1_800_000_000 + Math.floor(i / 3) + 1,
  }));
  await store.appendBatch({ messages, toolCalls });
  app = await studioApp(store, {
    url: 'postgres://app:S3cr3tPw@db.example/x',
    token: TOKEN,
    listening,
    assets: pageAssets(dir),
  });
});
afterAll(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

const get = (path: string, headers: Record<string, string> = {}, method = 'GET') =>
  app.request(`http://127.0.0.1:4000${path}`, { method, headers: { host: '127.0.0.1:4000', ...headers } });
const auth = { authorization: `Bearer ${TOKEN}` };
const json = async (path: string) => {
  const res = await get(path, auth);
  expect(res.status, path).toBe(200);
  return res.json() as Promise<Record<string, unknown>>;
};

describe('studio API values', () => {
  it('sends stored JSON exactly: -0 stays -0', async () => {
    const own = await createStorage(`sqlite:${join(dir, 'zero.db')}`);
    const ownApp = await studioApp(own, { url: 'memory:', token: TOKEN, listening });
    const id = await own.createSession({
      agentName: 'zero',
      provider: 'p',
      model: 'm',
      userPrompt: 'u',
      config: { z: -0 },
      startedAt: 1_700_000_000,
    });
    await own.createToolCall({ sessionId: id, toolCallId: 't', toolName: 'q', request: { n: -0 } });
    for (const path of ['/api/sessions', `/api/sessions/${id}`]) {
      const res = await ownApp.request(`http://127.0.0.1:4000${path}`, {
        headers: { host: '127.0.0.1:4000', ...auth },
      });
      expect(res.status, path).toBe(200);
      expect(res.headers.get('content-type'), path).toMatch(/^application\/json/);
      expect(await res.text(), path).toContain('{"z":-0}');
    }
    await own.close();
  });
});

describe('studio server', () => {
  it('will not start without its built page, rather than answer every visit with an error', async () => {
    const empty = mkdtempSync(join(dir, 'no-assets-'));
    await expect(startStudio(store, { url: 'memory:', assets: empty })).rejects.toMatchObject({
      code: 'UNAVAILABLE',
      message: expect.stringContaining('npm run build'),
    });
  });

  it("a failure that is not the store's says nothing of the server's files", async () => {
    const empty = mkdtempSync(join(dir, 'no-page-'));
    const told: unknown[] = [];
    const bare = await studioApp(store, {
      url: 'memory:',
      token: TOKEN,
      listening,
      assets: empty,
      onError: (e) => told.push(e),
    });
    const res = await bare.request('http://127.0.0.1:4000/', {
      headers: { host: '127.0.0.1:4000', ...auth },
    });
    expect(res.status).toBe(500);
    expect(await res.text()).not.toContain(empty);
    // The terminal hears what the page does not.
    expect(String(told[0])).toContain(empty);
  });

  it('refuses every request without the token (401), and a wrong one, however close', async () => {
    for (const path of [
      '/',
      '/assets/app.js',
      '/api/info',
      '/api/sessions',
      `/api/sessions/${longId}/messages`,
    ]) {
      expect((await get(path)).status, path).toBe(401);
      for (const wrong of WRONG_TOKENS) {
        const q = `${path}${path.includes('?') ? '&' : '?'}token=${encodeURIComponent(wrong)}`;
        expect((await get(q)).status, `${q}`).toBe(401);
        expect(
          (await get(path, { authorization: `Bearer ${wrong}` })).status,
          `${path} Bearer ${wrong}`,
        ).toBe(401);
      }
      // The cookie the studio once set is no credential now, even holding the real token.
      expect((await get(path, { cookie: `agent_storage_studio=${TOKEN}` })).status, path).toBe(401);
    }
  });

  it('the token in the URL opens the page and its assets (which the page names with it); the API takes it as a Bearer header only; no cookie is set', async () => {
    const page = await get(`/?token=${TOKEN}`);
    expect(page.status).toBe(200);
    expect(page.headers.get('set-cookie')).toBeNull();
    const html = await page.text();
    for (const asset of ['/assets/app.js', '/assets/app.css']) {
      expect(html).toContain(`"${asset}?token=${encodeURIComponent(TOKEN)}"`);
      const res = await get(`${asset}?token=${TOKEN}`);
      expect(res.status, asset).toBe(200);
      expect(res.headers.get('set-cookie'), asset).toBeNull();
    }
    // An API URL with the token in it would sit in logs and histories; the page never makes one.
    expect((await get(`/api/info?token=${TOKEN}`)).status).toBe(401);
    const api = await get('/api/info', auth);
    expect(api.status).toBe(200);
    expect(api.headers.get('set-cookie')).toBeNull();
  });

  it('every answer carries the strict CSP and no-sniff headers; only GET is served; a foreign Host is refused', async () => {
    for (const res of [await get('/api/info', auth), await get('/api/info')]) {
      expect(res.headers.get('content-security-policy')).toBe(CSP);
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(res.headers.get('referrer-policy')).toBe('no-referrer');
    }
    for (const method of ['POST', 'PUT', 'DELETE', 'PATCH'])
      expect((await get('/api/sessions', auth, method)).status).toBe(405);
    expect((await get('/api/info', { ...auth, host: 'evil.example:4000' })).status).toBe(403);
  });

  it('info shows the URL redacted, never its password', async () => {
    const info = await json('/api/info');
    expect(JSON.stringify(info)).not.toContain('S3cr3tPw');
    expect(info).toMatchObject({ adapter: 'sqlite', readOnly: true, report: false });
  });

  it('lists sessions with filters and keyset pages, and counts statuses', async () => {
    const page = (await json('/api/sessions?status=failed,running&limit=5')) as {
      items: { status: string }[];
      nextCursor: string | null;
    };
    expect(page.items.length).toBeGreaterThan(0);
    expect(page.items.every((s) => s.status === 'failed' || s.status === 'running')).toBe(true);
    const counts = (await json('/api/status-counts')) as { counts: Record<string, number>; capped: boolean };
    expect(Object.values(counts.counts).reduce((a, b) => a + b, 0)).toBe(31);
    expect((await get('/api/sessions?status=nope', auth)).status).toBe(400);
    expect((await get('/api/sessions/999999', auth)).status).toBe(404);
    // Past 2^53 a number is refused as typed, not quoted back rounded.
    const big = await get('/api/sessions?since=9007199254740993', auth);
    expect(big.status).toBe(400);
    expect(JSON.stringify(await big.json())).toContain('9007199254740993');
  });

  it('the timeline opens at the end, pages back to the start exactly once each, with each tool call under its message', async () => {
    type TL = {
      items: { message: Message; toolCalls: { toolCallId: string }[] }[];
      earlierCursor: string | null;
      laterCursor: string | null;
    };
    const seen: string[] = [];
    let page = (await json(`/api/sessions/${longId}/messages?from=end&limit=100`)) as TL;
    expect(page.items.map((x) => x.message.content).at(-1)).toBe('message 349');
    const later = page.laterCursor as string;
    for (let guard = 0; guard < 10; guard++) {
      seen.unshift(...page.items.map((x) => x.message.content));
      for (const x of page.items) {
        const i = Number(x.message.content.split(' ')[1]);
        expect(x.toolCalls.map((c) => c.toolCallId)).toEqual([10, 200, 349].includes(i) ? [`call_${i}`] : []);
      }
      if (page.earlierCursor === null) break;
      page = (await json(
        `/api/sessions/${longId}/messages?before=${encodeURIComponent(page.earlierCursor)}&limit=100`,
      )) as TL;
    }
    expect(seen).toEqual(Array.from({ length: 350 }, (_, i) => `message ${i}`));
    // Live: what is appended after the page's last message arrives through laterCursor.
    expect(
      ((await json(`/api/sessions/${longId}/messages?after=${encodeURIComponent(later)}`)) as TL).items,
    ).toEqual([]);
    await store.createMessage({
      sessionId: longId,
      role: 'assistant',
      content: 'new one',
      createdAt: 1_800_000_500,
    });
    const fresh = (await json(`/api/sessions/${longId}/messages?after=${encodeURIComponent(later)}`)) as TL;
    expect(fresh.items.map((x) => x.message.content)).toEqual(['new one']);
  });
});
