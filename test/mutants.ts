import { memoryTarget } from '../conformance/targets.js';
import type { ConformanceTarget } from '../conformance/types.js';
import { memoryTables } from '../src/adapters/memory.js';
import { AgentStorageError } from '../src/contract/errors.js';
import type { AgentStorage } from '../src/contract/storage.js';
import type { JsonValue, NewMessage, NewSession, Session } from '../src/contract/types.js';
import { decodeSession, type SessionRow } from '../src/core/rows.js';
import { createStorage } from '../src/create-storage.js';
import { classMutants } from './mutants/classes.js';
import { coverageMutants } from './mutants/coverage.js';
import { interleavingMutants } from './mutants/interleavings.js';
import { moreClassMutants } from './mutants/more-classes.js';
import { sequenceMutants } from './mutants/sequences.js';

/**
 * Deliberately broken adapters: each wraps a correct memory store and breaks one rule
 * the way real adapters have been seen to. The self-test expects the suite to fail
 * each one on the requirements listed.
 */
export interface Mutant {
  /** Short and stable: the requirement table in docs/contract.md lists mutants by id. */
  id: string;
  name: string;
  /** Requirement ids that must fail against this mutant. */
  caughtBy: string[];
  break(inner: AgentStorage, clock?: () => number): Partial<AgentStorage>;
}

function sortKeys(v: JsonValue): JsonValue {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v !== null && typeof v === 'object') {
    return Object.fromEntries(
      Object.keys(v)
        .sort()
        .map((k) => [k, sortKeys((v as Record<string, JsonValue>)[k] as JsonValue)]),
    );
  }
  return v;
}

const isCode = (e: unknown, code: string) => e instanceof AgentStorageError && e.code === code;

