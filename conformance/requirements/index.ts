import type { Requirement } from '../types.js';
import { extensionRequirements } from './extensions.js';
import { faultRequirements } from './faults.js';
import { keyRequirements } from './keys.js';
import { lifecycleRequirements } from './lifecycle.js';
import { limitRequirements } from './limits.js';
import { messageRequirements } from './messages.js';
import { modelRequirements } from './model.js';
import { sessionRequirements } from './sessions.js';
import { toolCallRequirements } from './tool-calls.js';
import { valueRequirements } from './values.js';

/** Every requirement of the contract, in report order. Ids are stable across releases. */
export const requirements: readonly Requirement[] = [
  ...sessionRequirements,
  ...messageRequirements,
  ...toolCallRequirements,
  ...valueRequirements,
  ...lifecycleRequirements,
  ...extensionRequirements,
  ...keyRequirements,
  ...limitRequirements,
  // Random runs last: every fixed case has run before the first random one.
  ...modelRequirements,
];

/**
 * The fault tier (`faults.*`): writers in child processes, killed, starved of disk, locked
 * out and cut off. Run only when asked (`faults: true`, `agent-storage verify --faults`).
 */
export { faultRequirements };
