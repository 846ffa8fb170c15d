import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { faultRequirements, requirements } from '../conformance/requirements/index.js';
import { SUITE_VERSION } from '../conformance/run.js';
import { catalogue } from './mutants/catalogue.js';

const root = join(import.meta.dirname, '..');

describe('docs stay in step with the code', () => {
  it('docs/contract.md lists every requirement id with its rule, and no other', () => {
    const doc = readFileSync(join(root, 'docs/contract.md'), 'utf8');
    const listed = [
      ...doc.matchAll(/^\| `([a-z-]+\.[a-z-]+)` \| (.+?)(?: \*\(needs: [A-Za-z., ]+\)\*)? \| (.*) \|$/gm),
    ].map((m) => [m[1], m[2], m[3]]);
    expect(listed).toEqual(
      [...requirements, ...faultRequirements].map((r) => [
        r.id,
        r.title,
        catalogue
          .filter((m) => m.caughtBy.includes(r.id))
          .map((m) => `\`${m.id}\``)
          .join(' '),
      ]),
    );
  });

  it('docs/conformance.md reports the sensitivity of the mutants there are now', () => {
    const doc = readFileSync(join(root, 'docs/conformance.md'), 'utf8');
    const figure = /\*\*Sensitivity: (\d+) of (\d+) mutants caught on 20 of 20 seeds/.exec(doc);
    expect(figure, 'the figures block (npm run docs:conformance)').not.toBeNull();
    expect(Number(figure?.[2])).toBe(catalogue.length);
    // Every one caught (test:sensitivity holds the suite to it): a figure below that was
    // written by a run that found a gap, and must not be published as the suite's.
    expect(Number(figure?.[1])).toBe(catalogue.length);
    // From a run at a commit, and the suite and its mutants unchanged since: what the figures measure.
    const stamp = /Measured at commit `([0-9a-f]+)`( \(with uncommitted changes)?/.exec(doc);
    expect(stamp?.[2], 'figures from a tree with uncommitted changes').toBeUndefined();
    const changed = execFileSync(
      'git',
      [
        'diff',
        '--name-only',
        stamp?.[1] as string,
        'HEAD',
        '--',
        'conformance',
        'test/mutants',
        'test/mutants.ts',
        'test/deep',
      ],
      { cwd: root, encoding: 'utf8' },
    );
    expect(changed, `changed since the figures' commit: run npm run docs:conformance`).toBe('');
  });

  it('the suite version is the package version', () => {
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string };
    expect(SUITE_VERSION).toBe(pkg.version);
  });
});