export const mutants: Mutant[] = [
  {
    id: 'close-drops-calls-in-flight',
    name: 'close() ends the connection under calls already made, which then fail (a pg pool ended under queued queries)',
    caughtBy: ['close.in-flight'],
    break: (inner) => {
      let closed = false;
      const late = async <T>(fn: () => Promise<T>): Promise<T> => {
        await new Promise((turn) => setImmediate(turn));
        if (closed)
          throw new AgentStorageError('UNAVAILABLE', 'timeout exceeded when trying to connect', {
            adapter: inner.adapter,
          });
        return fn();
      };
      return {
        createMessage: (m) => late(() => inner.createMessage(m)),
        async close() {
          closed = true;
          await inner.close();
        },
      };
    },
  },
  {
    id: 'second-close-resolves-at-once',
    name: 'a second close() resolves at once, while the first still waits for the calls made before it (two shutdown hooks: the process exits under writes)',
    caughtBy: ['close.in-flight'],
    break: (inner) => {
      const pending = new Set<Promise<unknown>>();
      let closing: Promise<void> | undefined;
      return {
        createMessage: (m) => {
          const write = new Promise((turn) => setImmediate(turn)).then(() => inner.createMessage(m));
          pending.add(write);
          write.then(
            () => pending.delete(write),
            () => pending.delete(write),
          );
          return write;
        },
        close() {
          if (closing !== undefined) return Promise.resolve(); // the bug: later callers do not wait
          closing = Promise.allSettled([...pending]).then(() => inner.close());
          return closing;
        },
      };
    },
  },
  {
    id: 'close-resolves-under-calls',
    name: 'close() resolves at once and releases the driver later, once the calls made before it are done (an engine that waited for nothing: the process exits under them)',
    caughtBy: ['close.in-flight'],
    break: (inner) => {
      const pending = new Set<Promise<unknown>>();
      const later = <T>(call: () => Promise<T>): Promise<T> => {
        const run = new Promise((turn) => setImmediate(turn)).then(call);
        pending.add(run);
        const done = () => pending.delete(run);
        run.then(done, done);
        return run;
      };
      return {
        createMessage: (m) => later(() => inner.createMessage(m)),
        close() {
          void Promise.allSettled([...pending]).then(() => inner.close());
          return Promise.resolve();
        },
      };
    },
  },
  {
    id: 'bulk-delete-stale-listing',
    name: 'deleteSessions deletes by id what its listing found, without checking the filters again (a session retried meanwhile, now running, is deleted)',
    caughtBy: ['delete.bulk-current'],
    break: (inner) => ({
      async deleteSessions(query) {
        const { limit = 50, ...filters } = query;
        const page = await inner.listSessions({ ...filters, limit });
        let deleted = 0;
        for (const session of page.items) if (await inner.deleteSession(session.id)) deleted++;
        return deleted;
      },
    }),
  },
  {
    id: 'tie-order-desc',
    name: 'ties ordered by id descending',
    caughtBy: ['message.order'],
    break: (inner) => ({
      async getMessages(sessionId) {
        const rows = await inner.getMessages(sessionId);
        return rows.sort((a, b) => a.createdAt - b.createdAt || Number(b.id) - Number(a.id));
      },
    }),
  },
  {
    id: 'status-remapped',
    name: 'unknown status remapped to running',
    caughtBy: ['corrupt.enum'],
    break: (inner) => ({
      async getSession(id) {
        try {
          return await inner.getSession(id);
        } catch (e) {
          if (!isCode(e, 'CORRUPT_DATA')) throw e;
          const row = memoryTables(inner as never).agent_sessions.get(id);
          return decodeSession('memory', { ...(row as SessionRow), status: 'running' });
        }
      },
    }),
  },
  {
    id: 'update-missing-ok',
    name: 'update of a missing session silently succeeds',
    caughtBy: ['session.update-unknown'],
    break: (inner) => ({
      async updateSession(id, update) {
        await inner.updateSession(id, update).catch((e) => {
          if (!isCode(e, 'NOT_FOUND')) throw e;
        });
      },
    }),
  },
  {
    id: 'pending-includes-executing',
    name: 'pending includes executing',
    caughtBy: ['toolcall.pending'],
    break: (inner) => ({
      async getPendingToolCalls(sessionId) {
        return (await inner.getToolCalls(sessionId)).filter(
          (c) => c.status === 'pending' || c.status === 'executing',
        );
      },
    }),
  },
  {
    id: 'shared-returned',
    name: 'returned objects shared with the store',
    caughtBy: ['copies.returned'],
    break: (inner) => {
      const cache = new Map<string, Session | null>();
      return {
        async getSession(id) {
          if (!cache.has(id)) cache.set(id, await inner.getSession(id));
          return cache.get(id) ?? null;
        },
      };
    },
  },
  {
    id: 'null-config-empty',
    name: 'null config read back as {}',
    caughtBy: ['session.create-read', 'corrupt.null-config'],
    break: (inner) => ({
      async getSession(id) {
        const s = await inner.getSession(id);
        return s && s.config === null ? { ...s, config: {} } : s;
      },
    }),
  },
  {
    id: 'json-keys-sorted',
    name: 'JSON keys sorted on write',
    caughtBy: ['json.round-trip'],
    break: (inner) => ({
      async createSession(input: NewSession) {
        return inner.createSession(
          input.config === undefined ? input : { ...input, config: sortKeys(input.config) },
        );
      },
    }),
  },
  {
    id: 'negative-zero',
    name: '-0 written as 0',
    caughtBy: ['json.round-trip'],
    break: (inner) => ({
      async createSession(input: NewSession) {
        const config =
          input.config === undefined ? undefined : (JSON.parse(JSON.stringify(input.config)) as JsonValue);
        return inner.createSession(config === undefined ? input : { ...input, config });
      },
    }),
  },
  {
    id: 'write-before-validate',
    name: 'create writes before validating',
    caughtBy: ['input.enums', 'input.types', 'text.reject-unrepresentable'],
    break: (inner) => ({
      async createMessage(input: NewMessage) {
        try {
          return await inner.createMessage(input);
        } catch (e) {
          if (isCode(e, 'INVALID_INPUT') && typeof input?.sessionId === 'string') {
            await inner
              .createMessage({ sessionId: input.sessionId, role: 'user', content: '' })
              .catch(() => undefined);
          }
          throw e;
        }
      },
    }),
  },
  {
    id: 'close-serves',
    name: 'close() still serves calls',
    caughtBy: ['close.rejects'],
    break: () => ({ close: async () => undefined }),
  },
  {
    id: 'immutable-dropped',
    name: 'immutable fields silently dropped from updates',
    caughtBy: ['session.update-immutable'],
    break: (inner) => ({
      async updateSession(id, update) {
        const { status, endedAt, result, error } = update;
        const kept = Object.fromEntries(
          Object.entries({ status, endedAt, result, error }).filter(([, v]) => v !== undefined),
        );
        return inner.updateSession(id, kept);
      },
    }),
  },
  {
    id: 'nul-truncated',
    name: 'U+0000 truncated instead of rejected',
    caughtBy: ['text.reject-unrepresentable'],
    break: (inner) => ({
      async createMessage(input: NewMessage) {
        const content =
          typeof input?.content === 'string' ? input.content.split('\u0000')[0] : input?.content;
        return inner.createMessage({ ...input, content } as NewMessage);
      },
    }),
  },
  {
    id: 'clock-ignored',
    name: 'storage clock ignored',
    caughtBy: ['clock.defaults', 'message.create-read'],
    break: (inner) => ({
      async createMessage(input: NewMessage) {
        return inner.createMessage({ createdAt: Math.floor(Date.now() / 1000), ...input });
      },
    }),
  },
  {
    id: 'ids-normalised',
    name: 'malformed ids normalised to a match',
    caughtBy: ['session.get-unknown'],
    break: (inner) => ({
      async getSession(id) {
        return inner.getSession(typeof id === 'string' ? id.trim().replace(/^0+(?=\d)/, '') : id);
      },
    }),
  },
  {
    id: 'errors-untyped',
    name: 'errors lose their type',
    caughtBy: ['errors.shape', 'session.update-unknown'],
    break: (inner) => ({
      async updateSession(id, update) {
        await inner.updateSession(id, update).catch((e: Error) => {
          throw new Error(e.message);
        });
      },
    }),
  },
  {
    id: 'foreign-message',
    name: "tool call may name another session's message",
    caughtBy: ['toolcall.unknown-parents'],
    break: (inner) => ({
      async createToolCall(input) {
        if (typeof input?.messageId !== 'string') return inner.createToolCall(input);
        const row = memoryTables(inner as never).agent_messages.get(input.messageId);
        if (row === undefined) return inner.createToolCall(input);
        return inner.createToolCall({ ...input, messageId: null });
      },
    }),
  },
  {
    id: 'list-ties-asc',
    name: 'listing ties broken by id ascending',
    caughtBy: ['list.order-filter'],
    break: (inner) => ({
      async listSessions(query) {
        const page = await inner.listSessions({ ...query, limit: 1000 });
        const items = page.items.sort((a, b) => b.startedAt - a.startedAt || Number(a.id) - Number(b.id));
        return { items: items.slice(0, query?.limit ?? 50), nextCursor: null };
      },
    }),
  },
  {
    id: 'delete-no-cascade',
    name: 'deleting a session leaves its messages behind',
    caughtBy: ['delete.cascade'],
    break: (inner) => ({
      async deleteSession(id) {
        const messages = memoryTables(inner as never).agent_messages;
        const kept = [...messages.entries()].filter(([, m]) => m.session_id === id);
        const existed = await inner.deleteSession(id);
        for (const [key, row] of kept) messages.set(key, row);
        return existed;
      },
    }),
  },
  {
    id: 'batch-partial',
    name: 'a batch writes its valid items before failing',
    caughtBy: ['batch.append'],
    break: (inner) => ({
      async appendBatch(batch) {
        try {
          return await inner.appendBatch(batch);
        } catch (e) {
          for (const m of batch.messages ?? []) await inner.createMessage(m).catch(() => undefined);
          throw e;
        }
      },
    }),
  },
  {
    id: 'client-key-ignored',
    name: 'a repeated clientKey writes a second copy',
    caughtBy: ['idempotency.message'],
    break: (inner) => ({
      async createMessage(input) {
        const { clientKey: _dropped, ...rest } = input ?? {};
        return inner.createMessage(rest as never);
      },
    }),
  },
  {
    id: 'expected-status-ignored',
    name: 'expectedStatus ignored',
    caughtBy: ['update.conditional'],
    break: (inner) => ({
      async updateSession(id, update) {
        return inner.updateSession(id, update);
      },
    }),
  },
  {
    id: 'undeclared-served',
    name: 'an undeclared capability still served',
    caughtBy: ['capabilities.undeclared'],
    break: (inner) => ({ capabilities: Object.freeze({ ...inner.capabilities, deleteSession: false }) }),
  },
  {
    id: 'backward-reversed',
    name: 'backward pages returned newest first',
    caughtBy: ['page.messages'],
    break: (inner) => ({
      async getMessagesPage(sessionId, query) {
        const page = await inner.getMessagesPage(sessionId, query);
        return query?.before ? { ...page, items: page.items.reverse() } : page;
      },
    }),
  },
  {
    id: 'tool-call-id-dedupe',
    name: 'tool calls deduplicated by toolCallId (providers reuse ids)',
    caughtBy: ['idempotency.toolcall', 'batch.append'],
    break: (inner) => {
      const dedupe = async (sessionId: string, toolCallId: string) =>
        (await inner.getToolCalls(sessionId)).find((c) => c.toolCallId === toolCallId)?.id;
      return {
        async createToolCall(call) {
          return (await dedupe(call.sessionId, call.toolCallId)) ?? inner.createToolCall(call);
        },
        async appendBatch(batch) {
          const calls = batch.toolCalls ?? [];
          const seen = new Set<string>();
          for (const c of calls) {
            if (seen.has(c.toolCallId) || (await dedupe(c.sessionId, c.toolCallId)) !== undefined) {
              throw new AgentStorageError('CONFLICT', 'appendBatch: toolCallId taken', { adapter: 'memory' });
            }
            seen.add(c.toolCallId);
          }
          return inner.appendBatch(batch);
        },
      };
    },
  },
  {
    id: 'question-id-conflict',
    name: 'a repeated questionId refused with CONFLICT',
    caughtBy: ['questions.qna'],
    break: (inner) => ({
      async createQuestions(sessionId, questions) {
        const taken = new Set((await inner.getQuestions(sessionId)).map((q) => q.questionId));
        if (questions.some((q) => taken.has(q.questionId))) {
          throw new AgentStorageError('CONFLICT', 'createQuestions: questionId taken', { adapter: 'memory' });
        }
        return inner.createQuestions(sessionId, questions);
      },
    }),
  },
  {
    id: 'answer-all-rounds',
    name: "an answer overwrites every question with its id, earlier rounds' included (nocodo's UPDATE)",
    caughtBy: ['questions.qna'],
    break: (inner) => ({
      async answerQuestions(sessionId, answers) {
        await inner.answerQuestions(sessionId, answers);
        const rows = memoryTables(inner as never).project_requirements_qna;
        for (const a of answers) {
          for (const row of rows.values()) {
            if (row.session_id === sessionId && row.question_id === a.questionId) {
              Object.assign(row, { answer: a.answer, answered_at: a.answeredAt ?? row.answered_at });
            }
          }
        }
      },
    }),
  },
  {
    id: 'setting-first-row',
    name: 'a value for a repeated settingKey goes to the first setting with that key',
    caughtBy: ['settings.values'],
    break: (inner) => ({
      async setSettingValues(sessionId, values) {
        await inner.getSettings(sessionId); // validates the session as the real call would
        const rows = [...memoryTables(inner as never).project_settings.values()];
        for (const v of values) {
          const first = rows.find((r) => r.session_id === sessionId && r.setting_key === v.settingKey);
          if (first === undefined) return inner.setSettingValues(sessionId, values);
        }
        for (const v of values) {
          const first = rows.find((r) => r.session_id === sessionId && r.setting_key === v.settingKey);
          Object.assign(first as object, { setting_value: v.value, updated_at: v.updatedAt ?? 0 });
        }
      },
    }),
  },
  {
    id: 'getter-read-twice',
    name: 'validates the input, then stores from it again (a getter is read twice)',
    caughtBy: ['input.plain-data'],
    break: (inner) => ({
      async createMessage(input) {
        // A pre-check that reads the caller's object, as a logging or metrics wrapper might.
        if (typeof input?.content === 'string' && input.content.includes('\u0000')) {
          throw new AgentStorageError('INVALID_INPUT', 'createMessage: content contains U+0000', {
            adapter: 'memory',
            field: 'content',
          });
        }
        return inner.createMessage(input);
      },
    }),
  },
  {
    id: 'list-extra-dropped',
    name: 'a list with an extra property is taken without it',
    caughtBy: ['input.plain-data'],
    break: (inner) => ({
      async appendBatch(batch) {
        const b = batch as { messages?: unknown[]; toolCalls?: unknown[] };
        return inner.appendBatch({
          ...(b.messages ? { messages: [...b.messages] } : {}),
          ...(b.toolCalls ? { toolCalls: [...b.toolCalls] } : {}),
        } as never);
      },
    }),
  },
];

