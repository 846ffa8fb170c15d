import { needsFastCheck } from './peer-dependency.js';

/**
 * `agent-storage-kit/conformance`: the suite (see docs/conformance.md). Loaded on demand so
 * that a missing fast-check is reported with an install hint (./peer-dependency.ts).
 */
const suite = await import('./suite.js').catch(needsFastCheck);

export const {
  ConformanceFailure,
  checkInterleavings,
  checkModelBased,
  modelTarget,
  ReferenceModel,
  requirements,
  runConformance,
  runRequirement,
  SUITE_VERSION,
} = suite;
export type ConformanceFailure = InstanceType<typeof suite.ConformanceFailure>;
export type ReferenceModel = InstanceType<typeof suite.ReferenceModel>;
export type {
  ConformanceReport,
  ConformanceTarget,
  InspectableTable,
  InterleavingOptions,
  ModelBasedOptions,
  Need,
  Requirement,
  RequirementContext,
  RequirementResult,
  RunOptions,
  TestClock,
} from './suite.js';
