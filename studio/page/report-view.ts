// `#/report`: the loaded conformance report(s) as a requirement × adapter matrix, then each
// failure with its message, seed and the command that replays it.
import { api, type ConformanceReport, type RequirementResult } from './api.js';
import { h, replace } from './dom.js';
import { formatDuration } from './format.js';
import { errorBox, isAbort, type ViewContext } from './widgets.js';

const CELL: Record<RequirementResult['status'], string> = {
  passed: 'pass',
  failed: 'FAIL',
  skipped: 'skip',
  'not-applicable': 'n/a',
};

const columnLabel = (r: ConformanceReport) =>
  r.target === r.adapter ? r.target : `${r.target} (${r.adapter})`;

export function replayCommand(id: string, seed: number): string {
  return `agent-storage verify --grep ${id} --seed ${seed}`;
}

function summary(reports: ConformanceReport[]): HTMLElement {
  return h(
    'table',
    { class: 'report-summary', 'data-testid': 'report-summary' },
    h(
      'thead',
      null,
      h(
        'tr',
        null,
        ['Target', 'Adapter', 'Passed', 'Failed', 'Skipped', 'n/a', 'Seed', 'Started', 'Took'].map((c) =>
          h('th', { scope: 'col' }, c),
        ),
      ),
    ),
    h(
      'tbody',
      null,
      reports.map((r) =>
        h(
          'tr',
          null,
          h('td', null, r.target),
          h('td', null, r.adapter),
          h('td', { class: 'num' }, String(r.passed)),
          h('td', { class: `num${r.failed ? ' error-text' : ''}` }, String(r.failed)),
          h('td', { class: 'num' }, String(r.skipped)),
          h('td', { class: 'num' }, String(r.notApplicable)),
          h('td', { class: 'mono' }, String(r.seed)),
          h('td', { class: 'mono' }, r.startedAt ?? ''),
          h('td', null, r.durationMs === undefined ? '' : formatDuration(r.durationMs)),
        ),
      ),
    ),
  );
}

function matrix(reports: ConformanceReport[]): HTMLElement {
  const ids: string[] = [];
  const titles = new Map<string, string>();
  const byReport = reports.map((r) => {
    const m = new Map<string, RequirementResult>();
    for (const res of r.results) {
      if (!titles.has(res.id)) {
        ids.push(res.id);
        titles.set(res.id, res.title);
      }
      m.set(res.id, res);
    }
    return m;
  });
  const table = h(
    'table',
    { class: 'matrix', 'data-testid': 'report-matrix' },
    h(
      'thead',
      null,
      h(
        'tr',
        null,
        h('th', { scope: 'col' }, 'Requirement'),
        reports.map((r) => h('th', { scope: 'col', class: 'matrix-col' }, columnLabel(r))),
      ),
    ),
    h(
      'tbody',
      null,
      ids.map((id) => {
        const cells = byReport.map((m) => m.get(id));
        const failed = cells.some((c) => c?.status === 'failed');
        return h(
          'tr',
          { class: failed ? 'has-failure' : null, 'data-testid': 'report-row', 'data-id': id },
          h(
            'th',
            { scope: 'row', class: 'req' },
            h('span', { class: 'mono' }, id),
            h('span', { class: 'req-title' }, titles.get(id) ?? ''),
          ),
          cells.map((c) =>
            c === undefined
              ? h('td', { class: 'cell missing' }, '—')
              : h(
                  'td',
                  {
                    class: `cell cell-${c.status}`,
                    title: `${c.status}${c.message ? `: ${c.message}` : ''} (${formatDuration(c.durationMs)})`,
                    'data-status': c.status,
                  },
                  CELL[c.status] ?? c.status,
                ),
          ),
        );
      }),
    ),
  );
  const only = h('input', { type: 'checkbox', 'data-testid': 'report-failures-only' });
  only.addEventListener('change', () => table.classList.toggle('only-failures', only.checked));
  return h(
    'section',
    null,
    h('h2', null, 'Requirements × adapters'),
    h('label', { class: 'check' }, only, ' only requirements that failed somewhere'),
    h('div', { class: 'table-wrap' }, table),
  );
}

function copyButton(text: string): HTMLButtonElement {
  const b = h('button', { type: 'button', class: 'small' }, 'Copy');
  b.addEventListener('click', () => {
    navigator.clipboard?.writeText(text).then(
      () => {
        b.textContent = 'Copied';
      },
      () => {
        b.textContent = 'Copy failed';
      },
    );
  });
  return b;
}

function failures(reports: ConformanceReport[]): HTMLElement {
  const list = reports.flatMap((r) => r.results.filter((x) => x.status === 'failed').map((x) => ({ r, x })));
  return h(
    'section',
    { class: 'failures', 'data-testid': 'report-failures' },
    h('h2', null, `Failures (${list.length})`),
    list.length === 0
      ? h('p', { class: 'muted' }, 'No failures.')
      : list.map(({ r, x }) => {
          const cmd = replayCommand(x.id, r.seed);
          return h(
            'article',
            { class: 'failure', 'data-testid': 'report-failure', 'data-id': x.id },
            h(
              'h3',
              null,
              h('span', { class: 'mono' }, x.id),
              ' ',
              h('span', { class: 'muted' }, `on ${columnLabel(r)}`),
            ),
            h('p', null, x.title),
            x.message ? h('pre', { class: 'error' }, x.message) : null,
            h(
              'p',
              null,
              'Seed ',
              h('span', { class: 'mono' }, String(r.seed)),
              ` · took ${formatDuration(x.durationMs)}`,
            ),
            h(
              'div',
              { class: 'replay' },
              h('code', { 'data-testid': 'replay-command' }, cmd),
              copyButton(cmd),
            ),
          );
        }),
  );
}

export function reportView(ctx: ViewContext): void {
  const { root, signal } = ctx;
  replace(root, h('p', { class: 'muted' }, 'Loading…'));
  api.report(signal).then(
    (reports) => {
      if (signal.aborted) return;
      replace(
        root,
        h(
          'div',
          { class: 'report-view', 'data-testid': 'report' },
          h('h1', null, 'Conformance report'),
          summary(reports),
          matrix(reports),
          failures(reports),
        ),
      );
    },
    (e) => {
      if (isAbort(e, signal)) return;
      replace(root, h('h1', null, 'Conformance report'), errorBox(e));
    },
  );
}
