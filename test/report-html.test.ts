import { describe, expect, it } from 'vitest';
import type { ConformanceReport } from '../conformance/types.js';
import { toHtml } from '../src/cli/report-html.js';

// `verify --html`: a self-contained page for CI artifacts, with every reported string escaped.
const report = {
  suiteVersion: '0.1.0',
  target: 'my<adapter>',
  seed: 42,
  adapter: 'x',
  capabilities: {},
  startedAt: '2026-11-29T00:00:00.000Z',
  durationMs: 5,
  passed: 1,
  failed: 1,
  skipped: 0,
  notApplicable: 0,
  results: [
    { id: 'session.get-unknown', title: 't', status: 'passed', durationMs: 1 },
    {
      id: 'text.round-trip',
      title: 't',
      status: 'failed',
      durationMs: 1,
      message: 'stored </pre><script>alert(1)</script><img src=x onerror=alert(2)>',
    },
  ],
} as unknown as ConformanceReport;

describe('verify --html', () => {
  it('writes the matrix and each failure with its seed and replay command, all escaped, with no script', () => {
    const html = toHtml([report], new Date('2026-11-29T00:00:00Z'));
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).toContain('<td class="failed">FAIL</td>');
    expect(html).toContain('agent-storage verify --grep text.round-trip --seed 42');
    expect(html).toContain(
      '&lt;/pre&gt;&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x onerror=alert(2)&gt;',
    );
    expect(html).toContain('my&lt;adapter&gt;');
    expect(html).not.toMatch(/<script|onerror=alert\(2\)>/);
    expect(html).toContain("default-src 'none'");
  });
});
