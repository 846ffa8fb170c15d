// `#/`: status counts, filters, and one keyset page of sessions (newest first).
import { api, LIVE_STATUSES, type Session, type SessionStatus, STATUSES, type StatusCounts } from './api.js';
import { h, replace } from './dom.js';
import {
  dateToUnix,
  firstLine,
  formatCount,
  formatTime,
  sessionDuration,
  shortId,
  statusLabel,
} from './format.js';
import { badge, errorBox, isAbort, type ViewContext } from './widgets.js';

const PAGE_SIZE = 50;
const DAY = 86400;

/** The filter as it lives in the hash: `#/?status=failed,running&agent=a&since=2026-01-01&cursor=…&page=2`. */
interface Filter {
  status: SessionStatus[];
  agent: string;
  provider: string;
  model: string;
  since: string;
  until: string;
}

function readFilter(q: URLSearchParams): Filter {
  const status = (q.get('status') ?? '')
    .split(',')
    .filter((s): s is SessionStatus => (STATUSES as readonly string[]).includes(s));
  return {
    status,
    agent: q.get('agent') ?? '',
    provider: q.get('provider') ?? '',
    model: q.get('model') ?? '',
    since: q.get('since') ?? '',
    until: q.get('until') ?? '',
  };
}

function filterHash(f: Filter, cursor?: string | null, page?: number): string {
  const q = new URLSearchParams();
  if (f.status.length) q.set('status', f.status.join(','));
  for (const k of ['agent', 'provider', 'model', 'since', 'until'] as const) if (f[k]) q.set(k, f[k]);
  if (cursor) q.set('cursor', cursor);
  if (cursor && page && page > 1) q.set('page', String(page));
  const s = q.toString();
  return s ? `#/?${s}` : '#/';
}

function go(hash: string, reload: () => void): void {
  if (location.hash === hash || (hash === '#/' && (location.hash === '' || location.hash === '#'))) reload();
  else location.hash = hash;
}

function statusBar(counts: StatusCounts | null, error: unknown): HTMLElement {
  const bar = h('nav', {
    class: 'status-bar',
    'data-testid': 'status-bar',
    'aria-label': 'sessions by status',
  });
  if (!counts) {
    replace(bar, h('span', { class: 'muted' }, error ? 'counts unavailable' : 'counting…'));
    return bar;
  }
  for (const s of STATUSES) {
    const n = counts.counts[s] ?? 0;
    bar.append(
      h(
        'a',
        { class: `count status-${s}`, href: `#/?status=${s}`, 'data-status': s, 'data-testid': `count-${s}` },
        h('span', { class: 'count-n' }, formatCount(n, counts.capped)),
        h('span', { class: 'count-label' }, statusLabel(s)),
      ),
    );
  }
  if (counts.capped) bar.append(h('span', { class: 'muted cap-note' }, 'counts stop at 10,000'));
  return bar;
}

function filterForm(f: Filter, onApply: (f: Filter) => void): HTMLFormElement {
  const text = (name: 'agent' | 'provider' | 'model', label: string) =>
    h(
      'label',
      { class: 'filter-field' },
      h('span', null, label),
      h('input', {
        type: 'text',
        name,
        value: f[name],
        'data-testid': `filter-${name}`,
        autocomplete: 'off',
      }),
    );
  const date = (name: 'since' | 'until', label: string) =>
    h(
      'label',
      { class: 'filter-field' },
      h('span', null, label),
      h('input', { type: 'date', name, value: f[name], 'data-testid': `filter-${name}` }),
    );
  const form = h(
    'form',
    { class: 'filters', 'aria-label': 'filter sessions' },
    h(
      'fieldset',
      { class: 'status-filter', 'data-testid': 'filter-status' },
      h('legend', null, 'Status'),
      STATUSES.map((s) =>
        h(
          'label',
          { class: 'check' },
          h('input', {
            type: 'checkbox',
            name: 'status',
            value: s,
            checked: f.status.includes(s),
            'data-testid': `filter-status-${s}`,
          }),
          ' ',
          statusLabel(s),
        ),
      ),
    ),
    text('agent', 'Agent'),
    text('provider', 'Provider'),
    text('model', 'Model'),
    date('since', 'Started from (UTC)'),
    date('until', 'Started until (UTC, inclusive)'),
    h(
      'div',
      { class: 'filter-buttons' },
      h('button', { type: 'submit', class: 'primary', 'data-testid': 'filter-apply' }, 'Apply'),
      h('button', { type: 'reset', 'data-testid': 'filter-clear' }, 'Clear'),
    ),
  );
  const read = (): Filter => {
    const data = new FormData(form);
    const str = (k: string) => String(data.get(k) ?? '').trim();
    return {
      status: STATUSES.filter((s) => data.getAll('status').includes(s)),
      agent: str('agent'),
      provider: str('provider'),
      model: str('model'),
      since: str('since'),
      until: str('until'),
    };
  };
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    onApply(read());
  });
  form.addEventListener('reset', (e) => {
    e.preventDefault();
    onApply({ status: [], agent: '', provider: '', model: '', since: '', until: '' });
  });
  return form;
}

