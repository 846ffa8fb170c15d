import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { faultRequirements, requirements } from '../conformance/requirements/index.js';
import { SUITE_VERSION } from '../conformance/run.js';

const root = join(import.meta.dirname, '..');

describe('docs stay in step with the code', () => {
  it('docs/contract.md lists every requirement id with its rule, and no other', () => {
    const doc = readFileSync(join(root, 'docs/contract.md'), 'utf8');
    const listed = [
      ...doc.matchAll(/^\| `([a-z-]+\.[a-z-]+)` \| (.+?)(?: \*\(needs: [A-Za-z., ]+\)\*)? \|$/gm),
    ].map((m) => [m[1], m[2]]);
    expect(listed).toEqual([...requirements, ...faultRequirements].map((r) => [r.id, r.title]));
  });

  it('the suite version is the package version', () => {
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string };
    expect(SUITE_VERSION).toBe(pkg.version);
  });
});
