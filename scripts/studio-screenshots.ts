/**
 * Retakes docs/studio-sessions.png and docs/studio-session.png: the studio over a store of
 * sample runs and one long session, in Debian's chromium at 1280×800.
 *
 *   npx tsx scripts/studio-screenshots.ts
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { recordSampleRuns } from '../src/cli/sample-runs.js';
import { createStorage } from '../src/create-storage.js';
import { startStudio } from '../src/studio/server.js';
import { buildStudio } from './build-studio.js';

const docs = join(import.meta.dirname, '..', 'docs');
const dir = mkdtempSync(join(tmpdir(), 'agent-storage-screenshots-'));
try {
  await buildStudio(join(dir, 'assets'));
  const url = `sqlite:${join(dir, 'demo.db')}`;
  const store = await createStorage(url);
  const ids = await recordSampleRuns(store, { count: 24, seed: 4 });
  const studio = await startStudio(store, { url: 'sqlite:./demo.db', assets: join(dir, 'assets') });
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  await page.goto(studio.url);
  await page.getByTestId('session-row').first().waitFor();
  await page.screenshot({ path: join(docs, 'studio-sessions.png') });
  await page.goto(`${studio.url}#/sessions/${ids[3]}`);
  await page.getByTestId('toolcall').first().waitFor();
  await page.getByTestId('toolcall-request').first().locator('summary').first().click();
  await page.getByTestId('session-header').scrollIntoViewIfNeeded();
  await page.screenshot({ path: join(docs, 'studio-session.png') });
  await browser.close();
  await studio.close();
  await store.close();
  process.stderr.write('docs/studio-sessions.png and docs/studio-session.png written\n');
} finally {
  rmSync(dir, { recursive: true, force: true });
}
