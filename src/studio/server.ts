import { randomBytes } from 'node:crypto';
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
import {
  bearerOf,
  isLoopbackAddress,
  isLoopbackHost,
  type Listening,
  networkWarning,
  sameToken,
} from './guard.js';

/**
 * The studio's HTTP server: Hono on Node, bound to 127.0.0.1, read-only (GET only, the store
 * opened read-only by the caller), every request authenticated by a random token — in the
 * URL it prints for the page and its assets, then as a Bearer header from the page's own
 * fetches — under a strict Content-Security-Policy. Stored strings reach the page as JSON and
 * are rendered as text.
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
  /** Told, before `startStudio` resolves, that the bind address is not loopback. Default: stderr. */
  onWarning?: ((message: string) => void) | undefined;
}

export interface Studio {
  /** The URL to open, token included. */
  url: string;
  token: string;
  close(): Promise<void>;
}

export const CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/**
 * What the browser itself loads (address bar, `<script src>`, `<link href>`), which can carry
 * no header: these take the token from the URL. Everything else is the page's own fetches,
 * which send it as a Bearer header.
 *
 * No cookie: cookies have no port, so one set by 127.0.0.1:A goes to every server on
 * 127.0.0.1 the browser visits (the token handed to unrelated local servers), and a second
 * studio's would overwrite the first's. The page keeps the token in memory instead and drops
 * it from the address bar; a reload or a new tab needs the printed URL again.
 */
const FROM_URL = new Set(['/', '/assets/app.js', '/assets/app.css']);

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
  /** `listening` is read on every request: `startStudio` fills it in once the socket listens. */
  options: StudioOptions & { token: string; listening: Readonly<Listening> },
): Promise<Hono> {
  const { Hono } = await import('hono');
  const { listening, token } = options;
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
    // A page elsewhere must not reach the studio through a rebinding DNS name. (Bound to the
    // network on purpose, it has no one Host to expect: the token alone guards it.)
    if (listening.loopback && !isLoopbackHost(c.req.header('host'), listening.port))
      return c.json({ error: { code: 'FORBIDDEN', message: 'unexpected Host header' } }, 403);
    const fromUrl = FROM_URL.has(c.req.path) ? c.req.query('token') : undefined;
    if (sameToken(bearerOf(c.req.header('authorization')), token) || sameToken(fromUrl, token)) return next();
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

  // The page's assets need the token too, and the browser loads them from the URLs in it.
  const page = () => file('index.html').toString('utf8').replaceAll('{{token}}', encodeURIComponent(token));
  app.get('/', (c) => c.body(page(), 200, { 'Content-Type': 'text/html; charset=utf-8' }));
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
  // Until it listens, nothing can pass the Host check (port 0 is no one's).
  const listening: Listening = { port: 0, loopback: true };
  const app = await studioApp(store, { ...options, token, host, listening });
  const { serve } = await import('@hono/node-server');
  const server = await new Promise<ReturnType<typeof serve>>((resolve, reject) => {
    const s = serve({ fetch: app.fetch, hostname: host, port: options.port ?? 0 }, () => {
      // By the address it bound, not the name it was given: `localhost` is loopback too.
      const bound = s.address() as AddressInfo;
      listening.port = bound.port;
      listening.loopback = isLoopbackAddress(bound.address);
      resolve(s);
    });
    s.once('error', reject);
  });
  const { port } = listening;
  if (!listening.loopback)
    (options.onWarning ?? ((m: string) => process.stderr.write(`${m}\n`)))(networkWarning(host, port));
  const shown = host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${shown}:${port}/?token=${token}`,
    token,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
