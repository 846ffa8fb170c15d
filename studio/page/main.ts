// Entry point: the top bar and the hash router (`#/`, `#/sessions/<id>`, `#/report`).
import { api, type Info, isUnauthorised, NOT_AUTHORISED, takeToken } from './api.js';
import { h, replace, visibleText } from './dom.js';
import { reportView } from './report-view.js';
import { sessionView } from './session-view.js';
import { sessionsView } from './sessions-view.js';
import { errorBox, type ViewContext } from './widgets.js';

type View = (ctx: ViewContext) => void;

interface Route {
  view: View;
  params: string[];
  nav: 'sessions' | 'report' | null;
}

function parse(hash: string): { parts: string[]; query: URLSearchParams } | null {
  const raw = hash.replace(/^#/, '') || '/';
  const q = raw.indexOf('?');
  const path = q < 0 ? raw : raw.slice(0, q);
  try {
    return {
      parts: path.split('/').filter(Boolean).map(decodeURIComponent),
      query: new URLSearchParams(q < 0 ? '' : raw.slice(q + 1)),
    };
  } catch {
    return null; // a malformed %-escape
  }
}

function notFound(ctx: ViewContext): void {
  replace(
    ctx.root,
    h('h1', null, 'Not found'),
    h('p', null, 'Nothing lives at this address. ', h('a', { href: '#/' }, 'Back to the sessions.')),
  );
}

function match(parts: string[]): Route {
  const [head, ...rest] = parts;
  if (head === undefined) return { view: sessionsView, params: [], nav: 'sessions' };
  if (head === 'sessions' && rest.length === 1) return { view: sessionView, params: rest, nav: 'sessions' };
  if (head === 'sessions' && rest.length === 0) return { view: sessionsView, params: [], nav: 'sessions' };
  if (head === 'report' && rest.length === 0) return { view: reportView, params: [], nav: 'report' };
  return { view: notFound, params: [], nav: null };
}

function topBar(
  info: Info | null,
  infoError: unknown,
): { bar: HTMLElement; links: Map<string, HTMLElement> } {
  const links = new Map<string, HTMLElement>();
  const link = (key: string, href: string, text: string, testid: string) => {
    const a = h('a', { href, 'data-testid': testid }, text);
    links.set(key, a);
    return a;
  };
  const bar = h(
    'header',
    { class: 'topbar' },
    h('a', { class: 'brand', href: '#/' }, 'agent-storage ', h('span', null, 'studio')),
    h(
      'nav',
      { class: 'topnav' },
      link('sessions', '#/', 'Sessions', 'nav-sessions'),
      info?.report ? link('report', '#/report', 'Conformance report', 'nav-report') : null,
    ),
    h(
      'div',
      { class: 'store-info', 'data-testid': 'store-info' },
      info
        ? [
            h('span', { class: 'adapter' }, info.adapter),
            h('span', { class: 'mono url', title: info.url }, info.url),
            h('span', { class: 'badge readonly' }, 'read-only'),
          ]
        : infoError
          ? h('span', { class: 'error-text' }, 'store info unavailable')
          : null,
    ),
  );
  return { bar, links };
}

async function start(): Promise<void> {
  takeToken();
  const app = document.getElementById('app') ?? document.body;
  let info: Info | null = null;
  let infoError: unknown = null;
  try {
    info = await api.info();
  } catch (e) {
    infoError = e;
  }
  if (isUnauthorised(infoError)) {
    document.title = 'agent-storage studio: not authorised';
    replace(
      app,
      h(
        'main',
        { class: 'view' },
        h('div', { class: 'error-box', 'data-testid': 'not-authorised' }, NOT_AUTHORISED),
      ),
    );
    return;
  }
  const { bar, links } = topBar(info, infoError);
  const main = h('main', { class: 'view', id: 'view' });
  replace(app, bar, infoError ? h('div', { class: 'view' }, errorBox(infoError)) : null, main);

  let current: AbortController | null = null;
  let lastPath: string | null = null;
  const route = () => {
    current?.abort();
    current = new AbortController();
    const parsed = parse(location.hash);
    const r = parsed ? match(parsed.parts) : { view: notFound, params: [], nav: null };
    for (const [key, a] of links) a.classList.toggle('active', key === r.nav);
    const path = parsed?.parts.join('/') ?? '';
    // A new page starts at the top; a new page of the same list keeps the filters in view.
    if (path !== lastPath) window.scrollTo(0, 0);
    lastPath = path;
    document.title =
      r.view === sessionView
        ? `session ${visibleText(r.params[0] ?? '')} · agent-storage studio`
        : 'agent-storage studio';
    r.view({
      root: main,
      signal: current.signal,
      params: r.params,
      query: parsed?.query ?? new URLSearchParams(),
    });
  };
  window.addEventListener('hashchange', route);
  route();
}

void start();
