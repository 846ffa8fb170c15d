import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import type { AgentStorage } from '../../src/contract/storage.js';

/** Debian's chromium, headless. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
}

/** Waits are for elements, with room for a busy machine: only a hang reaches this. */
export const WAIT = { timeout: 60_000 };

/**
 * Records, from before the page's first script, every Content-Security-Policy violation in
 * `window.__violations`. Stored text inserted as HTML would try to run (`onerror=`, `onload=`,
 * a `javascript:` frame) and the CSP would refuse it: a refusal is the trace it leaves, where a
 * script's own side effect never happens.
 */
export async function recordViolations(page: Page): Promise<void> {
  await page.addInitScript({
    content:
      "window.__violations = []; document.addEventListener('securitypolicyviolation', (e) => window.__violations.push(e.violatedDirective + ' ' + e.blockedURI));",
  });
}

/** The violations recorded so far, once the page's requests have settled. */
export async function violations(page: Page): Promise<string[]> {
  await page.waitForLoadState('networkidle', WAIT);
  return (await page.evaluate('window.__violations')) as string[];
}

/** A token shaped like the studio's own (43 base64url characters). */
export const TOKEN = 'q8Zr1xV0bT4mW9nK2cY7pL5sH3dF6gJ8aE0uR2iO1wQ';

/**
 * Tokens that must not pass for `token`: a short one, the token with one character changed,
 * and one of its length in another alphabet. A check that compared lengths only (or a
 * prefix) passes the last two.
 */
export function wrongTokens(token: string): string[] {
  const at = token.length >> 1;
  const changed = `${token.slice(0, at)}${token[at] === 'A' ? 'B' : 'A'}${token.slice(at + 1)}`;
  return ['wrong', changed, '~'.repeat(token.length)];
}

export const WRONG_TOKENS = wrongTokens(TOKEN);

/** A folder with the page's real index.html (the template the server fills in) and stub assets. */
export function pageAssets(dir: string): string {
  const out = join(dir, 'page-assets');
  mkdirSync(out, { recursive: true });
  copyFileSync(
    join(import.meta.dirname, '..', '..', 'studio', 'page', 'index.html'),
    join(out, 'index.html'),
  );
  writeFileSync(join(out, 'app.js'), '// stub\n');
  writeFileSync(join(out, 'app.css'), '/* stub */\n');
  return out;
}

/** What a store was asked for: calls and rows returned, per method. */
export interface Reads {
  calls: Record<string, number>;
  rows: Record<string, number>;
}

/**
 * `store` with every paged or whole read of messages and tool calls counted (calls, and rows
 * returned), to check what a request read without timing it.
 */
export function counting(store: AgentStorage): { store: AgentStorage; reads: Reads; reset(): void } {
  const reads: Reads = { calls: {}, rows: {} };
  const counted = new Set(['getMessagesPage', 'getMessages', 'getToolCallsPage', 'getToolCalls']);
  const wrapped = new Proxy(store, {
    get(target, prop) {
      const value = Reflect.get(target, prop, target) as unknown;
      if (typeof value !== 'function') return value;
      const bound = (value as (...a: unknown[]) => unknown).bind(target);
      if (typeof prop !== 'string' || !counted.has(prop)) return bound;
      return async (...args: unknown[]) => {
        const result = (await bound(...args)) as unknown[] | { items: unknown[] };
        reads.calls[prop] = (reads.calls[prop] ?? 0) + 1;
        reads.rows[prop] = (reads.rows[prop] ?? 0) + (Array.isArray(result) ? result : result.items).length;
        return result;
      };
    },
  });
  return {
    store: wrapped,
    reads,
    reset() {
      reads.calls = {};
      reads.rows = {};
    },
  };
}
