import { describe, expect, it } from 'vitest';
import { targetMutants } from '../mutants/catalogue.js';
import { allMutants, mutantTarget } from '../mutants.js';
import { missedSeeds } from './seeds.js';

// The store and target mutants: each caught on 20 of 20 seeds (./seeds.ts). They run in this
// process and keep its event loop busy (better-sqlite3 is synchronous), so the fault mutants,
// whose checks read writer processes' output as it comes, run in a file of their own.
describe('every mutant is caught on 20 of 20 seeds at the default run count', { timeout: 0 }, () => {
  for (const mutant of allMutants) {
    it(`${mutant.id}`, async () => {
      expect(await missedSeeds(() => mutantTarget(mutant), mutant.caughtBy)).toEqual([]);
    });
  }
  for (const mutant of targetMutants) {
    it(`${mutant.id}`, async () => {
      expect(await missedSeeds(() => mutant.target(), mutant.caughtBy)).toEqual([]);
    });
  }
});
