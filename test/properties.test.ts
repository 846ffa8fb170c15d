import { describe, expect, it } from 'vitest';
import { checkModelBased } from '../conformance/properties.js';
import { memoryTarget } from '../conformance/targets.js';
import type { ConformanceTarget } from '../conformance/types.js';
import { AgentStorageError } from '../src/contract/errors.js';
import type { AgentStorage } from '../src/contract/storage.js';
import type { JsonValue } from '../src/contract/types.js';

/**
 * The model-based property itself runs on every adapter as requirement `model.sequences`
 * of the conformance suite (test/<adapter>.test.ts). Here: that it catches broken adapters,
 * and that a reported failure replays. AGENT_STORAGE_RUNS changes the number of runs,
 * AGENT_STORAGE_SEED (with AGENT_STORAGE_PATH and AGENT_STORAGE_REPLAY_PATH) replays a
 * reported failure.
 */

/** A memory store with some methods replaced; the rest are the store's own. */
function broken(name: string, patch: (inner: AgentStorage) => Partial<AgentStorage>): ConformanceTarget {
  const base = memoryTarget();
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

function sortKeys(v: JsonValue): JsonValue {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v === null || typeof v !== 'object') return v;
  return Object.fromEntries(
    Object.keys(v)
      .sort()
      .map((k) => [k, sortKeys(v[k] as JsonValue)]),
  );
}

const isNotFound = (e: unknown) => e instanceof AgentStorageError && e.code === 'NOT_FOUND';

const MUTANTS: [string, (inner: AgentStorage) => Partial<AgentStorage>][] = [
  [
    'pending includes executing',
    (inner) => ({
      async getPendingToolCalls(sessionId) {
        return (await inner.getToolCalls(sessionId)).filter(
          (c) => c.status === 'pending' || c.status === 'executing',
        );
      },
    }),
  ],
  [
    'tool call ties in reverse insertion order',
    (inner) => ({
      async getToolCalls(sessionId) {
        return (await inner.getToolCalls(sessionId)).reverse().toSorted((a, b) => a.createdAt - b.createdAt);
      },
    }),
  ],
  [
    'update of an unknown tool call is a silent no-op',
    (inner) => ({
      async updateToolCall(id, update) {
        await inner.updateToolCall(id, update).catch((e) => {
          if (!isNotFound(e)) throw e;
        });
      },
    }),
  ],
  [
    'JSON written with JSON.stringify (-0 becomes 0)',
    (inner) => ({
      async getSession(id) {
        const s = await inner.getSession(id);
        return s === null ? null : { ...s, config: JSON.parse(JSON.stringify(s.config)) };
      },
    }),
  ],
  [
    'JSON keys sorted, as Postgres jsonb does',
    (inner) => ({
      async getToolCalls(sessionId) {
        return (await inner.getToolCalls(sessionId)).map((c) => ({ ...c, request: sortKeys(c.request) }));
      },
    }),
  ],
];

describe('model-based property: catches deliberately broken adapters', () => {
  for (const [name, patch] of MUTANTS) {
    it(name, async () => {
      const run = checkModelBased(broken(name, patch), { seed: 20240601, numRuns: 200 });
      await expect(run).rejects.toThrow(/AGENT_STORAGE_SEED=-?\d+ AGENT_STORAGE_PATH='[\d:]+'/);
    });
  }

  it('reports a failure that replays from its seed, path and replayPath', async () => {
    const target = () => broken('pending includes executing', (MUTANTS[0] as (typeof MUTANTS)[0])[1]);
    const first = await checkModelBased(target(), { seed: 7, numRuns: 200 }).then(
      () => '',
      (e: Error) => e.message,
    );
    expect(first).toContain('AGENT_STORAGE_SEED=');
    expect(first).toContain('getPendingToolCalls');
    const seed = Number(/seed: (-?\d+)/.exec(first)?.[1]);
    const path = /path: "([^"]*)"/.exec(first)?.[1];
    const replayPath = /replayPath: "([^"]*)"/.exec(first)?.[1];
    const sequence = /Minimal command sequence: (.*)/.exec(first)?.[1];
    expect(Number.isInteger(seed) && path && replayPath !== undefined && sequence).toBeTruthy();

    const again = await checkModelBased(target(), { seed, path, replayPath }).then(
      () => '',
      (e: Error) => e.message,
    );
    expect(/Minimal command sequence: (.*)/.exec(again)?.[1]).toBe(sequence);
    expect(again).toContain('failed after 1 run(s)');
  });
});
