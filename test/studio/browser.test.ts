import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildStudio } from '../../scripts/build-studio.js';
import { recordSampleRuns } from '../../src/cli/sample-runs.js';
import type { AgentStorage } from '../../src/contract/storage.js';
import type { Message } from '../../src/contract/types.js';
import { createStorage } from '../../src/create-storage.js';
import { type Studio, startStudio } from '../../src/studio/server.js';
import { dropSchemas, postgresUrl } from '../helpers/postgres.js';
import { launchChromium, recordViolations, violations, WAIT, wrongTokens } from './helpers.js';

// The studio in a real browser (Debian's chromium, headless), over a seeded SQLite store and
// a Postgres one: filter, open a session, expand a tool call, scroll back through a long
// session, see a live update, and the XSS catalogue rendered as text. No time limits of our
// own beyond the runner's: waits are for elements, with room for a busy machine.

const dir = mkdtempSync(join(tmpdir(), 'agent-storage-studio-browser-'));
const assets = join(dir, 'assets');
const pgUrl = await postgresUrl();
const schema = `agent_storage_studio_${process.pid}`;
let browser: Browser;

/** Strings that would run script or break out of markup if the page used them as HTML. */
const XSS = [
  '<img src=x onerror="window.__xss=1">',
  '</script><script>window.__xss=2</script>',
  '<svg onload="window.__xss=3"></svg>',
  '"><iframe src="javascript:window.__xss=4">',
];

/** Every bidi control; stored text holding one must not reorder what the page shows. */
const BIDI = /[\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069]/;

/** All the text a reader can see: the page's text, its tooltips and its title. */
const SHOWN =
  "document.body.textContent + [...document.querySelectorAll('[title]')].map((e) => e.getAttribute('title')).join('') + document.title";

interface Seeded {
  long: string;
  live: string;
  hostile: string;
  bidi: string;
  unended: string;
  ongoing: string;
}

