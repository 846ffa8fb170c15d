// A third-party adapter, outside the kit's source: it decorates a store with per-operation
// call counts (the kind of wrapper an app adds for metrics) and must still honour the whole
// contract. Verify it with:
//
//   npx agent-storage verify --adapter examples/adapters/counting-adapter.mjs --json report.json
import { createStorage } from 'agent-storage-kit';

/** Wraps every method of `store`, counting calls; everything else passes through. */
export function withCallCounts(store) {
  const counts = new Map();
  return new Proxy(store, {
    get(target, prop, receiver) {
      if (prop === 'callCounts') return counts;
      const value = Reflect.get(target, prop, receiver);
      if (typeof value !== 'function') return value;
      return (...args) => {
        counts.set(prop, (counts.get(prop) ?? 0) + 1);
        return value.apply(target, args);
      };
    },
  });
}

/** The conformance target: a fresh counted in-memory store per requirement. */
export default {
  name: 'counting-memory',
  async create({ clock }) {
    return withCallCounts(await createStorage({ url: 'memory:', clock }));
  },
};
