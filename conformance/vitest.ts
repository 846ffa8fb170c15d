import { afterAll, describe, it } from 'vitest';
import { needsFastCheck } from './peer-dependency.js';
import type { RunOptions } from './run.js';
import type { ConformanceTarget, Requirement } from './types.js';

// Loaded on demand, so that a missing fast-check gets an install hint (./peer-dependency.ts).
const {
  requirements: allRequirements,
  faultRequirements,
  resolveCrashTrials,
  runRequirement,
} = await import('./run.js')
  .then(async (run) => ({ ...run, ...(await import('./requirements/index.js')) }))
  .catch(needsFastCheck);

/**
 * Declares one Vitest test per requirement for `target`. Call it at the top level of a
 * test file:
 *
 * ```ts
 * describeConformance({ name: 'my-adapter', create: async ({ clock }) => openMyStore({ clock }) });
 * ```
 *
 * A requirement whose capability the adapter does not declare passes as not applicable
 * (what it checked is the declaration); one that needs a hook the target lacks is skipped.
 */
export function describeConformance(
  target: ConformanceTarget,
  options: Pick<RunOptions, 'faults'> & { requirements?: readonly Requirement[] } = {},
): void {
  const crashTrials = resolveCrashTrials(options.faults);
  const selected = options.requirements ?? [
    ...allRequirements,
    ...(crashTrials > 0 ? faultRequirements : []),
  ];
  describe(`AgentStorage conformance: ${target.name}`, () => {
    afterAll(async () => {
      await target.teardown?.();
    });
    for (const requirement of selected) {
      // The fault tier spawns processes and waits for them: no time limit a busy machine could break.
      const limit = requirement.id.startsWith('faults.') ? { timeout: 0 } : {};
      it(`${requirement.id}: ${requirement.title}`, limit, async (t) => {
        const result = await runRequirement(target, requirement, { crashTrials });
        if (result.status === 'skipped') t.skip(result.message);
        if (result.status === 'failed') throw new Error(`${requirement.id} failed: ${result.message}`);
      });
    }
  });
}