async function seed(store: AgentStorage): Promise<Seeded> {
  await recordSampleRuns(store, { count: 25, seed: 4 });
  const long = await store.createSession({
    agentName: 'long-run',
    provider: 'p',
    model: 'm',
    userPrompt: 'go',
    startedAt: 1_800_000_000,
  });
  const messages = Array.from({ length: 350 }, (_, i) => ({
    sessionId: long,
    role: (i % 2 ? 'assistant' : 'user') as Message['role'],
    content: `message ${i}`,
    createdAt: 1_800_000_000 + i,
  }));
  const toolCalls = [340, 220].map((i) => ({
    sessionId: long,
    messageIndex: i,
    toolCallId: `call_${i}`,
    toolName: 'sqlite_query',
    request: { sql: 'SELECT name FROM users', marker: 'request-json-visible', offset: -0 },
    response: { rows: [{ name: 'ada' }] },
    status: 'completed' as const,
    executionTimeMs: 120,
    // The call of message 220 was made late, after messages of the latest page: it comes with
    // that page, alone, and goes under its message once an earlier page brings it.
    createdAt: 1_800_000_000 + (i === 220 ? 345 : i),
  }));
  await store.appendBatch({ messages, toolCalls });
  await store.updateSession(long, { status: 'completed', endedAt: 1_800_000_400 });
  const live = await store.createSession({
    agentName: 'live-run',
    provider: 'p',
    model: 'm',
    userPrompt: 'watch me',
    startedAt: 1_800_001_000,
  });
  await store.createMessage({
    sessionId: live,
    role: 'user',
    content: 'first words',
    createdAt: 1_800_001_000,
  });
  const hostile = await store.createSession({
    agentName: XSS[0] as string,
    provider: 'p',
    model: 'm',
    userPrompt: XSS[1] as string,
    startedAt: 1_800_002_000,
  });
  for (const [i, text] of XSS.entries())
    await store.createMessage({
      sessionId: hostile,
      role: 'assistant',
      content: text,
      createdAt: 1_800_002_000 + i,
    });
  await store.createToolCall({
    sessionId: hostile,
    toolCallId: 'x',
    toolName: XSS[2] as string,
    request: { html: XSS[3] as string },
    createdAt: 1_800_002_010,
  });
  await store.updateSession(hostile, { status: 'failed', endedAt: 1_800_002_020, error: XSS[0] as string });
  const bidi = await store.createSession({
    agentName: '\u202Eevil',
    provider: 'p\u2066x\u2069',
    model: 'm\u061C',
    userPrompt: 'say \u200Fhi\u200E',
    startedAt: 1_800_003_000,
  });
  await store.createMessage({
    sessionId: bidi,
    role: 'assistant',
    content: 'total: \u202E0001\u202C USD, \u202Aleft\u202B\u2067',
    createdAt: 1_800_003_001,
  });
  await store.createToolCall({
    sessionId: bidi,
    toolCallId: 'b\u202D',
    toolName: 'tool\u2068name\u2069',
    request: { note: '\u202Ereversed' },
    createdAt: 1_800_003_002,
  });
  // Past the size the page highlights: shown as plain text, by another path.
  await store.createToolCall({
    sessionId: bidi,
    toolCallId: 'big',
    toolName: 'big',
    request: { big: `${'x'.repeat(100_000)}\u202Ebig-end` },
    createdAt: 1_800_003_003,
  });
  await store.updateSession(bidi, { status: 'completed', endedAt: 1_800_003_010, result: 'ok\u202E' });
  // Started an hour ago (a time still to come has no "so far"): one failed with no end time
  // recorded, which is not still running, and one running.
  const anHourAgo = Math.floor(Date.now() / 1000) - 3600;
  const run = { provider: 'p', model: 'm', userPrompt: 'go', startedAt: anHourAgo };
  const unended = await store.createSession({ ...run, agentName: 'unended-run' });
  await store.updateSession(unended, { status: 'failed', error: 'crashed before recording its end' });
  const ongoing = await store.createSession({ ...run, agentName: 'ongoing-run' });
  return { long, live, hostile, bidi, unended, ongoing };
}

beforeAll(async () => {
  await buildStudio(assets);
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await dropSchemas(pgUrl, [schema]);
  rmSync(dir, { recursive: true, force: true });
});

const backends: [string, () => string | undefined][] = [
  ['sqlite', () => `sqlite:${join(dir, 'studio.db')}`],
  [
    'postgres',
    () => {
      if (!pgUrl) return undefined;
      const url = new URL(pgUrl);
      url.searchParams.set('schema', schema);
      return url.toString();
    },
  ],
];

