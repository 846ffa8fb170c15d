import { memoryTarget } from '../../conformance/targets.js';
import type { ConformanceTarget } from '../../conformance/types.js';
import type { AgentStorage } from '../../src/contract/storage.js';
import { allMutants } from '../mutants.js';
import { faultMutants } from './faults.js';

/**
 * Every mutant of the project, by kind: what the sensitivity figure counts
 * (docs/conformance.md) and what the requirement table lists per requirement.
 */

/** A broken target rather than a broken store: what only the target's hooks can show. */
export interface TargetMutant {
  id: string;
  name: string;
  caughtBy: string[];
  target(): ConformanceTarget;
}

const persistent = (store: AgentStorage): AgentStorage =>
  new Proxy(store, {
    get(t, key) {
      if (key === 'capabilities') return Object.freeze({ ...t.capabilities, persistent: true });
      const value = Reflect.get(t, key, t);
      return typeof value === 'function' ? value.bind(t) : value;
    },
  });

export const targetMutants: TargetMutant[] = [
  {
    id: 'persistence-lost-on-close',
    name: 'declares persistent, but a reopened store starts empty (data kept in the closed object)',
    caughtBy: ['persist.reopen'],
    target: () => {
      const base = memoryTarget();
      return {
        name: 'mutant: persistence lost on close',
        create: async (options) => persistent(await base.create(options)),
        reopen: async (_store, options) => persistent(await base.create(options)),
      };
    },
  },
];

export interface CatalogueEntry {
  id: string;
  name: string;
  caughtBy: readonly string[];
  kind: 'store' | 'target' | 'fault';
}

export const catalogue: readonly CatalogueEntry[] = [
  ...allMutants.map((m) => ({ id: m.id, name: m.name, caughtBy: m.caughtBy, kind: 'store' as const })),
  ...targetMutants.map((m) => ({ id: m.id, name: m.name, caughtBy: m.caughtBy, kind: 'target' as const })),
  ...faultMutants.map((m) => ({ id: m.id, name: m.name, caughtBy: m.caughtBy, kind: 'fault' as const })),
];
