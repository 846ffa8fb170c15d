import { describe, expect, it } from 'vitest';
import { checkModelBased } from '../conformance/properties.js';
import { memoryTarget } from '../conformance/targets.js';
import type { ConformanceTarget } from '../conformance/types.js';
import { memoryTables } from '../src/adapters/memory.js';
import { AgentStorageError } from '../src/contract/errors.js';
import type { AgentStorage } from '../src/contract/storage.js';
import type { SessionQuery } from '../src/contract/types.js';
import { broken } from './helpers/broken.js';
import { sequenceMutants } from './mutants/sequences.js';
import type { Mutant } from './mutants.js';

/**
 * The model-based property itself runs on every adapter as requirement `model.sequences`
 * of the conformance suite (test/<adapter>.test.ts). Here: that it catches broken adapters,
 * the nine operations' and every optional capability's, and that a reported failure
 * replays. AGENT_STORAGE_RUNS changes the number of runs, AGENT_STORAGE_SEED (with
 * AGENT_STORAGE_PATH and AGENT_STORAGE_REPLAY_PATH) replays a reported failure.
 */

/** Broken implementations of the optional capabilities, each the way a real adapter might get it wrong. */
const CAPABILITY_MUTANTS: [string, (inner: AgentStorage) => Partial<AgentStorage>][] = [
  [
    'listSessions ignores the provider filter',
    (inner) => ({
      async listSessions(query?: SessionQuery) {
        if (query === null || typeof query !== 'object') return inner.listSessions(query);
        const { provider: _ignored, ...rest } = query;
        return inner.listSessions(rest);
      },
    }),
  ],
  [
    'listSessions breaks startedAt ties by id ascending',
    (inner) => ({
      async listSessions(query?: SessionQuery) {
        const page = await inner.listSessions(query);
        const items = page.items.toSorted((a, b) => b.startedAt - a.startedAt || Number(a.id) - Number(b.id));
        return { ...page, items };
      },
    }),
  ],
  [
    'listSessions drops the last page',
    (inner) => ({
      async listSessions(query?: SessionQuery) {
        const page = await inner.listSessions(query);
        return query?.cursor !== undefined && page.nextCursor === null
          ? { items: [], nextCursor: null }
          : page;
      },
    }),
  ],
  [
    'deleteSession leaves the messages, tool calls, questions and settings behind',
    (inner) => ({
      async deleteSession(id) {
        if (typeof id !== 'string') return inner.deleteSession(id);
        return memoryTables(inner as never).agent_sessions.delete(id);
      },
    }),
  ],
  [
    'deleteSession reports false for a session it deleted',
    (inner) => ({
      async deleteSession(id) {
        await inner.deleteSession(id);
        return false;
      },
    }),
  ],
  [
    'appendBatch writes item by item, keeping what came before a failing one',
    (inner) => ({
      async appendBatch(batch) {
        if (batch === null || typeof batch !== 'object') return inner.appendBatch(batch);
        const messageIds: string[] = [];
        for (const m of batch.messages ?? []) messageIds.push(await inner.createMessage(m));
        const toolCallIds: string[] = [];
        for (const { messageIndex, ...call } of batch.toolCalls ?? []) {
          toolCallIds.push(
            await inner.createToolCall(
              messageIndex === undefined ? call : { ...call, messageId: messageIds[messageIndex] ?? null },
            ),
          );
        }
        return { messageIds, toolCallIds };
      },
    }),
  ],
  [
    'updateSession ignores expectedStatus',
    (inner) => ({
      async updateSession(id, update) {
        return inner.updateSession(id, update);
      },
    }),
  ],
  [
    'answerQuestions applies answers one by one, keeping those before an unknown questionId',
    (inner) => ({
      async answerQuestions(sessionId, answers) {
        if (!Array.isArray(answers)) return inner.answerQuestions(sessionId, answers);
        for (const a of answers) await inner.answerQuestions(sessionId, [a]);
      },
    }),
  ],
  [
    'setSettingValues applies values one by one, keeping those before an unknown settingKey',
    (inner) => ({
      async setSettingValues(sessionId, values) {
        if (!Array.isArray(values)) return inner.setSettingValues(sessionId, values);
        for (const v of values) await inner.setSettingValues(sessionId, [v]);
      },
    }),
  ],
  [
    'getPendingSettings also lists settings whose value is empty',
    (inner) => ({
      async getPendingSettings(sessionId) {
        return (await inner.getSettings(sessionId)).filter(
          (s) => s.settingValue === null || s.settingValue === '',
        );
      },
    }),
  ],
  [
    'getMessagesPage before a cursor returns the page newest first',
    (inner) => ({
      async getMessagesPage(sessionId, query) {
        const page = await inner.getMessagesPage(sessionId, query);
        return query?.before === undefined ? page : { ...page, items: page.items.toReversed() };
      },
    }),
  ],
  [
    'getToolCallsPage says there is more when the page is exactly full',
    (inner) => ({
      async getToolCallsPage(sessionId, query) {
        const page = await inner.getToolCallsPage(sessionId, query);
        const full = query?.limit !== undefined && page.items.length === query.limit;
        return page.nextCursor === null && full ? { ...page, nextCursor: 'more' } : page;
      },
    }),
  ],
  [
    'countToolCalls counts only pending calls',
    (inner) => ({
      async countToolCalls(sessionId) {
        return (await inner.getPendingToolCalls(sessionId)).length;
      },
    }),
  ],
  [
    'a repeated questionId refused with CONFLICT (nocodo stores repeats)',
    (inner) => ({
      async createQuestions(sessionId, questions) {
        const taken = new Set((await inner.getQuestions(sessionId)).map((q) => q.questionId));
        if (questions.some((q) => taken.has(q.questionId))) {
          throw new AgentStorageError('CONFLICT', 'createQuestions: questionId taken', { adapter: 'memory' });
        }
        return inner.createQuestions(sessionId, questions);
      },
    }),
  ],
];

