import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AgentStorage } from '../../src/contract/storage.js';
import { createStorage } from '../../src/create-storage.js';
import { startStudio, studioApp } from '../../src/studio/server.js';
import { pageAssets, TOKEN } from './helpers.js';

// Which Host headers the studio answers, by where it is bound: on loopback (any loopback
// address or name) only the loopback names with its port, so a DNS-rebinding page is
// refused; on the network no Host is expected, the token still is, and it says so.

const dir = mkdtempSync(join(tmpdir(), 'agent-storage-studio-guard-'));
const assets = pageAssets(dir);
const auth = { authorization: `Bearer ${TOKEN}` };
let store: AgentStorage;

beforeAll(async () => {
  store = await createStorage(`sqlite:${join(dir, 'guard.db')}`);
});
afterAll(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

/** The status of GET /api/info at `connect`:`port`, sent with `host` as its Host header. */
function statusOf(connect: string, port: number, host: string, headers: Record<string, string> = auth) {
  return new Promise<number>((resolve, reject) => {
    const req = request({ host: connect, port, path: '/api/info', headers: { ...headers, host } }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.once('error', reject);
    req.end();
  });
}

describe('studio Host check', () => {
  it('bound to loopback, answers only the loopback names and addresses with its own port', async () => {
    const app = await studioApp(store, {
      url: 'memory:',
      token: TOKEN,
      listening: { port: 4000, loopback: true },
    });
    const status = async (host: string) =>
      (await app.request('http://127.0.0.1:4000/api/info', { headers: { ...auth, host } })).status;
    for (const host of ['127.0.0.1:4000', 'localhost:4000', 'LocalHost:4000', '127.0.0.2:4000', '[::1]:4000'])
      expect(await status(host), host).toBe(200);
    for (const host of [
      'evil.example:4000',
      'evil.example',
      'localhost.evil.example:4000',
      '127.0.0.1.evil.example:4000',
      '127.0.0.1:4001',
      '127.0.0.1:04000',
      '127.0.0.1',
      '[::1]',
      '[::2]:4000',
      '128.0.0.1:4000',
      '',
    ])
      expect(await status(host), host).toBe(403);
  });

  for (const bind of ['localhost', '127.0.0.2']) {
    it(`--host ${bind} is loopback too: a rebinding Host is refused, and nothing is printed`, async () => {
      const warnings: string[] = [];
      const studio = await startStudio(store, {
        url: 'memory:',
        host: bind,
        token: TOKEN,
        assets,
        onWarning: (m) => warnings.push(m),
      });
      try {
        const port = Number(new URL(studio.url).port);
        expect(await statusOf(bind, port, `evil.example:${port}`)).toBe(403);
        expect(await statusOf(bind, port, `${bind}:${port}`)).toBe(200);
        expect(warnings).toEqual([]);
      } finally {
        await studio.close();
      }
    });
  }

  it('bound to the network, warns on stderr that it is reachable from there, and still wants the token', async () => {
    const warnings: string[] = [];
    const studio = await startStudio(store, {
      url: 'memory:',
      host: '0.0.0.0',
      token: TOKEN,
      assets,
      onWarning: (m) => warnings.push(m),
    });
    try {
      const port = Number(new URL(studio.url).port);
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toMatch(
        /0\.0\.0\.0:\d+ is not a loopback address: the studio is reachable from the network/,
      );
      // No one Host to expect there (any of the machine's names and addresses): the token decides.
      expect(await statusOf('127.0.0.1', port, `studio-box.lan:${port}`)).toBe(200);
      expect(await statusOf('127.0.0.1', port, `studio-box.lan:${port}`, {})).toBe(401);
    } finally {
      await studio.close();
    }
  });
});
