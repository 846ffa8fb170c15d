import { checkModelBased } from '../properties.js';
import type { Requirement } from '../types.js';

export const modelRequirements: Requirement[] = [
  {
    id: 'model.sequences',
    title:
      'Random sequences of operations, valid and invalid, give the same results and error codes as the reference model (seeded, shrunk, replayable)',
    async run(ctx) {
      // The property opens a fresh store per run from the same target; the suite's own
      // teardown runs once at the end, not after this requirement.
      const { teardown: _suiteOwnsTeardown, ...target } = ctx.target;
      await checkModelBased(target, { seed: ctx.seed, numRuns: ctx.runs });
    },
  },
];