const REJECTED = /AGENT_STORAGE_SEED=-?\d+ AGENT_STORAGE_PATH='[\d:]+'/;

describe('model-based property: catches deliberately broken adapters', () => {
  for (const { name, break: patch } of sequenceMutants) {
    it(name, async () => {
      const run = checkModelBased(broken(name, patch), { seed: 20240601, numRuns: 200 });
      await expect(run).rejects.toThrow(REJECTED);
    });
  }

  it('reports a failure that replays from its seed, path and replayPath', async () => {
    const target = () => broken('pending includes executing', (sequenceMutants[0] as Mutant).break as never);
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

  it('passes the correct memory adapter', async () => {
    await checkModelBased(memoryTarget(), { seed: 20240601, numRuns: 100 });
  });

  it('passes the correct memory adapter with batches naming ids their own messages may get', async () => {
    // Off by default: the SQL adapters accept such a messageId (see ArbitraryOptions.batchGuessedIds).
    await checkModelBased(memoryTarget(), {
      seed: 20240601,
      numRuns: 100,
      arbitraries: { batchGuessedIds: true },
    });
  });
});

describe('model-based property: catches broken optional capabilities', () => {
  for (const [name, patch] of CAPABILITY_MUTANTS) {
    it(name, async () => {
      const run = checkModelBased(broken(name, patch), { seed: 20240601, numRuns: 300 });
      await expect(run).rejects.toThrow(REJECTED);
    });
  }

  it('exercises only what the adapter declares: a store declaring no capability passes', async () => {
    const base = memoryTarget();
    const bare: ConformanceTarget = {
      name: 'no optional capability',
      async create(options) {
        const inner = await base.create(options);
        const capabilities = Object.freeze({
          ...inner.capabilities,
          listSessions: false,
          paging: false,
          deleteSession: false,
          batch: false,
          conditionalUpdate: false,
          questions: false,
          settings: false,
        });
        // (idempotency stays: the memory store deduplicates whatever it declares.) Every
        // optional operation would be wrong: a command that reached one would fail the run.
        const refuse = () => Promise.reject(new Error('an undeclared operation was called'));
        return new Proxy(inner, {
          get(target, key) {
            if (key === 'capabilities') return capabilities;
            if (
              typeof key === 'string' &&
              /^(listSessions|deleteSession|appendBatch|getMessagesPage|getToolCallsPage|count|create(Questions|Settings)|get(Pending)?(Questions|Settings)|answerQuestions|setSettingValues)/.test(
                key,
              )
            )
              return refuse;
            const value = Reflect.get(target, key, target);
            return typeof value === 'function' ? value.bind(target) : value;
          },
        });
      },
    };
    await checkModelBased(bare, { seed: 11, numRuns: 60 });
  });
});
