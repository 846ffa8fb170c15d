import type { Requirement } from '../types.js';
import { batchRequirements } from './batch.js';
import { capabilityRequirements } from './capabilities.js';
import { clockRequirements } from './clock.js';
import { closeRequirements } from './close.js';
import { concurrencyRequirements } from './concurrency.js';
import { copyRequirements } from './copies.js';
import { corruptRequirements } from './corrupt.js';
import { deleteRequirements } from './delete.js';
import { errorRequirements } from './errors.js';
import { faultRequirements } from './faults.js';
import { idempotencyRequirements } from './idempotency.js';
import { inputRequirements } from './input.js';
import { jsonRequirements } from './json.js';
import { keyRequirements } from './keys.js';
import { limitRequirements } from './limits.js';
import { listRequirements } from './list.js';
import { messageRequirements } from './message.js';
import { modelRequirements } from './model.js';
import { pageRequirements } from './page.js';
import { persistRequirements } from './persist.js';
import { questionRequirements } from './questions.js';
import { sessionRequirements } from './session.js';
import { settingRequirements } from './settings.js';
import { textRequirements } from './text.js';
import { toolCallRequirements } from './toolcall.js';
import { updateRequirements } from './update.js';

/** `from` without the requirement `id`, and that requirement: for one the report runs apart from its prefix. */
function apart(from: readonly Requirement[], id: string): [Requirement[], Requirement] {
  const one = from.find((r) => r.id === id);
  if (!one) throw new Error(`no requirement ${id}`);
  return [from.filter((r) => r !== one), one];
}

// Two requirements run apart from their prefix, where the report has always had them: the
// concurrent batch after `concurrency.one-store`, the exact list filter with the `keys.*` cases.
const [idempotency, concurrentBatch] = apart(idempotencyRequirements, 'idempotency.concurrent-batch');
const [list, listFilterExact] = apart(listRequirements, 'list.filter-exact');

/** Every requirement of the contract, in report order. Ids are stable across releases. */
export const requirements: readonly Requirement[] = [
  ...sessionRequirements,
  ...messageRequirements,
  ...toolCallRequirements,
  ...jsonRequirements,
  ...textRequirements,
  ...inputRequirements,
  ...copyRequirements,
  ...clockRequirements,
  ...closeRequirements,
  ...errorRequirements,
  ...corruptRequirements,
  ...persistRequirements,
  ...capabilityRequirements,
  ...list,
  ...deleteRequirements,
  ...pageRequirements,
  ...batchRequirements,
  ...idempotency,
  ...updateRequirements,
  ...questionRequirements,
  ...settingRequirements,
  ...concurrencyRequirements,
  concurrentBatch,
  ...keyRequirements,
  listFilterExact,
  ...limitRequirements,
  // Random runs last: every fixed case has run before the first random one.
  ...modelRequirements,
];

/**
 * The fault tier (`faults.*`): writers in child processes, killed, starved of disk, locked
 * out and cut off. Run only when asked (`faults: true`, `agent-storage verify --faults`).
 */
export { faultRequirements };