function row(s: Session): HTMLTableRowElement {
  const href = `#/sessions/${encodeURIComponent(s.id)}`;
  const outcome = s.error
    ? h('span', { class: 'outcome error-text' }, firstLine(s.error))
    : h('span', { class: 'outcome' }, firstLine(s.result));
  const tr = h(
    'tr',
    { class: 'session-row', 'data-testid': 'session-row', 'data-id': s.id, 'data-status': s.status },
    h('td', { class: 'mono' }, h('a', { href, title: s.id }, shortId(s.id))),
    h('td', null, badge(s.status)),
    h('td', null, s.agentName),
    h('td', null, s.provider, h('span', { class: 'muted' }, ' / '), s.model),
    h('td', { class: 'nowrap mono' }, formatTime(s.startedAt)),
    h(
      'td',
      { class: 'nowrap' },
      sessionDuration(s.startedAt, s.endedAt, (LIVE_STATUSES as readonly string[]).includes(s.status)),
    ),
    h('td', { class: 'outcome-cell' }, outcome),
  );
  tr.addEventListener('click', (e) => {
    if ((e.target as Element | null)?.closest('a')) return; // the link navigates itself
    if (window.getSelection()?.toString()) return; // selecting text, not opening
    location.hash = href;
  });
  return tr;
}

export function sessionsView(ctx: ViewContext): void {
  const { root, signal, query } = ctx;
  const filter = readFilter(query);
  const cursor = query.get('cursor');
  const page = Math.max(1, Number(query.get('page')) || 1);

  const barSlot = h('div', { class: 'bar-slot' }, statusBar(null, null));
  const tbody = h('tbody', null);
  const table = h(
    'table',
    { class: 'sessions', 'data-testid': 'sessions-table' },
    h(
      'thead',
      null,
      h(
        'tr',
        null,
        ['Id', 'Status', 'Agent', 'Provider / model', 'Started (UTC)', 'Duration', 'Result / error'].map(
          (c) => h('th', { scope: 'col' }, c),
        ),
      ),
    ),
    tbody,
  );
  const message = h('div', { class: 'table-message', 'aria-live': 'polite' }, 'Loading…');
  const first = h(
    'button',
    { type: 'button', 'data-testid': 'first-page', disabled: !cursor },
    '« First page',
  );
  const next = h('button', { type: 'button', 'data-testid': 'next-page', disabled: true }, 'Next page »');
  const pageLabel = h('span', { class: 'muted' }, `page ${page}`);

  let nextCursor: string | null = null;
  next.addEventListener('click', () => {
    if (nextCursor) location.hash = filterHash(filter, nextCursor, page + 1);
  });

  const load = async () => {
    message.textContent = 'Loading…';
    message.hidden = false;
    tbody.replaceChildren();
    next.disabled = true;
    const since = dateToUnix(filter.since);
    const untilDay = dateToUnix(filter.until);
    const counts = api.statusCounts(signal).then(
      (c) => replace(barSlot, statusBar(c, null)),
      (e) => {
        if (!isAbort(e, signal)) replace(barSlot, statusBar(null, e));
      },
    );
    try {
      const res = await api.sessions(
        {
          status: filter.status,
          agent: filter.agent,
          provider: filter.provider,
          model: filter.model,
          since,
          // "on or before" a day: started before the next day's start.
          until: untilDay === null ? null : untilDay + DAY,
          limit: PAGE_SIZE,
          cursor,
        },
        signal,
      );
      tbody.replaceChildren(...res.items.map(row));
      message.hidden = res.items.length > 0;
      message.textContent = res.items.length ? '' : cursor ? 'No more sessions.' : 'No sessions match.';
      nextCursor = res.nextCursor;
      next.disabled = nextCursor === null;
    } catch (e) {
      if (isAbort(e, signal)) return;
      message.hidden = false;
      replace(message, errorBox(e));
    }
    await counts;
  };

  first.addEventListener('click', () => go(filterHash(filter), load));
  replace(
    root,
    h(
      'section',
      { class: 'sessions-view' },
      barSlot,
      filterForm(filter, (f) => go(filterHash(f), load)),
      h('div', { class: 'table-wrap' }, table, message),
      h('div', { class: 'pager' }, first, pageLabel, next),
    ),
  );
  void load();
}
