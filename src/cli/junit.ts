import type { ConformanceReport } from '../../conformance/types.js';

const ENTITIES: Record<string, string> = {
  '<': '&lt;',
  '>': '&gt;',
  '&': '&amp;',
  '"': '&quot;',
  "'": '&apos;',
};

/** Escapes text for XML (and HTML); control characters XML 1.0 cannot carry become U+FFFD. */
export function xml(text: string): string {
  let out = '';
  for (const c of text) {
    const code = c.codePointAt(0) as number;
    if (ENTITIES[c] !== undefined) out += ENTITIES[c];
    else if (
      (code < 0x20 && code !== 0x09 && code !== 0x0a && code !== 0x0d) ||
      code === 0xfffe ||
      code === 0xffff ||
      (code >= 0xd800 && code <= 0xdfff)
    )
      out += '\uFFFD';
    else out += c;
  }
  return out;
}

/** The reports as JUnit XML: one testsuite per adapter, one testcase per requirement. */
export function toJUnit(reports: readonly ConformanceReport[]): string {
  const suites = reports.map((r) => {
    const cases = r.results.map((x) => {
      const open = `    <testcase classname="${xml(`agent-storage.${r.target}`)}" name="${xml(`${x.id}: ${x.title}`)}" time="${(x.durationMs / 1000).toFixed(3)}"`;
      const counts =
        x.details === undefined
          ? ''
          : `\n      <properties>${Object.entries(x.details)
              .map(([k, v]) => `<property name="${xml(k)}" value="${v}"/>`)
              .join('')}</properties>`;
      if (x.status === 'passed') return counts === '' ? `${open}/>` : `${open}>${counts}\n    </testcase>`;
      if (x.status === 'failed') {
        return `${open}>${counts}\n      <failure message="${xml((x.message ?? '').slice(0, 500))}">${xml(x.message ?? '')}</failure>\n    </testcase>`;
      }
      return `${open}>\n      <skipped message="${xml(`${x.status}: ${x.message ?? ''}`)}"/>\n    </testcase>`;
    });
    return [
      `  <testsuite name="${xml(r.target)}" tests="${r.results.length}" failures="${r.failed}" errors="0" skipped="${r.skipped + r.notApplicable}" time="${(r.durationMs / 1000).toFixed(3)}" timestamp="${r.startedAt}">`,
      ...cases,
      '  </testsuite>',
    ].join('\n');
  });
  return `<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="agent-storage conformance">\n${suites.join('\n')}\n</testsuites>\n`;
}
