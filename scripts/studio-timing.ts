/**
 * How fast the studio opens a 100,000-message session and scrolls back (docs/studio.md):
 *
 *   npx tsx scripts/studio-timing.ts [--messages 100000]
 *
 * Seeds a SQLite store, serves the studio, and drives Debian's chromium: the time from
 * navigation to the last message on screen, then to the previous page after scrolling up, and
 * how many messages the page asked the server for (never the whole session).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { chromium } from 'playwright-core';
import type { Message } from '../src/contract/types.js';
import { createStorage } from '../src/create-storage.js';
import { startStudio } from '../src/studio/server.js';
import { buildStudio } from './build-studio.js';

const { values } = parseArgs({ options: { messages: { type: 'string', default: '100000' } } });
const total = Number(values.messages);
const dir = mkdtempSync(join(tmpdir(), 'agent-storage-studio-timing-'));
try {
  await buildStudio(join(dir, 'assets'));
  const url = `sqlite:${join(dir, 'timing.db')}`;
  const store = await createStorage(url);
  const sessionId = await store.createSession({
    agentName: 'long',
    provider: 'p',
    model: 'm',
    userPrompt: 'go',
    startedAt: 1_800_000_000,
  });
  for (let start = 0; start < total; start += 10_000) {
    const messages = Array.from({ length: Math.min(10_000, total - start) }, (_, i) => ({
      sessionId,
      role: ((start + i) % 2 ? 'assistant' : 'user') as Message['role'],
      content: `message ${start + i}`,
      createdAt: 1_800_000_000 + Math.floor((start + i) / 4),
    }));
    await store.appendBatch({ messages });
  }
  const studio = await startStudio(store, { url, assets: join(dir, 'assets') });
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  let asked = 0;
  page.on('response', async (res) => {
    if (res.url().includes('/messages')) asked += ((await res.json()) as { items: unknown[] }).items.length;
  });
  await page.goto(studio.url);
  const started = performance.now();
  await page.goto(`${studio.url}#/sessions/${sessionId}`);
  await page.getByText(`message ${total - 1}`, { exact: true }).waitFor({ timeout: 120_000 });
  const opened = performance.now() - started;
  const scrolled = performance.now();
  await page.getByTestId('load-earlier').scrollIntoViewIfNeeded();
  await page.getByText(`message ${total - 150}`, { exact: true }).waitFor({ timeout: 120_000 });
  const back = performance.now() - scrolled;
  process.stdout.write(
    `${total} messages: opened at the end in ${opened.toFixed(0)} ms; the previous page after scrolling up in ${back.toFixed(0)} ms; ${asked} messages fetched in all\n`,
  );
  await browser.close();
  await studio.close();
  await store.close();
} finally {
  rmSync(dir, { recursive: true, force: true });
}
