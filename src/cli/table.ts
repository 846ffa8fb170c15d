import type { ConformanceReport } from '../../conformance/types.js';

// A skip is never by name: it means the adapter does not declare the capability (or hook) the requirement needs.
const MARK = { passed: 'pass', failed: 'FAIL', skipped: 'skip', 'not-applicable': 'n/a' } as const;

/** The requirement x adapter table, then one line per failure with its message. */
export function formatTable(reports: readonly ConformanceReport[]): string {
  const ids = [...new Set(reports.flatMap((r) => r.results.map((x) => x.id)))];
  const width = Math.max('requirement'.length, ...ids.map((id) => id.length));
  const cols = reports.map((r) => Math.max(r.target.length, 4));
  const row = (first: string, cells: string[]) =>
    [first.padEnd(width), ...cells.map((c, i) => c.padEnd(cols[i] as number))].join('  ').trimEnd();
  const lines = [
    row(
      'requirement',
      reports.map((r) => r.target),
    ),
    row(
      '-'.repeat(width),
      cols.map((w) => '-'.repeat(w)),
    ),
  ];
  for (const id of ids) {
    lines.push(
      row(
        id,
        reports.map((r) => {
          const result = r.results.find((x) => x.id === id);
          return result ? MARK[result.status] : '';
        }),
      ),
    );
  }
  const failures = reports.flatMap((r) =>
    r.results.filter((x) => x.status === 'failed').map((x) => `  ${r.target} ${x.id}: ${x.message}`),
  );
  // Requirements that count what they did (the fault tier): the counts, so "0 lost" is visible, not implied.
  const counted = reports.flatMap((r) =>
    r.results
      .filter((x) => x.details !== undefined)
      .map(
        (x) =>
          `  ${r.target} ${x.id}: ${Object.entries(x.details ?? {})
            .map(([k, v]) => `${k} ${v}`)
            .join(', ')}`,
      ),
  );
  if (counted.length > 0) lines.push('', 'Counts:', ...counted);
  if (failures.length > 0) lines.push('', 'Failures:', ...failures);
  return lines.join('\n');
}
