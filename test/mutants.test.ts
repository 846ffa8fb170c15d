import { describe, expect, it } from 'vitest';
import { faultRequirements, requirements } from '../conformance/requirements/index.js';
import { runRequirement } from '../conformance/run.js';
import { catalogue, targetMutants } from './mutants/catalogue.js';
import { allMutants, mutantTarget } from './mutants.js';

// The suite proves its strength: every deliberately broken adapter must fail, on the
// requirements that guard the rule it breaks (test/deep/: on 20 seeds each).
const byId = new Map(requirements.map((r) => [r.id, r]));

describe('the conformance suite catches broken adapters', () => {
  it('every mutant names requirements that exist, and ids are unique', () => {
    expect(new Set(catalogue.map((m) => m.id)).size).toBe(catalogue.length);
    const known = new Set([...byId.keys(), ...faultRequirements.map((r) => r.id)]);
    for (const m of catalogue)
      for (const id of m.caughtBy) expect(known.has(id), `${m.id}: ${id}`).toBe(true);
  });

  it('every requirement, fault tier included, has at least one mutant that shows it can fail', () => {
    const proven = new Set(catalogue.flatMap((m) => m.caughtBy));
    const all = [...requirements, ...faultRequirements].map((r) => r.id);
    expect(all.filter((id) => !proven.has(id))).toEqual([]);
  });

  for (const mutant of targetMutants) {
    it(`catches ${mutant.id}: ${mutant.name}`, async () => {
      for (const id of mutant.caughtBy) {
        const result = await runRequirement(mutant.target(), byId.get(id) as never, { seed: 1 });
        expect(result.status, `requirement ${id} must catch "${mutant.name}"`).toBe('failed');
      }
    });
  }

  for (const mutant of allMutants) {
    it(`catches ${mutant.id}: ${mutant.name}`, async () => {
      const target = mutantTarget(mutant);
      for (const id of mutant.caughtBy) {
        const result = await runRequirement(target, byId.get(id) as never, { seed: 1 });
        expect(result.status, `requirement ${id} must catch "${mutant.name}"`).toBe('failed');
      }
    });
  }
});
