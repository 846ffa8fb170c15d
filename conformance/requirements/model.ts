import { checkInterleavings } from '../interleavings.js';
import { checkModelBased } from '../properties.js';
import type { ConformanceTarget, Requirement, RequirementContext } from '../types.js';

/**
 * The property opens a fresh store per run from the same target; the suite's own teardown
 * runs once at the end, not after this requirement.
 */
function withoutTeardown(target: ConformanceTarget): ConformanceTarget {
  const { teardown: _suiteOwnsTeardown, ...rest } = target;
  return rest;
}

/**
 * A reported failure replays with `AGENT_STORAGE_SEED` and `AGENT_STORAGE_PATH` (the suite
 * resolves the seed from the environment; the path applies only to that seed).
 */
function replay(ctx: RequirementContext): { path?: string; replayPath?: string } {
  const envSeed = process.env.AGENT_STORAGE_SEED?.trim();
  if (envSeed === undefined || envSeed === '' || Number(envSeed) !== ctx.seed) return {};
  const path = process.env.AGENT_STORAGE_PATH?.trim();
  const replayPath = process.env.AGENT_STORAGE_REPLAY_PATH?.trim();
  return {
    ...(path ? { path } : {}),
    ...(replayPath ? { replayPath } : {}),
  };
}

export const modelRequirements: Requirement[] = [
  {
    id: 'model.sequences',
    title:
      'Random sequences of operations, valid and invalid, give the same results and error codes as the reference model (seeded, shrunk, replayable)',
    async run(ctx) {
      await checkModelBased(withoutTeardown(ctx.target), {
        seed: ctx.seed,
        numRuns: ctx.runs,
        ...replay(ctx),
      });
    },
  },
  {
    id: 'model.interleavings',
    title:
      'Operations run concurrently, on one store or two over the same data, give results that some sequential order of the reference model explains (seeded, scheduled, replayable)',
    async run(ctx) {
      const { path } = replay(ctx);
      await checkInterleavings(withoutTeardown(ctx.target), {
        seed: ctx.seed,
        numRuns: ctx.runs,
        ...(path === undefined ? {} : { path }),
      });
    },
  },
];
