import { describe, expect, it } from 'vitest';
import { checkInterleavings } from '../conformance/interleavings.js';
import { checkModelBased } from '../conformance/properties.js';
import { memoryTarget } from '../conformance/targets.js';
import type { ConformanceTarget } from '../conformance/types.js';
import { AgentStorageError } from '../src/contract/errors.js';
import type { AgentStorage } from '../src/contract/storage.js';
import type { Message, NewMessage, Page, SessionUpdateOptions } from '../src/contract/types.js';
import { validateExpectedStatus, validateSessionUpdate } from '../src/contract/validation.js';
import { broken } from './helpers/broken.js';

/**
 * The interleaving property runs on every adapter as requirement `model.interleavings` of
 * the conformance suite (test/<adapter>.test.ts). Here: that it catches stores that are
 * correct one call at a time but not under concurrency (each would pass the model-based
 * sequences), on one store and on two stores over the same data, and that a failure replays.
 */

/** A turn of the event loop, where a real store would wait for I/O. */
const io = () => new Promise<void>((resolve) => setImmediate(resolve));

const REJECTED = /AGENT_STORAGE_SEED=-?\d+ AGENT_STORAGE_PATH='[\d:]+'/;

const ctx = { adapter: 'racy', clock: Date.now };

/**
 * A conditional update done as "read the status, check it, write": right one call at a
 * time (validation first, NOT_FOUND, then CONFLICT), but two callers can both pass the check.
 */
function checkThenWrite(inner: AgentStorage): Partial<AgentStorage> {
  return {
    async updateSession(id, update, options?: SessionUpdateOptions) {
      validateSessionUpdate(ctx, id, update);
      const expected = validateExpectedStatus(ctx, options);
      if (expected === null) return inner.updateSession(id, update);
      const current = await inner.getSession(id);
      if (current === null) return inner.updateSession(id, update);
      await io();
      if (!expected.includes(current.status)) {
        throw new AgentStorageError('CONFLICT', `session is ${current.status}`, { adapter: 'racy' });
      }
      return inner.updateSession(id, update);
    },
  };
}

/** Broken under concurrency only: each does the right thing when calls come one at a time. */
const RACY: [string, (inner: AgentStorage) => Partial<AgentStorage>][] = [
  [
    'conditional update checks the status, waits, then writes (two workers both finish a session)',
    checkThenWrite,
  ],
  [
    'batch written message by message (a concurrent read sees half a batch)',
    (inner) => ({
      async appendBatch(batch) {
        const messageIds: string[] = [];
        for (const m of batch.messages ?? []) {
          messageIds.push(await inner.createMessage(m));
          await io();
        }
        const toolCallIds: string[] = [];
        for (const { messageIndex, ...call } of batch.toolCalls ?? []) {
          const messageId = messageIndex === undefined ? call.messageId : messageIds[messageIndex];
          toolCallIds.push(await inner.createToolCall({ ...call, messageId: messageId ?? null }));
        }
        return { messageIds, toolCallIds };
      },
    }),
  ],
  [
    'messages served from a per-session list that creates read, extend after I/O, and write back (a concurrent create is lost)',
    (inner) => {
      const lists = new Map<string, Message[]>();
      const listOf = async (sessionId: string) =>
        lists.get(sessionId) ?? (await inner.getMessages(sessionId));
      return {
        async createMessage(input: NewMessage) {
          const before = await listOf(input.sessionId);
          const id = await inner.createMessage(input);
          await io();
          const stored = (await inner.getMessages(input.sessionId)).find((m) => m.id === id) as Message;
          const list = before.some((m) => m.id === id) ? before : [...before, stored];
          lists.set(
            input.sessionId,
            list.toSorted((a, b) => a.createdAt - b.createdAt),
          );
          return id;
        },
        async getMessages(sessionId) {
          return [...(await listOf(sessionId))];
        },
        async deleteSession(id) {
          lists.delete(id);
          return inner.deleteSession(id);
        },
        async appendBatch(batch) {
          for (const m of batch.messages ?? []) lists.delete(m.sessionId);
          return inner.appendBatch(batch);
        },
      };
    },
  ],
  [
    'idempotency as look-up, wait, insert (a concurrent retry writes a second copy)',
    (inner) => {
      // Keys are kept here, beside a store that never sees them: correct one call at a time.
      const byKey = new Map<string, string>();
      const keyOf = new Map<string, string>();
      const withKeys = (m: Message): Message => ({ ...m, clientKey: keyOf.get(m.id) ?? null });
      return {
        async createMessage(input: NewMessage) {
          if (input.clientKey === undefined || input.clientKey === null) return inner.createMessage(input);
          const slot = JSON.stringify([input.sessionId, input.clientKey]);
          const known = byKey.get(slot);
          await io();
          if (known !== undefined) return known;
          const { clientKey, ...rest } = input;
          const id = await inner.createMessage(rest);
          byKey.set(slot, id);
          keyOf.set(id, clientKey);
          return id;
        },
        async getMessages(sessionId) {
          return (await inner.getMessages(sessionId)).map(withKeys);
        },
        async getMessagesPage(sessionId, query): Promise<Page<Message>> {
          const page = await inner.getMessagesPage(sessionId, query);
          return { ...page, items: page.items.map(withKeys) };
        },
      };
    },
  ],
];

