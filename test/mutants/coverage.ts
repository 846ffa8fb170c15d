import { SESSION_FIELDS } from '../../conformance/reference-model.js';
import { memoryTables } from '../../src/adapters/memory.js';
import { AgentStorageError } from '../../src/contract/errors.js';
import type { AgentStorage } from '../../src/contract/storage.js';
import type { Batch, BatchToolCall, JsonValue, NewMessage, NewSession } from '../../src/contract/types.js';
import { decodeSession, type SessionRow } from '../../src/core/rows.js';
import type { Mutant } from '../mutants.js';

/**
 * At least one mutant per requirement: each breaks the rule one requirement pins, so that
 * the requirement is shown to fail when it should. (Mutants of the older list in
 * test/mutants.ts cover the rest.)
 */

const tables = (inner: AgentStorage) => memoryTables(inner as never);
const isCode = (e: unknown, code: string) => e instanceof AgentStorageError && e.code === code;
const io = () => new Promise<void>((resolve) => setImmediate(resolve));

/** `batch` with every clientKey taken out: a store that writes it dedupes nothing. */
function withoutKeys(batch: Batch): Batch {
  const strip = <T extends { clientKey?: string | null }>(x: T) => {
    const { clientKey: _k, ...rest } = x;
    return rest;
  };
  return {
    ...(batch?.messages ? { messages: batch.messages.map(strip) as NewMessage[] } : {}),
    ...(batch?.toolCalls ? { toolCalls: batch.toolCalls.map(strip) as BatchToolCall[] } : {}),
  };
}

