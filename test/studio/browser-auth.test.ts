import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildStudio } from '../../scripts/build-studio.js';
import type { AgentStorage } from '../../src/contract/storage.js';
import { createStorage } from '../../src/create-storage.js';
import { type Studio, startStudio } from '../../src/studio/server.js';
import { launchChromium, WAIT } from './helpers.js';

// Where the studio's token goes in a real browser: it leaves the address bar once the page
// has it, and it stays with its own studio. Two studios side by side (two ports of one
// host, which share cookies) both keep working, and no request either page makes carries the
// other's token, nor any cookie.

const dir = mkdtempSync(join(tmpdir(), 'agent-storage-studio-auth-'));
const assets = join(dir, 'assets');
let browser: Browser;
let store: AgentStorage;
let sessionId = '';
let first: Studio;
let second: Studio;

const base = (studio: Studio) => studio.url.replace(/\?token=.*$/, '');
const row = () => `[data-testid="session-row"][data-id="${sessionId}"]`;

beforeAll(async () => {
  await buildStudio(assets);
  browser = await launchChromium();
  store = await createStorage(`sqlite:${join(dir, 'auth.db')}`);
  sessionId = await store.createSession({
    agentName: 'a',
    provider: 'p',
    model: 'm',
    userPrompt: 'go',
    startedAt: 1_800_000_000,
  });
  await store.createMessage({ sessionId, role: 'user', content: 'hello there', createdAt: 1_800_000_001 });
  await store.updateSession(sessionId, { status: 'completed', endedAt: 1_800_000_002 });
  first = await startStudio(store, { url: 'sqlite:auth.db', assets });
  second = await startStudio(store, { url: 'sqlite:auth.db', assets });
});
afterAll(async () => {
  await browser?.close();
  await first?.close();
  await second?.close();
  await store?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('the studio token in a browser', () => {
  it('leaves the address bar and the history once the page has it, keeping the route', async () => {
    const page = await browser.newPage();
    try {
      await page.goto(`${first.url}#/sessions/${sessionId}`);
      await page.getByText('hello there', { exact: true }).waitFor(WAIT);
      expect(page.url()).toBe(`${base(first)}#/sessions/${sessionId}`);
      await page.goto(first.url);
      await page.locator(row()).waitFor(WAIT);
      expect(page.url()).toBe(base(first));
      // The entry it replaced in the history holds no token either.
      await page.locator(row()).click();
      await page.getByTestId('session-header').waitFor(WAIT);
      await page.goBack();
      await page.locator(row()).waitFor(WAIT);
      expect(page.url()).toBe(base(first));
    } finally {
      await page.close();
    }
  });

  it('two studios in one browser both keep working, and neither page sends the other a credential', async () => {
    const context = await browser.newContext();
    const sent: Promise<{ url: string; headers: Record<string, string> }>[] = [];
    context.on('request', (r) => sent.push(r.allHeaders().then((headers) => ({ url: r.url(), headers }))));
    const tokenOf = (url: string) => (new URL(url).port === new URL(first.url).port ? first : second).token;
    try {
      const a = await context.newPage();
      const b = await context.newPage();
      await a.goto(first.url);
      await a.locator(row()).waitFor(WAIT);
      await b.goto(second.url);
      await b.locator(row()).waitFor(WAIT);
      // Each, once the other has loaded, still reads its own studio.
      for (const page of [a, b]) {
        await page.locator(row()).click();
        const outcome = page.getByTestId('session-header').or(page.getByTestId('not-authorised'));
        await outcome.first().waitFor(WAIT);
        expect(await page.getByTestId('not-authorised').count()).toBe(0);
        await page.getByText('hello there', { exact: true }).waitFor(WAIT);
      }
      const requests = await Promise.all(sent);
      expect(requests.filter((r) => r.url.includes('/api/sessions/')).length).toBeGreaterThanOrEqual(2);
      for (const { url, headers } of requests) {
        const own = tokenOf(url);
        const other = own === first.token ? second.token : first.token;
        expect(`${url} ${JSON.stringify(headers)}`, url).not.toContain(other);
        expect(headers.cookie, url).toBeUndefined();
        if (new URL(url).pathname.startsWith('/api/'))
          expect(headers.authorization, url).toBe(`Bearer ${own}`);
      }
      expect(await context.cookies()).toEqual([]);
    } finally {
      await context.close();
    }
  });
});