/**
 * Every mutant that breaks a store (wrapping a correct memory store): the older list, the
 * classes of test/mutants/classes.ts, one per requirement, and those only sequences or
 * concurrency show. Target and fault mutants are in test/mutants/catalogue.ts.
 */
export const allMutants: readonly Mutant[] = [
  ...mutants,
  ...classMutants,
  ...moreClassMutants,
  ...coverageMutants,
  ...sequenceMutants,
  ...interleavingMutants,
];

/** A conformance target whose stores are `mutant` applied to fresh memory stores. */
export function mutantTarget(mutant: Mutant): ConformanceTarget {
  const inners = new WeakMap<AgentStorage, AgentStorage>();
  const base = memoryTarget().inspect as NonNullable<ConformanceTarget['inspect']>;
  const innerOf = (store: AgentStorage) => inners.get(store) ?? store;
  return {
    name: `mutant: ${mutant.name}`,
    async create({ clock }) {
      const inner = await createStorage({ url: 'memory:', clock });
      const overrides = mutant.break(inner, clock);
      const wrapped = new Proxy(inner, {
        get(target, prop, receiver) {
          if (prop in overrides) return overrides[prop as keyof AgentStorage];
          const value = Reflect.get(target, prop, receiver);
          return typeof value === 'function' ? value.bind(target) : value;
        },
      });
      inners.set(wrapped, inner);
      return wrapped;
    },
    inspect: {
      rowCounts: (store) => base.rowCounts(innerOf(store)),
      writeRaw: (store, table, id, column, value) => base.writeRaw(innerOf(store), table, id, column, value),
    },
  };
}
