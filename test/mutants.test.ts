import { describe, expect, it } from 'vitest';
import { runConformance } from '../conformance/run.js';
import { mutants, mutantTarget } from './mutants.js';

// The suite proves its strength: every deliberately broken adapter must fail, and on the
// requirements that guard the rule it breaks.
describe('the conformance suite catches broken adapters', () => {
  it('has at least twelve mutants', () => {
    expect(mutants.length).toBeGreaterThanOrEqual(12);
  });

  for (const mutant of mutants) {
    it(`catches: ${mutant.name}`, async () => {
      // Few random runs: each mutant must be caught by its named, deterministic requirement.
      const report = await runConformance(mutantTarget(mutant), { runs: 5 });
      const failed = report.results.filter((r) => r.status === 'failed').map((r) => r.id);
      for (const id of mutant.caughtBy)
        expect(failed, `requirement ${id} must catch "${mutant.name}"`).toContain(id);
    });
  }
});
