import { afterAll, describe, expect, it } from 'vitest';
import { postgresUrl } from '../helpers/postgres.js';
import { faultBases, faultMutants, mutated } from '../mutants/faults.js';
import { missedSeeds } from './seeds.js';

// The fault mutants: each caught on 20 of 20 seeds (./seeds.ts). In CI postgresUrl() throws
// when no server answers, so the Postgres mutants cannot be left out there.
const pgUrl = await postgresUrl();
const { bases, teardown } = faultBases(pgUrl);
afterAll(teardown);

// All at once: their time goes to writer processes and to waiting (a held lock, a writer's
// timed run), so one after another they took ~230 s on 2 cores, mostly idle. Each run has
// stores of its own; the load they put on each other is load the fault tier must withstand.
// (Safe here, not in a target's own suite: the one mutant that drops connections is the
// only one on Postgres, and the others' hooks touch only their own store's files.)
describe.concurrent('every fault mutant is caught on 20 of 20 seeds', { timeout: 0 }, () => {
  for (const mutant of faultMutants) {
    it(`${mutant.id}`, async () => {
      const base = bases[mutant.base];
      if (base === undefined)
        throw new Error(`no ${mutant.base} target: the fault mutant ${mutant.id} cannot run`);
      expect(
        await missedSeeds(() => mutated(base, mutant), mutant.caughtBy, mutant.crashTrials ?? 1),
      ).toEqual([]);
    });
  }
});