/**
 * Two handles on one memory store, as `reopen` gives two stores over one database; the
 * second handle's `close` leaves the data alone.
 */
function sharedMemory(name: string, second: (inner: AgentStorage) => Partial<AgentStorage> = () => ({})) {
  const base = memoryTarget();
  const target: ConformanceTarget = {
    name,
    create: (options) => base.create(options),
    async reopen(store) {
      const replaced = second(store);
      return new Proxy(store, {
        get(t, key) {
          if (key === 'close') return async () => undefined;
          if (key in replaced) return replaced[key as keyof AgentStorage];
          const value = Reflect.get(t, key, t);
          return typeof value === 'function' ? value.bind(t) : value;
        },
      });
    },
  };
  return target;
}

describe('interleaving property: catches stores that are wrong only under concurrency', () => {
  for (const [name, patch] of RACY) {
    it(name, async () => {
      const run = checkInterleavings(broken(name, patch), { seed: 20240601, numRuns: 1000 });
      await expect(run).rejects.toThrow(REJECTED);
    });
  }

  it('the first of them passes the model-based sequences: only concurrency shows it', async () => {
    const [name, patch] = RACY[0] as (typeof RACY)[0];
    await checkModelBased(broken(name, patch), { seed: 20240601, numRuns: 100 });
  });

  it('passes the correct memory adapter', async () => {
    await checkInterleavings(memoryTarget(), { seed: 20240601, numRuns: 300 });
  });

  it('explains a failure: the operations, their timeline, the order that went furthest, and how to replay', async () => {
    const [name, patch] = RACY[0] as (typeof RACY)[0];
    const message = await checkInterleavings(broken(name, patch), { seed: 5, numRuns: 1000 }).then(
      () => '',
      (e: Error) => e.message,
    );
    expect(message).toContain('No sequential order of the concurrent operations explains');
    expect(message).toContain('expectedStatus');
    expect(message).toMatch(/Schedule: schedulerFor\(\)/);
    expect(message).toMatch(/The order that went furthest: /);
    const seed = Number(/seed: (-?\d+)/.exec(message)?.[1]);
    const path = /path: "([^"]*)"/.exec(message)?.[1];
    const operations = /Operations: (.*)/.exec(message)?.[1];
    expect(Number.isInteger(seed) && path && operations).toBeTruthy();
    // The memory store does the same thing every time: the path replays it at once.
    const again = await checkInterleavings(broken(name, patch), { seed, path: path as string }).then(
      () => '',
      (e: Error) => e.message,
    );
    expect(/Operations: (.*)/.exec(again)?.[1]).toBe(operations);
    expect(again).toContain('failed after 1 run(s)');
  });
});

describe('interleaving property: two stores over the same data', () => {
  it('passes two handles on one correct store, transactions across them included', async () => {
    await checkInterleavings(sharedMemory('two handles'), {
      seed: 20240601,
      numRuns: 200,
      twoStoreTransactions: true,
    });
  });

  it('catches a second store that serves sessions from a stale cache', async () => {
    const target = sharedMemory('stale second store', (inner) => {
      const cache = new Map<string, Awaited<ReturnType<AgentStorage['getSession']>>>();
      return {
        async getSession(id) {
          if (!cache.has(id)) cache.set(id, await inner.getSession(id));
          return cache.get(id) ?? null;
        },
      };
    });
    await expect(checkInterleavings(target, { seed: 20240601, numRuns: 1000 })).rejects.toThrow(REJECTED);
  });

  it('catches a conditional update that is atomic per store but not across stores', async () => {
    // The second handle checks, then writes; the first is the store's own, atomic one.
    const target = sharedMemory('racy across stores', checkThenWrite);
    await expect(checkInterleavings(target, { seed: 20240601, numRuns: 1000 })).rejects.toThrow(REJECTED);
  });
});
