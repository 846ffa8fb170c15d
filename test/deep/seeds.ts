import { faultRequirements, requirements } from '../../conformance/requirements/index.js';
import { runRequirement } from '../../conformance/run.js';
import type { ConformanceTarget, Requirement } from '../../conformance/types.js';

/**
 * The sensitivity figure (docs/conformance.md): every mutant of the project is caught on
 * every one of these 20 seeds at the default run count, by the requirements it names.
 * `npm run test:sensitivity` runs the store mutants (sensitivity.test.ts) and the fault
 * mutants (fault-sensitivity.test.ts) side by side; `npm test` checks one seed.
 */
export const SEEDS = Array.from({ length: 20 }, (_, i) => 1 + i * 7919);

const byId = new Map([...requirements, ...faultRequirements].map((r) => [r.id, r]));

/** The runs, among SEEDS × `ids`, in which `target` was not caught: `[]` when it always was. */
export async function missedSeeds(
  target: () => ConformanceTarget,
  ids: readonly string[],
  crashTrials = 1,
): Promise<string[]> {
  const missed: string[] = [];
  for (const seed of SEEDS) {
    for (const id of ids) {
      const result = await runRequirement(target(), byId.get(id) as Requirement, { seed, crashTrials });
      if (result.status !== 'failed') missed.push(`${id} ${result.status} on seed ${seed}`);
    }
  }
  return missed;
}