export const coverageMutants: Mutant[] = [
  {
    id: 'big-batch-split',
    name: 'a batch over 1000 messages written in two transactions',
    caughtBy: ['batch.large'],
    break: (inner) => ({
      async appendBatch(batch) {
        const messages = batch?.messages ?? [];
        if (messages.length <= 1000) return inner.appendBatch(batch);
        const first = await inner.appendBatch({ messages: messages.slice(0, 1000) });
        const rest = await inner.appendBatch({ ...batch, messages: messages.slice(1000) });
        return { messageIds: [...first.messageIds, ...rest.messageIds], toolCallIds: rest.toolCallIds };
      },
    }),
  },
  {
    id: 'busy-during-batch',
    name: 'calls made while a batch holds the connection fail (TRANSACTION_ACTIVE) instead of waiting their turn',
    caughtBy: ['concurrency.one-store'],
    break: (inner) => {
      let busy = false;
      const guard =
        <A extends unknown[], R>(fn: (...args: A) => Promise<R>) =>
        async (...args: A): Promise<R> => {
          if (busy) {
            throw new AgentStorageError(
              'UNAVAILABLE',
              'TRANSACTION_ACTIVE: a transaction holds the connection',
              {
                adapter: 'memory',
              },
            );
          }
          return fn(...args);
        };
      return {
        async appendBatch(batch) {
          if (busy) throw new AgentStorageError('UNAVAILABLE', 'TRANSACTION_ACTIVE', { adapter: 'memory' });
          busy = true;
          try {
            await io();
            return await inner.appendBatch(batch);
          } finally {
            busy = false;
          }
        },
        createMessage: guard((m) => inner.createMessage(m)),
        createToolCall: guard((c) => inner.createToolCall(c)),
        getMessages: guard((id) => inner.getMessages(id)),
        updateSession: guard((id, u, o) => inner.updateSession(id, u, o)),
      };
    },
  },
  {
    id: 'input-kept-by-reference',
    name: "a session's config kept by reference: mutating the input later changes it",
    caughtBy: ['copies.input'],
    break: (inner) => {
      const configs = new Map<string, JsonValue | undefined>();
      return {
        async createSession(input: NewSession) {
          const id = await inner.createSession(input);
          configs.set(id, input.config);
          return id;
        },
        async getSession(id) {
          const s = await inner.getSession(id);
          return s === null || !configs.has(id)
            ? s
            : { ...s, config: (configs.get(id) ?? null) as JsonValue };
        },
      };
    },
  },
  {
    id: 'bad-json-as-null',
    name: 'stored JSON that does not parse read as null',
    caughtBy: ['corrupt.json'],
    break: (inner) => ({
      async getSession(id) {
        try {
          return await inner.getSession(id);
        } catch (e) {
          if (!isCode(e, 'CORRUPT_DATA')) throw e;
          return decodeSession('memory', {
            ...(tables(inner).agent_sessions.get(id) as SessionRow),
            config: null,
          });
        }
      },
    }),
  },
  {
    id: 'retried-batch-duplicates',
    name: 'a retried batch writes its messages again',
    caughtBy: ['idempotency.batch'],
    break: (inner) => ({
      async appendBatch(batch) {
        return inner.appendBatch(withoutKeys(batch));
      },
    }),
  },
  {
    id: 'concurrent-batch-race',
    name: 'keyed batches check for their keys, then write after a pause (two copies race in)',
    caughtBy: ['idempotency.concurrent-batch'],
    break: (inner) => ({
      async appendBatch(batch) {
        const stored = new Set(
          [...tables(inner).agent_messages.values()].map((m) => `${m.session_id}\u0000${m.client_key}`),
        );
        await io();
        const fresh = (batch?.messages ?? []).every((m) => !stored.has(`${m.sessionId}\u0000${m.clientKey}`));
        if (!fresh) return inner.appendBatch(batch);
        return inner.appendBatch(withoutKeys(batch));
      },
    }),
  },
  {
    id: 'missing-user-prompt-defaulted',
    name: 'a missing userPrompt stored as an empty string',
    caughtBy: ['input.required'],
    break: (inner) => ({
      async createSession(input) {
        return inner.createSession(
          input && typeof input === 'object' && input.userPrompt === undefined
            ? { ...input, userPrompt: '' }
            : input,
        );
      },
    }),
  },
  {
    id: 'fractional-timestamp-rounded',
    name: 'a fractional createdAt rounded instead of refused',
    caughtBy: ['input.timestamps'],
    break: (inner) => ({
      async createMessage(input) {
        const at = input?.createdAt;
        return inner.createMessage(
          typeof at === 'number' && Number.isFinite(at) && !Number.isInteger(at)
            ? { ...input, createdAt: Math.round(at) }
            : input,
        );
      },
    }),
  },
  {
    id: 'unknown-fields-dropped',
    name: 'unknown fields of a session dropped instead of refused',
    caughtBy: ['input.unknown-fields'],
    break: (inner) => ({
      async createSession(input) {
        if (input === null || typeof input !== 'object') return inner.createSession(input);
        const known: readonly string[] = SESSION_FIELDS;
        return inner.createSession(
          Object.fromEntries(Object.entries(input).filter(([k]) => known.includes(k))) as NewSession,
        );
      },
    }),
  },
  {
    id: 'nan-stored-as-null',
    name: 'NaN and undefined in JSON stored as JSON.stringify writes them (null, dropped)',
    caughtBy: ['json.reject-non-json'],
    break: (inner) => ({
      async createSession(input) {
        if (input?.config === undefined) return inner.createSession(input);
        let config: JsonValue;
        try {
          config = JSON.parse(JSON.stringify(input.config) ?? 'null') as JsonValue;
        } catch {
          return inner.createSession(input);
        }
        return inner.createSession({ ...input, config });
      },
    }),
  },
  {
    id: 'cursor-skips-ties',
    name: "listSessions' cursor compares startedAt only (sessions tied with the last one are skipped)",
    caughtBy: ['list.paging'],
    break: (inner) => ({
      async listSessions(query) {
        if (query?.cursor === undefined) return inner.listSessions(query);
        const [, key] = /^sessions\.(-?\d+)\./.exec(query.cursor) ?? [];
        const page = await inner.listSessions(query);
        return { ...page, items: page.items.filter((s) => String(s.startedAt) !== key) };
      },
    }),
  },
  {
    id: 'unknown-session-messages-not-found',
    name: 'getMessages of an unknown session rejects with NOT_FOUND instead of returning []',
    caughtBy: ['message.get-unknown'],
    break: (inner) => ({
      async getMessages(sessionId) {
        if (typeof sessionId === 'string' && !tables(inner).agent_sessions.has(sessionId)) {
          throw new AgentStorageError('NOT_FOUND', `getMessages: no session ${sessionId}`, {
            adapter: 'memory',
          });
        }
        return inner.getMessages(sessionId);
      },
    }),
  },
  {
    id: 'messages-of-every-session',
    name: 'getMessages returns the messages of every session',
    caughtBy: ['message.isolation'],
    break: (inner) => ({
      async getMessages(sessionId) {
        await inner.getMessages(sessionId);
        const all = [];
        for (const id of tables(inner).agent_sessions.keys()) all.push(...(await inner.getMessages(id)));
        return all;
      },
    }),
  },
  {
    id: 'message-creates-session',
    name: 'a message for an unknown session creates the session',
    caughtBy: ['message.unknown-session'],
    break: (inner) => ({
      async createMessage(input) {
        try {
          return await inner.createMessage(input);
        } catch (e) {
          if (!isCode(e, 'NOT_FOUND')) throw e;
          const sessionId = await inner.createSession({
            agentName: 'a',
            provider: 'p',
            model: 'm',
            userPrompt: '',
          });
          return inner.createMessage({ ...input, sessionId });
        }
      },
    }),
  },
  {
    id: 'empty-update-accepted',
    name: 'an update with no field resolves as a no-op',
    caughtBy: ['session.update-empty'],
    break: (inner) => ({
      async updateSession(id, update, options) {
        if (update && typeof update === 'object' && Object.keys(update).length === 0) {
          await inner.getSession(id);
          return;
        }
        return inner.updateSession(id, update, options);
      },
    }),
  },
  {
    id: 'null-does-not-clear',
    name: 'null in a session update is ignored instead of clearing the field',
    caughtBy: ['session.update-mutable'],
    break: (inner) => ({
      async updateSession(id, update, options) {
        if (!update || typeof update !== 'object') return inner.updateSession(id, update, options);
        const kept = Object.fromEntries(Object.entries(update).filter(([, v]) => v !== null));
        if (Object.keys(kept).length === 0) return;
        return inner.updateSession(id, kept, options);
      },
    }),
  },
  {
    id: 'content-trimmed',
    name: 'message content trimmed of surrounding whitespace',
    caughtBy: ['text.round-trip'],
    break: (inner) => ({
      async createMessage(input) {
        return inner.createMessage(
          typeof input?.content === 'string' ? { ...input, content: input.content.trim() } : input,
        );
      },
    }),
  },
  {
    id: 'default-status-executing',
    name: 'a new tool call defaults to status executing',
    caughtBy: ['toolcall.create-read'],
    break: (inner) => ({
      async createToolCall(input) {
        return inner.createToolCall(
          input && input.status === undefined ? { ...input, status: 'executing' } : input,
        );
      },
    }),
  },
  {
    id: 'unknown-session-calls-not-found',
    name: 'getToolCalls of an unknown session rejects with NOT_FOUND',
    caughtBy: ['toolcall.get-unknown'],
    break: (inner) => ({
      async getToolCalls(sessionId) {
        if (typeof sessionId === 'string' && !tables(inner).agent_sessions.has(sessionId)) {
          throw new AgentStorageError('NOT_FOUND', `getToolCalls: no session ${sessionId}`, {
            adapter: 'memory',
          });
        }
        return inner.getToolCalls(sessionId);
      },
    }),
  },
  {
    id: 'tool-calls-by-id',
    name: 'tool calls listed by id, ignoring createdAt',
    caughtBy: ['toolcall.order'],
    break: (inner) => ({
      async getToolCalls(sessionId) {
        return (await inner.getToolCalls(sessionId)).sort((a, b) => Number(a.id) - Number(b.id));
      },
    }),
  },
  {
    id: 'call-immutable-dropped',
    name: 'immutable fields of a tool-call update silently dropped',
    caughtBy: ['toolcall.update-immutable'],
    break: (inner) => ({
      async updateToolCall(id, update) {
        if (!update || typeof update !== 'object') return inner.updateToolCall(id, update);
        const mutable = ['status', 'response', 'executionTimeMs', 'completedAt', 'errorDetails'];
        const kept = Object.fromEntries(Object.entries(update).filter(([k]) => mutable.includes(k)));
        if (Object.keys(kept).length === 0) return;
        return inner.updateToolCall(id, kept);
      },
    }),
  },
  {
    id: 'execution-time-ignored',
    name: 'executionTimeMs of a tool-call update ignored',
    caughtBy: ['toolcall.update-mutable'],
    break: (inner) => ({
      async updateToolCall(id, update) {
        if (!update || typeof update !== 'object' || !('executionTimeMs' in update))
          return inner.updateToolCall(id, update);
        const { executionTimeMs: _ignored, ...rest } = update;
        if (Object.keys(rest).length === 0) return;
        return inner.updateToolCall(id, rest);
      },
    }),
  },
  {
    id: 'calls-page-count-pending',
    name: 'countToolCalls counts only the pending calls',
    caughtBy: ['page.toolcalls'],
    break: (inner) => ({
      async countToolCalls(sessionId) {
        await inner.countToolCalls(sessionId);
        return (await inner.getPendingToolCalls(sessionId)).length;
      },
    }),
  },
  {
    id: 'latest-is-first',
    name: "from 'end' reads the first page of messages instead of the last",
    caughtBy: ['page.latest-messages'],
    break: (inner) => ({
      async getMessagesPage(sessionId, query) {
        if (query?.from !== 'end') return inner.getMessagesPage(sessionId, query);
        const { from: _end, ...rest } = query;
        return inner.getMessagesPage(sessionId, rest);
      },
    }),
  },
  {
    id: 'latest-calls-descending',
    name: "from 'end' returns the latest tool calls newest first",
    caughtBy: ['page.latest-toolcalls'],
    break: (inner) => ({
      async getToolCallsPage(sessionId, query) {
        const page = await inner.getToolCallsPage(sessionId, query);
        return query?.from === 'end' ? { ...page, items: [...page.items].reverse() } : page;
      },
    }),
  },
  {
    id: 'latest-messages-with-cursor',
    name: "from 'end' beside a cursor silently wins over the cursor",
    caughtBy: ['page.latest-messages'],
    break: (inner) => ({
      async getMessagesPage(sessionId, query) {
        if (query?.from !== 'end' || (query.after === undefined && query.before === undefined))
          return inner.getMessagesPage(sessionId, query);
        return inner.getMessagesPage(sessionId, {
          from: 'end',
          ...(query.limit ? { limit: query.limit } : {}),
        });
      },
    }),
  },
  {
    id: 'bulk-delete-unbounded',
    name: 'deleteSessions ignores its limit and deletes every match in one call',
    caughtBy: ['delete.bulk'],
    break: (inner) => ({
      async deleteSessions(query) {
        if (typeof query !== 'object' || query === null) return inner.deleteSessions(query);
        let total = 0;
        for (let n = -1; n !== 0; total += n) n = await inner.deleteSessions({ ...query, limit: 1000 });
        return total;
      },
    }),
  },
  {
    id: 'bulk-delete-open-sessions',
    name: 'deleteSessions with endedBefore also deletes sessions that have not ended',
    caughtBy: ['delete.bulk'],
    break: (inner) => ({
      async deleteSessions(query) {
        const n = await inner.deleteSessions(query);
        if (query?.endedBefore === undefined) return n;
        const { endedBefore: _e, limit: _l, ...rest } = query;
        const open = (await inner.listSessions({ ...rest, limit: 1000 })).items.filter(
          (x) => x.endedAt === null,
        );
        for (const x of open) await inner.deleteSession(x.id);
        return n + open.length;
      },
    }),
  },
  {
    id: 'bulk-delete-everything',
    name: 'deleteSessions without a filter deletes every session',
    caughtBy: ['delete.bulk'],
    break: (inner) => ({
      async deleteSessions(query) {
        const filters = Object.keys(query ?? {}).filter((k) => k !== 'limit');
        if (filters.length > 0) return inner.deleteSessions(query);
        return inner.deleteSessions({ ...query, startedBefore: Number.MAX_SAFE_INTEGER });
      },
    }),
  },
  {
    id: 'call-update-missing-ok',
    name: 'an update of an unknown tool call resolves',
    caughtBy: ['toolcall.update-unknown'],
    break: (inner) => ({
      async updateToolCall(id, update) {
        await inner.updateToolCall(id, update).catch((e) => {
          if (!isCode(e, 'NOT_FOUND')) throw e;
        });
      },
    }),
  },
  {
    id: 'nul-text-truncated',
    name: 'stored text cut at U+0000 (what @libsql/client 0.18 does when it decodes text itself)',
    caughtBy: ['corrupt.text'],
    break: (inner) => ({
      async getSession(id) {
        const s = await inner.getSession(id);
        return s && { ...s, userPrompt: s.userPrompt.split('\u0000')[0] as string };
      },
    }),
  },
  {
    id: 'json-infinity-read',
    name: "stored JSON past a double's range read as ±Infinity (JSON.parse unchecked)",
    caughtBy: ['corrupt.json-range'],
    break: (inner) => ({
      async getSession(id) {
        try {
          return await inner.getSession(id);
        } catch (e) {
          if (!isCode(e, 'CORRUPT_DATA')) throw e;
          const row = tables(inner).agent_sessions.get(id) as SessionRow;
          return {
            ...decodeSession('memory', { ...row, config: null }),
            config: JSON.parse(row.config as string),
          };
        }
      },
    }),
  },
  {
    id: 'names-checked-on-read',
    name: 'a stored empty or over-long name reported as CORRUPT_DATA (input rules applied to reads)',
    caughtBy: ['corrupt.representable'],
    break: (inner) => ({
      async getSession(id) {
        const s = await inner.getSession(id);
        if (s && (s.agentName === '' || s.model.length > 512))
          throw new AgentStorageError(
            'CORRUPT_DATA',
            `agent_sessions row ${id} column agent_name breaks the input rules`,
            {
              adapter: inner.adapter,
              field: 'agent_name',
            },
          );
        return s;
      },
    }),
  },
  {
    id: 'clock-error-escapes',
    name: "a throwing clock's own error escapes, not INVALID_INPUT naming clock",
    caughtBy: ['clock.faulty'],
    break: (inner, clock) => ({
      async createSession(s) {
        if ((s as NewSession | undefined)?.startedAt === undefined) clock?.();
        return inner.createSession(s);
      },
    }),
  },
  {
    id: 'clock-negative-zero',
    name: "a clock's -0 stored as -0",
    caughtBy: ['clock.faulty'],
    break: (inner) => ({
      async getSession(id) {
        const s = await inner.getSession(id);
        return s && Object.is(s.startedAt, 0) ? { ...s, startedAt: -0 } : s;
      },
    }),
  },
  {
    id: 'symbol-keys-dropped',
    name: 'symbol-keyed and non-enumerable properties of a record dropped (Object.keys alone)',
    caughtBy: ['input.plain-data'],
    break: (inner) => ({
      createSession: (s) =>
        inner.createSession(
          typeof s === 'object' && s !== null && Object.getPrototypeOf(s) === Object.prototype
            ? (Object.fromEntries(Object.entries(s)) as NewSession)
            : s,
        ),
    }),
  },
];
