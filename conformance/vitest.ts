import { afterAll, describe, it } from 'vitest';
import { requirements as allRequirements } from './requirements/index.js';
import { runRequirement } from './run.js';
import type { ConformanceTarget, Requirement } from './types.js';

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
  options: { requirements?: readonly Requirement[] } = {},
): void {
  describe(`AgentStorage conformance: ${target.name}`, () => {
    afterAll(async () => {
      await target.teardown?.();
    });
    for (const requirement of options.requirements ?? allRequirements) {
      it(`${requirement.id}: ${requirement.title}`, async (t) => {
        const result = await runRequirement(target, requirement);
        if (result.status === 'skipped') t.skip(result.message);
        if (result.status === 'failed') throw new Error(`${requirement.id} failed: ${result.message}`);
      });
    }
  });
}
