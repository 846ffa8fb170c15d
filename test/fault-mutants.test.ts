import { afterAll, describe, it } from 'vitest';
import { faultRequirements } from '../conformance/requirements/index.js';
import { runRequirement } from '../conformance/run.js';
import { postgresUrl } from './helpers/postgres.js';
import { faultBases, faultMutants, mutated } from './mutants/faults.js';

// The fault tier proves its strength like the rest of the suite: adapters that break
// "acknowledged means stored" in the ways seen in the wild must fail the requirement that
// guards it. Each mutant is a module a writer process opens (test/helpers/fault-mutants.ts).

const requirement = (id: string) => {
  const found = faultRequirements.find((r) => r.id === id);
  if (!found) throw new Error(`no requirement ${id}`);
  return found;
};

const pgUrl = await postgresUrl();
const { bases, teardown } = faultBases(pgUrl);
afterAll(teardown);

// No per-test time limit: these spawn processes, and a busy machine must not fail them. All
// at once: most of their time is spent waiting for writer processes. (Safe here, not in a
// target's own suite: the one mutant that drops connections is the only one on Postgres,
// and the others' hooks touch only their own store's files.)
describe('the fault tier catches broken adapters', { timeout: 0, concurrent: true }, () => {
  for (const mutant of faultMutants) {
    it(`${mutant.caughtBy.join(', ')} catches ${mutant.id}: ${mutant.name}`, async (t) => {
      const { expect } = t;
      const base = bases[mutant.base];
      if (!base) return t.skip(`NO POSTGRES SERVER ANSWERED: ${mutant.id} not run`);
      for (const id of mutant.caughtBy) {
        const result = await runRequirement(mutated(base, mutant), requirement(id), {
          crashTrials: mutant.crashTrials ?? 1,
          seed: 1,
        });
        expect(result.status, result.message).toBe('failed');
        expect((result.details?.lost ?? 0) + (result.details?.uncaught ?? 0), result.message).toBeGreaterThan(
          0,
        );
      }
    });
  }
});