for (const [name, urlOf] of backends) {
  const url = urlOf();
  describe.runIf(url !== undefined)(`studio in chromium over ${name}`, () => {
    let store: AgentStorage;
    let studio: Studio;
    let ids: Seeded;
    let page: Page;

    beforeAll(async () => {
      store = await createStorage(url as string);
      ids = await seed(store);
      studio = await startStudio(store, { url: url as string, assets });
      page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
      await recordViolations(page);
    });
    afterAll(async () => {
      await page?.close();
      await studio?.close();
      await store?.close();
    });

    it('a missing or wrong token gets 401, however close to the real one', async () => {
      const base = studio.url.replace(/\?token=.*$/, '');
      const context = await browser.newContext();
      try {
        const other = await context.newPage();
        expect((await other.goto(base))?.status()).toBe(401);
        expect((await other.goto(`${base}assets/app.js`))?.status()).toBe(401);
        for (const wrong of wrongTokens(studio.token)) {
          const q = `?token=${encodeURIComponent(wrong)}`;
          expect((await other.goto(`${base}${q}`))?.status(), wrong).toBe(401);
          expect((await other.goto(`${base}assets/app.js${q}`))?.status(), wrong).toBe(401);
        }
      } finally {
        await context.close();
      }
    });

    it('lists sessions with a status bar, filters by status, and opens a session', async () => {
      await page.goto(studio.url);
      await page.getByTestId('status-bar').waitFor(WAIT);
      await page.getByTestId('session-row').first().waitFor(WAIT);
      const statusFilter = page.getByTestId('filter-status');
      if ((await statusFilter.evaluate((el) => el.tagName)) === 'SELECT')
        await statusFilter.selectOption('failed');
      else await statusFilter.getByLabel('failed', { exact: true }).check();
      await page.getByTestId('filter-apply').click();
      // Polled from here: the page's CSP (script-src 'self') refuses functions sent to run in it.
      await expect
        .poll(async () => {
          const rows = await page.getByTestId('session-row').allTextContents();
          return rows.length > 0 && rows.every((r) => r.includes('failed'));
        }, WAIT)
        .toBe(true);
      await page.locator(`[data-testid="session-row"][data-id="${ids.hostile}"]`).click();
      await page.getByTestId('session-header').waitFor(WAIT);
      expect(page.url()).toContain(`#/sessions/${ids.hostile}`);
    });

    it('renders every stored string as text: the XSS catalogue shows literally and runs nothing', async () => {
      await page.goto(`${studio.url}#/sessions/${ids.hostile}`);
      await page.getByTestId('message').first().waitFor(WAIT);
      const contents = await page.getByTestId('message-content').allTextContents();
      for (const text of XSS) expect(contents.join('\n')).toContain(text);
      expect(await page.getByTestId('session-header').textContent()).toContain(XSS[0]);
      expect(await page.locator('main img, main svg[onload], main iframe, main script').count()).toBe(0);
      // Inserted as HTML, the catalogue would try to run and the CSP would refuse it, loudly.
      expect(await violations(page)).toEqual([]);
    });

    it('shows bidi controls in stored text as marked code points, never applied', async () => {
      await page.goto(`${studio.url}#/sessions/${ids.bidi}`);
      await page.getByTestId('toolcall').first().waitFor(WAIT);
      expect(await page.getByTestId('session-header').textContent()).toContain('⟨U+202E⟩evil');
      expect(await page.getByTestId('message-content').first().textContent()).toBe(
        'total: ⟨U+202E⟩0001⟨U+202C⟩ USD, ⟨U+202A⟩left⟨U+202B⟩⟨U+2067⟩',
      );
      expect(await page.locator('main .bidi-mark').first().textContent()).toBe('⟨U+202E⟩');
      const shown = (await page.evaluate(SHOWN)) as string;
      expect(shown).toContain('tool⟨U+2068⟩name⟨U+2069⟩');
      expect(shown).toContain('"⟨U+202E⟩reversed"');
      expect(shown).toContain('x⟨U+202E⟩big-end"');
      expect(shown).not.toMatch(BIDI);
      // The listing too.
      await page.goto(studio.url);
      const row = page.locator(`[data-testid="session-row"][data-id="${ids.bidi}"]`);
      await row.waitFor(WAIT);
      expect(await row.textContent()).toContain('⟨U+202E⟩evil');
      expect(await page.evaluate(SHOWN)).not.toMatch(BIDI);
      // An id from the address is shown in the window title.
      await page.goto(`${studio.url}#/sessions/${encodeURIComponent('\u202E1')}`);
      await page.getByTestId('error').waitFor(WAIT);
      expect(await page.title()).toBe('session ⟨U+202E⟩1 · agent-storage studio');
    });

    it('a finished session with no end time shows no total time; a running one shows it so far', async () => {
      await page.goto(`${studio.url}#/sessions/${ids.unended}`);
      await page.getByTestId('session-header').waitFor(WAIT);
      expect(await page.getByTestId('session-total').textContent()).toBe('—');
      await page.goto(studio.url);
      const row = page.locator(`[data-testid="session-row"][data-id="${ids.unended}"]`);
      await row.waitFor(WAIT);
      expect(await row.textContent()).not.toContain('so far');
      await page.goto(`${studio.url}#/sessions/${ids.ongoing}`);
      await page.getByTestId('session-header').waitFor(WAIT);
      expect(await page.getByTestId('session-total').textContent()).toMatch(/^1h 0\dm so far$/);
    });

    it('opens a long session at the end, expands a tool call, and loads earlier messages on scroll without reading them all', async () => {
      await page.goto(`${studio.url}#/sessions/${ids.long}`);
      await page.getByText('message 349', { exact: true }).waitFor(WAIT);
      expect(await page.getByText('message 0', { exact: true }).count()).toBe(0);
      const call = page.getByTestId('toolcall').first();
      await call.waitFor(WAIT);
      const request = call.getByTestId('toolcall-request');
      await request.locator('summary').first().click();
      await expect.poll(() => request.textContent(), WAIT).toContain('request-json-visible');
      // Stored JSON as it is stored: -0 is not shown as 0.
      expect(await request.textContent()).toContain('"offset": -0');
      const shownBefore = await page.getByTestId('message').count();
      expect(shownBefore).toBeLessThan(350);
      await page.getByTestId('load-earlier').scrollIntoViewIfNeeded();
      await page.getByText('message 200', { exact: true }).waitFor(WAIT);
      expect(await page.getByTestId('message').count()).toBeGreaterThan(shownBefore);
      const late = page.getByTestId('message').filter({ hasText: 'message 220' });
      await expect.poll(() => late.getByTestId('toolcall').count(), WAIT).toBe(1);
      expect(await page.locator('.loose-call').count()).toBe(0);
    });

    it('a running session updates live, without reloading', async () => {
      await page.goto(`${studio.url}#/sessions/${ids.live}`);
      await page.getByText('first words', { exact: true }).waitFor(WAIT);
      await page.evaluate('window.__marker = true');
      await store.createMessage({
        sessionId: ids.live,
        role: 'assistant',
        content: 'arrived later',
        createdAt: 1_800_001_005,
      });
      await page.getByText('arrived later', { exact: true }).waitFor(WAIT);
      // The same document: no reload happened.
      expect(await page.evaluate('window.__marker')).toBe(true);
    });

    it('opens a conformance report: the matrix, and each failure with its replay command', async () => {
      const report = [
        {
          suiteVersion: '0.1.0',
          target: 'sqlite',
          seed: 7,
          adapter: 'sqlite',
          capabilities: {},
          startedAt: '2026-11-29T00:00:00.000Z',
          durationMs: 3,
          passed: 1,
          failed: 1,
          skipped: 0,
          notApplicable: 0,
          results: [
            {
              id: 'session.get-unknown',
              title: 'unknown ids read as null',
              status: 'passed',
              durationMs: 1,
            },
            {
              id: 'text.round-trip',
              title: 'text round-trips',
              status: 'failed',
              durationMs: 1,
              // Shown in the failure and in the matrix cell's tooltip.
              message: `${XSS[1]} \u202Eend`,
            },
          ],
        },
      ];
      const withReport = await startStudio(store, { url: url as string, assets, report });
      const other = await browser.newPage();
      await recordViolations(other);
      try {
        await other.goto(`${withReport.url}#/report`);
        await other.getByTestId('report-matrix').waitFor(WAIT);
        expect(await other.getByTestId('report-row').count()).toBe(2);
        const failure = other.getByTestId('report-failure');
        expect(await failure.textContent()).toContain(`${XSS[1]} ⟨U+202E⟩end`);
        expect(
          await other.getByTestId('report-row').last().locator('td').first().getAttribute('title'),
        ).toContain('⟨U+202E⟩end');
        expect(await other.evaluate(SHOWN)).not.toMatch(BIDI);
        expect(await other.getByTestId('replay-command').first().textContent()).toContain(
          'agent-storage verify --grep text.round-trip --seed 7',
        );
        expect(await violations(other)).toEqual([]);
      } finally {
        await other.close();
        await withReport.close();
      }
    });
  });
}
