export { ConformanceFailure } from './expect.js';
export { checkInterleavings, type InterleavingOptions } from './interleavings.js';
export { checkModelBased, type ModelBasedOptions } from './properties.js';
export { modelTarget, ReferenceModel } from './reference-model.js';
export { requirements } from './requirements/index.js';
export { type RunOptions, runConformance, runRequirement, SUITE_VERSION } from './run.js';
export type {
  ConformanceReport,
  ConformanceTarget,
  InspectableTable,
  Need,
  Requirement,
  RequirementContext,
  RequirementResult,
  TestClock,
} from './types.js';
