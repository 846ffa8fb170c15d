// Measures the figures docs/conformance.md reports and rewrites its figures block:
// `npm run docs:conformance` (about six minutes: it runs the sensitivity check on 20 seeds,
// the default suite on every built-in adapter, and the fault tier on the file adapters).
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runConformance } from '../conformance/run.js';
import {
  libsqlTarget,
  memoryTarget,
  pgliteTarget,
  postgresTarget,
  sqliteTarget,
} from '../conformance/targets.js';
import type { ConformanceTarget } from '../conformance/types.js';
import { postgresUrl } from '../test/helpers/postgres.js';
import { catalogue } from '../test/mutants/catalogue.js';

const root = join(import.meta.dirname, '..');
const file = join(root, 'docs', 'conformance.md');
const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: root, encoding: 'utf8' }).trim();
const dirty = execFileSync('git', ['status', '--porcelain', '--', 'src', 'conformance', 'test'], {
  cwd: root,
  encoding: 'utf8',
}).trim();

// 1. The sensitivity check: every mutant on 20 seeds at the default run count.
const out = mkdtempSync(join(tmpdir(), 'agent-storage-figures-'));
const report = join(out, 'sensitivity.json');
const started = performance.now();
spawnSync('npx', ['vitest', 'run', 'test/deep', '--reporter=json', `--outputFile=${report}`], {
  cwd: root,
  env: { ...process.env, AGENT_STORAGE_DEEP: '1' },
  stdio: 'inherit',
});
const sensitivitySeconds = (performance.now() - started) / 1000;
const results = JSON.parse(readFileSync(report, 'utf8')) as {
  testResults: { assertionResults: { title: string; status: string; duration: number }[] }[];
};
rmSync(out, { recursive: true, force: true });
const assertions = results.testResults.flatMap((r) => r.assertionResults);
const caught = assertions.filter((a) => a.status === 'passed').map((a) => a.title);
const missed = catalogue.filter((m) => !caught.includes(m.id)).map((m) => m.id);

// 2. What the default suite costs per adapter, and 3. the fault tier on the file adapters.
const pgUrl = await postgresUrl();
const targets: [string, () => ConformanceTarget][] = [
  ['memory', memoryTarget],
  ['sqlite', sqliteTarget],
  ['libsql', libsqlTarget],
  ['pglite', pgliteTarget],
  ...(pgUrl ? [['postgres', () => postgresTarget(pgUrl)] as [string, () => ConformanceTarget]] : []),
];
const rows: string[] = [];
for (const [name, make] of targets) {
  const r = await runConformance(make(), {});
  const model = r.results.filter((x) => x.id.startsWith('model.')).reduce((ms, x) => ms + x.durationMs, 0);
  rows.push(
    `| ${name} | ${r.results.length} | ${r.failed} | ${(r.durationMs / 1000).toFixed(1)} s | ${((r.durationMs - model) / 1000).toFixed(1)} s | ${(model / 1000).toFixed(1)} s |`,
  );
}
const faultRows: string[] = [];
for (const [name, make] of targets) {
  const target = make();
  if (target.faults === undefined) continue; // no fault hooks (memory): the tier does not apply
  const r = await runConformance(target, { faults: true, grep: 'faults.' });
  const lost = r.results.reduce((n, x) => n + (x.details?.lost ?? 0), 0);
  faultRows.push(
    `| ${name} | ${(r.durationMs / 1000).toFixed(1)} s | ${r.passed} passed, ${r.failed} failed, ${r.notApplicable} n/a | ${lost} |`,
  );
}

const byKind = (kind: string) => catalogue.filter((m) => m.kind === kind).length;
const figures = `<!-- figures:start (npm run docs:conformance rewrites this block) -->
Measured at commit \`${commit}\`${dirty ? ' (with uncommitted changes to src/conformance/test)' : ''} on ${new Date().toISOString().slice(0, 10)}, on this project's 2-core machine.

**Sensitivity: ${catalogue.length - missed.length} of ${catalogue.length} mutants caught on 20 of 20 seeds at the default run count (${(
  (100 * (catalogue.length - missed.length)) / catalogue.length
).toFixed(
  0,
)}%).** ${byKind('store')} break a store, ${byKind('target')} a target, ${byKind('fault')} the fault tier's promise${
  missed.length > 0 ? `; missed: ${missed.map((m) => `\`${m}\``).join(', ')}` : ''
}. The check (\`npm run test:sensitivity\`) took ${sensitivitySeconds.toFixed(0)} s.

The default suite, one run per adapter (\`runConformance(target)\`, no \`runs\` given):

| adapter | requirements | failed | whole suite | fixed cases | random runs (model.*) |
|---|---:|---:|---:|---:|---:|
${rows.join('\n')}

The fault tier (\`faults: true\`: 30 crash trials, a file-size limit, four writers, a held lock, dropped connections):

| adapter | time | result | acknowledged writes lost |
|---|---:|---|---:|
${faultRows.join('\n')}
<!-- figures:end -->`;

const doc = readFileSync(file, 'utf8');
const from = doc.indexOf('<!-- figures:start');
const to = doc.indexOf('<!-- figures:end -->');
if (from < 0 || to < 0) throw new Error('docs/conformance.md has no figures block');
writeFileSync(file, `${doc.slice(0, from)}${figures}${doc.slice(to + '<!-- figures:end -->'.length)}`);
console.log(figures);
