import type { ConformanceReport } from '../../conformance/types.js';
import { xml as escapeText } from './junit.js';

const MARK = { passed: 'pass', failed: 'FAIL', skipped: 'skip', 'not-applicable': 'n/a' } as const;

const STYLE = `body{font:14px/1.45 system-ui,sans-serif;margin:24px;color:#1d2433}
table{border-collapse:collapse}th,td{border:1px solid #d5d9e0;padding:3px 8px;text-align:left}
td.passed{color:#17693a}td.failed{color:#fff;background:#b42318;font-weight:600}td.skipped,td.not-applicable{color:#6b7280}
code,pre{font:12px/1.4 ui-monospace,monospace}pre{white-space:pre-wrap;background:#f5f6f8;padding:8px}`;

/**
 * The reports as one self-contained HTML page (a CI artifact): the requirement x adapter
 * matrix, then each failure with its message, seed and the command that replays it. No
 * script, no external resource; every reported string escaped.
 */
export function toHtml(reports: readonly ConformanceReport[], generatedAt = new Date()): string {
  const ids = [...new Set(reports.flatMap((r) => r.results.map((x) => x.id)))];
  const head = reports.map((r) => `<th>${escapeText(r.target)}</th>`).join('');
  const rows = ids.map((id) => {
    const cells = reports.map((r) => {
      const result = r.results.find((x) => x.id === id);
      return result ? `<td class="${result.status}">${MARK[result.status]}</td>` : '<td></td>';
    });
    return `<tr><th scope="row"><code>${escapeText(id)}</code></th>${cells.join('')}</tr>`;
  });
  const failures = reports.flatMap((r) =>
    r.results
      .filter((x) => x.status === 'failed')
      .map(
        (x) => `<h3><code>${escapeText(x.id)}</code> on ${escapeText(r.target)}</h3>
<pre>${escapeText(x.message ?? '')}</pre>
<p>Replay: <code>agent-storage verify --grep ${escapeText(x.id)} --seed ${r.seed}</code></p>`,
      ),
  );
  const total = (key: 'passed' | 'failed' | 'skipped' | 'notApplicable') =>
    reports.reduce((n, r) => n + r[key], 0);
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<title>agent-storage conformance report</title><style>${STYLE}</style></head>
<body><h1>Conformance report</h1>
<p>${total('passed')} passed, ${total('failed')} failed, ${total('skipped')} skipped, ${total('notApplicable')} not applicable · seed ${reports
    .map((r) => r.seed)
    .filter((s, i, a) => a.indexOf(s) === i)
    .join(', ')} · ${escapeText(generatedAt.toISOString())}</p>
<table><thead><tr><th>requirement</th>${head}</tr></thead><tbody>
${rows.join('\n')}
</tbody></table>
${failures.length > 0 ? `<h2>Failures</h2>\n${failures.join('\n')}` : '<p>No failures.</p>'}
</body></html>
`;
}
