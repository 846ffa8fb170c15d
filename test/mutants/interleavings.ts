import { AgentStorageError } from '../../src/contract/errors.js';
import type { AgentStorage } from '../../src/contract/storage.js';
import type { Message, NewMessage, Page, SessionUpdateOptions } from '../../src/contract/types.js';
import { validateExpectedStatus, validateSessionUpdate } from '../../src/contract/validation.js';
import type { Mutant } from '../mutants.js';
import { slug } from './slug.js';

/**
 * Stores that are right one call at a time but wrong under concurrency
 * (model.interleavings): each passes the model-based sequences.
 */

/** A turn of the event loop, where a real store would wait for I/O. */
const io = () => new Promise<void>((resolve) => setImmediate(resolve));

const ctx = { adapter: 'racy', clock: Date.now };

/**
 * A conditional update done as "read the status, check it, write": right one call at a
 * time (validation first, NOT_FOUND, then CONFLICT), but two callers can both pass the check.
 */
export function checkThenWrite(inner: AgentStorage): Partial<AgentStorage> {
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
const PAIRS: [string, (inner: AgentStorage) => Partial<AgentStorage>][] = [
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

export const interleavingMutants: Mutant[] = PAIRS.map(([name, patch]) => ({
  id: `race-${slug(name)}`,
  name,
  caughtBy: ['model.interleavings'],
  break: patch,
}));
