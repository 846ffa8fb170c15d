import { memoryTarget } from '../../conformance/targets.js';
import type { ConformanceTarget } from '../../conformance/types.js';
import type { AgentStorage } from '../../src/contract/storage.js';

/** A target of memory stores (or of `base`'s) with some methods replaced; the rest are the store's own. */
export function broken(
  name: string,
  patch: (inner: AgentStorage) => Partial<AgentStorage>,
  base: ConformanceTarget = memoryTarget(),
): ConformanceTarget {
  return {
    name,
    async create(options) {
      const inner = await base.create(options);
      const replaced = patch(inner);
      return new Proxy(inner, {
        get(target, key) {
          if (key in replaced) return replaced[key as keyof AgentStorage];
          const value = Reflect.get(target, key, target);
          return typeof value === 'function' ? value.bind(target) : value;
        },
      });
    },
  };
}
