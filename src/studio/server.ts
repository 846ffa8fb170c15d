import { randomBytes, timingSafeEqual } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Context, Hono } from 'hono';
import { AgentStorageError } from '../contract/errors.js';
import { stringifyExact } from '../contract/json.js';
import { redactSecrets, redactUrl } from '../contract/redact.js';
import type { AgentStorage } from '../contract/storage.js';
import { sessionDetail, sessionQueryOf, statusCounts, timeline } from './api.js';

/**
 * The studio's HTTP server: Hono on Node, bound to 127.0.0.1, read-only (GET only, the store
 * opened read-only by the caller), every request authenticated by a random token — in the
 * URL it prints, then in an HttpOnly, SameSite=Strict cookie — under a strict
 * Content-Security-Policy. Stored strings reach the page as JSON and are rendered as text.
 */

export interface StudioOptions {
  /** The store's URL, shown to the page redacted only. */
  url: string;
  /** Default 127.0.0.1: transcripts hold prompts, tool output and secrets. */
  host?: string | undefined;
  /** Default 0: any free port. */
  port?: number | undefined;
  /** Default: 32 random bytes. */
  token?: string | undefined;
  /** A conformance report (the JSON `verify --json` writes), shown at #/report. */
  report?: unknown;
  /** Where the built page is (index.html, app.js, app.css). Default: `dist/studio` of the package. */
  assets?: string | undefined;
  /**
   * Told of a failure that is not the store's (the page gets a bare 500). Default: a line on
   * stderr, redacted.
   */
  onError?: ((error: unknown) => void) | undefined;
}

export interface Studio {
  /** The URL to open, token included. */
  url: string;
  token: string;
  close(): Promise<void>;
}

export const CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

const COOKIE = 'agent_storage_studio';
const LOOPBACK = ['127.0.0.1', '[::1]', '::1'];

/** The package's `dist/studio`, whether running from `src/` or from `dist/src/`. */
export function defaultAssets(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'package.json'))) return join(dir, 'dist', 'studio');
    const parent = dirname(dir);
    if (parent === dir) return join(dirname(fileURLToPath(import.meta.url)), 'studio');
    dir = parent;
  }
}

