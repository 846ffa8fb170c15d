// Rewrites the requirement table of docs/contract.md from the suite's registry and the
// project's mutants: `npm run docs:requirements`. test/docs.test.ts fails when they differ.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { faultRequirements, requirements } from '../conformance/requirements/index.js';
import { catalogue } from '../test/mutants/catalogue.js';

const file = join(import.meta.dirname, '..', 'docs', 'contract.md');
const doc = readFileSync(file, 'utf8');
const head = '| Id | Rule | Mutants that fail it |\n|---|---|---|\n';
const start = doc.search(/\| Id \| Rule \|[^\n]*\n\|---\|---\|[^\n]*\n/);
const end = doc.indexOf('\n\n', start);
if (start < 0 || end < 0) throw new Error('docs/contract.md has no requirement table');
// The fault tier is listed too: it runs with `faults: true` / `verify --faults`.
const rows = [...requirements, ...faultRequirements].map((r) => {
  const mutants = catalogue.filter((m) => m.caughtBy.includes(r.id)).map((m) => `\`${m.id}\``);
  return `| \`${r.id}\` | ${r.title}${r.needs ? ` *(needs: ${r.needs.join(', ')})*` : ''} | ${mutants.join(' ')} |`;
});
writeFileSync(file, `${doc.slice(0, start)}${head}${rows.join('\n')}${doc.slice(end)}`);
