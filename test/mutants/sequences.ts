import { AgentStorageError } from '../../src/contract/errors.js';
import type { AgentStorage } from '../../src/contract/storage.js';
import type { JsonValue } from '../../src/contract/types.js';
import type { Mutant } from '../mutants.js';
import { slug } from './slug.js';

/**
 * Adapters broken in ways only a sequence of operations shows (model.sequences, the
 * model-based property): each fails some run of the reference model's comparison.
 */

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

const PAIRS: [string, (inner: AgentStorage) => Partial<AgentStorage>][] = [
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

export const sequenceMutants: Mutant[] = PAIRS.map(([name, patch]) => ({
  id: `seq-${slug(name)}`,
  name,
  caughtBy: ['model.sequences'],
  break: patch,
}));