function sameToken(given: string | undefined, token: string): boolean {
  if (given === undefined) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

function statusOf(e: unknown): 400 | 404 | 501 | 503 | 500 {
  if (!(e instanceof AgentStorageError)) return 500;
  return e.code === 'INVALID_INPUT'
    ? 400
    : e.code === 'NOT_FOUND'
      ? 404
      : e.code === 'NOT_SUPPORTED'
        ? 501
        : 503;
}

/** The app (routes and checks) without a socket: what `startStudio` serves and tests can call. */
export async function studioApp(
  store: AgentStorage,
  options: StudioOptions & { token: string },
): Promise<Hono> {
  const { Hono } = await import('hono');
  const { getCookie, setCookie } = await import('hono/cookie');
  const assets = options.assets ?? defaultAssets();
  const file = (name: string) => readFileSync(join(assets, name));
  const app = new Hono();

  app.use('*', async (c, next) => {
    c.header('Content-Security-Policy', CSP);
    c.header('X-Content-Type-Options', 'nosniff');
    c.header('Referrer-Policy', 'no-referrer');
    c.header('X-Frame-Options', 'DENY');
    c.header('Cache-Control', 'no-store');
    if (c.req.method !== 'GET' && c.req.method !== 'HEAD')
      return c.json({ error: { code: 'READ_ONLY', message: 'the studio is read-only' } }, 405);
    // A page elsewhere must not reach the studio through a rebinding DNS name.
    // (Bound elsewhere on purpose, the token alone guards it.)
    const host = (c.req.header('host') ?? '').replace(/:\d+$/, '');
    if (LOOPBACK.includes(options.host ?? '127.0.0.1') && !LOOPBACK.includes(host) && host !== 'localhost')
      return c.json({ error: { code: 'FORBIDDEN', message: 'unexpected Host header' } }, 403);
    const fromQuery = c.req.query('token');
    if (sameToken(fromQuery, options.token)) {
      setCookie(c, COOKIE, options.token, { httpOnly: true, sameSite: 'Strict', path: '/' });
      return next();
    }
    const bearer = /^Bearer (.+)$/.exec(c.req.header('authorization') ?? '')?.[1];
    if (sameToken(getCookie(c, COOKIE), options.token) || sameToken(bearer, options.token)) return next();
    return c.json(
      { error: { code: 'UNAUTHORIZED', message: 'open the URL agent-storage studio printed' } },
      401,
    );
  });

  // The store's errors are the contract's, worded for the user; anything else (a bug, a file
  // the server could not read) may quote server paths: it goes to the terminal, not the page.
  const onError =
    options.onError ??
    ((e: unknown) =>
      process.stderr.write(`agent-storage studio: ${redactSecrets(String((e as Error)?.stack ?? e))}\n`));
  app.onError((e, c) => {
    if (e instanceof AgentStorageError)
      return c.json({ error: { code: e.code, message: e.message } }, statusOf(e));
    onError(e);
    return c.json(
      { error: { code: 'ERROR', message: 'the studio server failed; its terminal says why' } },
      500,
    );
  });

  app.get('/', (c) => c.body(file('index.html'), 200, { 'Content-Type': 'text/html; charset=utf-8' }));
  app.get('/assets/app.js', (c) =>
    c.body(file('app.js'), 200, { 'Content-Type': 'text/javascript; charset=utf-8' }),
  );
  app.get('/assets/app.css', (c) =>
    c.body(file('app.css'), 200, { 'Content-Type': 'text/css; charset=utf-8' }),
  );

  app.get('/api/info', (c) =>
    c.json({
      adapter: store.adapter,
      url: redactUrl(options.url),
      capabilities: store.capabilities,
      readOnly: true,
      report: options.report !== undefined,
    }),
  );
  // Stored values as they are (-0 included, which c.json's JSON.stringify writes 0).
  const exact = (c: Context, value: unknown) =>
    c.body(stringifyExact(value), 200, { 'content-type': 'application/json; charset=UTF-8' });
  app.get('/api/sessions', async (c) => exact(c, await store.listSessions(sessionQueryOf(c.req.query()))));
  app.get('/api/status-counts', async (c) => c.json(await statusCounts(store)));
  app.get('/api/sessions/:id', async (c) => {
    const detail = await sessionDetail(store, c.req.param('id'));
    return detail === null
      ? c.json({ error: { code: 'NOT_FOUND', message: 'no such session' } }, 404)
      : exact(c, detail);
  });
  app.get('/api/sessions/:id/messages', async (c) =>
    exact(c, await timeline(store, c.req.param('id'), c.req.query())),
  );
  app.get('/api/report', (c) =>
    options.report === undefined
      ? c.json({ error: { code: 'NOT_FOUND', message: 'no report loaded' } }, 404)
      : c.json(options.report),
  );
  app.notFound((c) => c.json({ error: { code: 'NOT_FOUND', message: 'no such page' } }, 404));
  return app;
}

/** Serves the studio over `store` until `close()`; resolves once it listens. */
export async function startStudio(store: AgentStorage, options: StudioOptions): Promise<Studio> {
  const token = options.token ?? randomBytes(32).toString('base64url');
  const host = options.host ?? '127.0.0.1';
  // Checked before serving: a studio with no page would print its URL and then answer every
  // visit with an error.
  if (!existsSync(join(options.assets ?? defaultAssets(), 'index.html')))
    throw new AgentStorageError(
      'UNAVAILABLE',
      'the studio page is not built: run npm run build (a package installed from npm has it)',
      { adapter: 'studio' },
    );
  const app = await studioApp(store, { ...options, token, host });
  const { serve } = await import('@hono/node-server');
  const server = await new Promise<ReturnType<typeof serve>>((resolve, reject) => {
    const s = serve({ fetch: app.fetch, hostname: host, port: options.port ?? 0 }, () => resolve(s));
    s.once('error', reject);
  });
  const { port } = server.address() as AddressInfo;
  const shown = host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${shown}:${port}/?token=${token}`,
    token,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
