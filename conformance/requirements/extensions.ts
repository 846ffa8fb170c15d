import { type AgentStorage, ALL_CAPABILITIES, type OptionalCapability } from '../../src/contract/storage.js';
import {
  type NewToolCall,
  PAGE_LIMIT,
  type Page,
  type PageQuery,
  type SessionStatus,
} from '../../src/contract/types.js';
import { check, rejects, same } from '../expect.js';
import { aSession, newMessage, newSession, newToolCall, T0, writesNothing } from '../fixtures.js';
import type { Requirement, RequirementContext } from '../types.js';

/** Every page of a paged read, following nextCursor in `direction`. */
async function allPages<T>(
  read: (cursor: string | undefined) => Promise<Page<T>>,
  what: string,
): Promise<T[][]> {
  const pages: T[][] = [];
  let cursor: string | undefined;
  for (let guard = 0; guard < 1000; guard++) {
    const page = await read(cursor);
    pages.push(page.items);
    if (page.nextCursor === null) return pages;
    check(
      typeof page.nextCursor === 'string' && page.nextCursor.length > 0,
      `${what}: nextCursor must be a string or null`,
    );
    cursor = page.nextCursor;
  }
  throw new Error(`${what}: more than 1000 pages`);
}

async function sessionsAt(
  ctx: RequirementContext,
  spec: [number, Partial<Parameters<typeof newSession>[0]>][],
): Promise<string[]> {
  const ids: string[] = [];
  for (const [startedAt, overrides] of spec)
    ids.push(await ctx.store.createSession(newSession({ startedAt, ...overrides })));
  return ids;
}

/** Operations of each optional capability, called with plausible arguments. */
const OPERATIONS: Record<OptionalCapability, (s: AgentStorage, sessionId: string) => Promise<unknown>[]> = {
  listSessions: (s) => [s.listSessions({})],
  paging: (s, id) => [
    s.getMessagesPage(id),
    s.getToolCallsPage(id),
    s.countMessages(id),
    s.countToolCalls(id),
  ],
  deleteSession: (s, id) => [s.deleteSession(id)],
  batch: (s, id) => [s.appendBatch({ messages: [newMessage(id)] })],
  idempotency: (s, id) => [s.createMessage(newMessage(id, { clientKey: 'k' }))],
  conditionalUpdate: (s, id) => [s.updateSession(id, { status: 'failed' }, { expectedStatus: 'running' })],
  requirements: (s, id) => [
    s.createQuestions(id, []),
    s.getQuestions(id),
    s.getPendingQuestions(id),
    s.answerQuestions(id, []),
  ],
  settings: (s, id) => [
    s.createSettings(id, []),
    s.getSettings(id),
    s.getPendingSettings(id),
    s.setSettingValues(id, []),
  ],
};

export const extensionRequirements: Requirement[] = [
  {
    id: 'capabilities.undeclared',
    title: 'Every operation of a capability the adapter does not declare rejects with NOT_SUPPORTED',
    async run(ctx) {
      const sessionId = await aSession(ctx);
      for (const capability of Object.keys(ALL_CAPABILITIES) as OptionalCapability[]) {
        if (ctx.store.capabilities[capability] === true) continue;
        for (const [i, call] of OPERATIONS[capability](ctx.store, sessionId).entries()) {
          await rejects(() => call, 'NOT_SUPPORTED', `${capability} operation #${i + 1}, undeclared`);
        }
      }
    },
  },
  {
    id: 'list.order-filter',
    title:
      'listSessions returns sessions newest first (ties by id, newest first) and applies every filter, combined with AND',
    needs: ['listSessions'],
    async run(ctx) {
      const ids = await sessionsAt(ctx, [
        [10, { agentName: 'a', provider: 'p1', model: 'm1' }],
        [30, { agentName: 'b', provider: 'p1', model: 'm2', status: 'completed' }],
        [20, { agentName: 'a', provider: 'p2', model: 'm1', status: 'failed' }],
        [30, { agentName: 'a', provider: 'p1', model: 'm1', status: 'completed' }],
        [-5, { agentName: 'b', provider: 'p2', model: 'm2', status: 'waiting_for_user_input' }],
      ]);
      const [s10, s30a, s20, s30b, sNeg] = ids as [string, string, string, string, string];
      const list = async (q: Parameters<AgentStorage['listSessions']>[0]) =>
        (await ctx.store.listSessions(q)).items.map((s) => s.id);
      same(await list({}), [s30b, s30a, s20, s10, sNeg], 'all sessions, newest first, ties by id descending');
      same(await list(undefined), [s30b, s30a, s20, s10, sNeg], 'no query at all');
      same(await list({ status: 'completed' }), [s30b, s30a], 'status completed');
      same(
        await list({ status: ['failed', 'waiting_for_user_input'] as SessionStatus[] }),
        [s20, sNeg],
        'status failed or waiting',
      );
      same(await list({ agentName: 'a' }), [s30b, s20, s10], 'agentName a');
      same(await list({ provider: 'p2', model: 'm2' }), [sNeg], 'provider p2 and model m2');
      same(await list({ startedFrom: 10, startedBefore: 30 }), [s20, s10], 'startedAt in [10, 30)');
      same(await list({ agentName: 'a', status: 'completed', startedFrom: 30 }), [s30b], 'combined filters');
      same(await list({ agentName: 'nobody' }), [], 'no match');
      const page = await ctx.store.listSessions({ status: 'running' });
      same(
        [page.items.map((s) => s.id), page.nextCursor],
        [[s10], null],
        'a short last page has no nextCursor',
      );
      same(page.items[0], await ctx.store.getSession(s10), 'listed sessions are whole sessions');
    },
  },
  {
    id: 'list.paging',
    title:
      'listSessions pages by cursor: every session exactly once in order, cursors stay valid while sessions are added, limits and cursors are checked',
    needs: ['listSessions'],
    async run(ctx) {
      const times = [5, 3, 5, 9, 1, 5, 7, 3, 5, 2, 8, 5, 5, 5];
      await sessionsAt(
        ctx,
        times.map((t) => [t, {}]),
      );
      const whole = (await ctx.store.listSessions({ limit: PAGE_LIMIT.max })).items.map((s) => s.id);
      same(whole.length, times.length, 'a page of limit max holds them all');
      for (const limit of [1, 2, 3, 4, 11, 12]) {
        const pages = await allPages(
          (cursor) => ctx.store.listSessions({ limit, ...(cursor ? { cursor } : {}) }),
          `limit ${limit}`,
        );
        check(
          pages.every((p) => p.length <= limit),
          `limit ${limit}: a page must not exceed the limit`,
        );
        same(
          pages.flat().map((s) => s.id),
          whole,
          `limit ${limit}: pages concatenated`,
        );
      }
      const first = await ctx.store.listSessions({ limit: 4 });
      // Sessions added after the first page: newer ones are behind the cursor, older ones ahead of it.
      await ctx.store.createSession(newSession({ startedAt: 100 }));
      const older = await ctx.store.createSession(newSession({ startedAt: 0 }));
      const rest = await allPages(
        (cursor) => ctx.store.listSessions({ limit: 3, cursor: cursor ?? (first.nextCursor as string) }),
        'after adding',
      );
      same(
        [...first.items.map((s) => s.id), ...rest.flat().map((s) => s.id)],
        [...whole, older],
        'pages after adding a newer and an older session',
      );
      const defaults = await ctx.store.listSessions();
      check(
        defaults.items.length === Math.min(PAGE_LIMIT.default, times.length + 2),
        'the default limit applies',
      );
      for (const limit of [0, -1, 1.5, PAGE_LIMIT.max + 1, '10']) {
        await rejects(
          () => ctx.store.listSessions({ limit: limit as number }),
          'INVALID_INPUT',
          `limit ${String(limit)}`,
          { field: 'limit' },
        );
      }
      for (const cursor of ['', 'nope', Buffer.from('[1]').toString('base64url'), 5]) {
        await rejects(
          () => ctx.store.listSessions({ cursor: cursor as string }),
          'INVALID_INPUT',
          `cursor ${String(cursor)}`,
          { field: 'cursor' },
        );
      }
      await rejects(
        () => ctx.store.listSessions({ status: 'paused' as SessionStatus }),
        'INVALID_INPUT',
        'status paused',
        { field: 'status' },
      );
      await rejects(() => ctx.store.listSessions({ startedFrom: 1.5 }), 'INVALID_INPUT', 'startedFrom 1.5', {
        field: 'startedFrom',
      });
      await rejects(() => ctx.store.listSessions({ bogus: 1 } as never), 'INVALID_INPUT', 'unknown filter', {
        field: 'bogus',
      });
    },
  },
  {
    id: 'delete.cascade',
    title:
      'deleteSession removes the session and everything hanging from it, reports whether it existed, and touches no other session',
    needs: ['deleteSession'],
    async run(ctx) {
      const keep = await aSession(ctx);
      const gone = await aSession(ctx);
      for (const id of [keep, gone]) {
        const m = await ctx.store.createMessage(newMessage(id));
        const c = await ctx.store.createToolCall(newToolCall(id, { messageId: m }));
        if (ctx.store.capabilities.requirements)
          await ctx.store.createQuestions(id, [{ questionId: 'q', question: 'Which?', toolCallId: c }]);
        if (ctx.store.capabilities.settings)
          await ctx.store.createSettings(id, [{ settingKey: 'k', settingName: 'K', toolCallId: c }]);
      }
      const snapshot = async (id: string) => [
        await ctx.store.getSession(id),
        await ctx.store.getMessages(id),
        await ctx.store.getToolCalls(id),
        ctx.store.capabilities.requirements ? await ctx.store.getQuestions(id) : [],
        ctx.store.capabilities.settings ? await ctx.store.getSettings(id) : [],
      ];
      const kept = await snapshot(keep);
      same(await ctx.store.deleteSession(gone), true, 'deleting an existing session');
      same(await snapshot(gone), [null, [], [], [], []], 'everything of the deleted session');
      same(await snapshot(keep), kept, 'the other session');
      same(await ctx.store.deleteSession(gone), false, 'deleting it again');
      for (const other of ['999999999', 'nope', ''])
        same(await ctx.store.deleteSession(other), false, `deleteSession(${JSON.stringify(other)})`);
      await rejects(
        () => ctx.store.createMessage(newMessage(gone)),
        'NOT_FOUND',
        'a message for the deleted session',
      );
      if (ctx.target.inspect) {
        const counts = await ctx.target.inspect.rowCounts(ctx.store);
        same(
          counts,
          { agent_sessions: 1, agent_messages: 1, agent_tool_calls: 1 },
          'rows left after the delete',
        );
      }
    },
  },
  ...(['messages', 'toolCalls'] as const).map(
    (kind): Requirement => ({
      id: `page.${kind === 'messages' ? 'messages' : 'toolcalls'}`,
      title: `${kind === 'messages' ? 'getMessagesPage' : 'getToolCallsPage'} pages forward and backward through exactly the ${kind === 'messages' ? 'getMessages' : 'getToolCalls'} order, ties included; ${kind === 'messages' ? 'countMessages' : 'countToolCalls'} counts them`,
      needs: ['paging'],
      async run(ctx) {
        const sessionId = await aSession(ctx);
        const other = await aSession(ctx);
        const times = [4, 1, 4, 4, 0, 9, 1, 4, -3, 9, 4, 2];
        for (const [i, t] of times.entries()) {
          if (kind === 'messages')
            await ctx.store.createMessage(newMessage(sessionId, { content: `m${i}`, createdAt: t }));
          else await ctx.store.createToolCall(newToolCall(sessionId, { toolCallId: `c${i}`, createdAt: t }));
        }
        await (kind === 'messages'
          ? ctx.store.createMessage(newMessage(other))
          : ctx.store.createToolCall(newToolCall(other)));
        const read = (q?: PageQuery, id = sessionId): Promise<Page<unknown>> =>
          kind === 'messages' ? ctx.store.getMessagesPage(id, q) : ctx.store.getToolCallsPage(id, q);
        const whole =
          kind === 'messages'
            ? await ctx.store.getMessages(sessionId)
            : await ctx.store.getToolCalls(sessionId);
        same(
          (await read()).items,
          whole.slice(0, PAGE_LIMIT.default),
          'the first page with the default limit',
        );
        for (const limit of [1, 2, 5, 12, 13]) {
          const forward = await allPages(
            (after) => read({ limit, ...(after ? { after } : {}) }),
            `forward, limit ${limit}`,
          );
          same(forward.flat(), whole, `forward pages, limit ${limit}`);
          // The cursor after the first n-1 rows points at row n-2: the row after it is the last one,
          // and reading backward before it gives rows 0..n-3.
          const nearEnd = (await read({ limit: whole.length - 1 })).nextCursor as string;
          same((await read({ limit: 1, after: nearEnd })).items, whole.slice(-1), 'the row after the cursor');
          const backward = await allPages(
            (before) => read({ limit, before: before ?? nearEnd }),
            `backward, limit ${limit}`,
          );
          check(
            backward.every((p) => p.length <= limit),
            'a backward page must not exceed the limit',
          );
          same(
            backward.reverse().flat(),
            whole.slice(0, -2),
            `backward pages, limit ${limit}, ascending inside each page`,
          );
        }
        const count =
          kind === 'messages'
            ? ctx.store.countMessages.bind(ctx.store)
            : ctx.store.countToolCalls.bind(ctx.store);
        // Every row counts, whatever its state: a finished tool call too.
        if (kind === 'toolCalls') {
          for (const call of (whole as { id: string }[]).slice(0, 3))
            await ctx.store.updateToolCall(call.id, { status: 'completed' });
        }
        same(await count(sessionId), times.length, 'count');
        same(await count(other), 1, 'count of the other session');
        for (const unknown of ['999999999', 'nope']) {
          same(await read(undefined, unknown), { items: [], nextCursor: null }, `page of ${unknown}`);
          same(await count(unknown), 0, `count of ${unknown}`);
        }
        const cursor = (await read({ limit: 1 })).nextCursor as string;
        await rejects(
          () => read({ after: cursor, before: cursor }),
          'INVALID_INPUT',
          'after and before together',
          { field: 'before' },
        );
        for (const limit of [0, PAGE_LIMIT.max + 1, 2.5])
          await rejects(() => read({ limit }), 'INVALID_INPUT', `limit ${limit}`, { field: 'limit' });
        await rejects(() => read({ after: 'garbage' }), 'INVALID_INPUT', 'a garbage cursor', {
          field: 'after',
        });
        // A cursor continues only the list it came from.
        const foreign = [
          (await read({ limit: 1 }, other)).nextCursor,
          ctx.store.capabilities.listSessions
            ? (await ctx.store.listSessions({ limit: 1 })).nextCursor
            : null,
          (kind === 'messages'
            ? await ctx.store.getToolCallsPage(sessionId, { limit: 1 })
            : await ctx.store.getMessagesPage(sessionId, { limit: 1 })
          ).nextCursor,
        ];
        for (const [i, c] of foreign.entries()) {
          if (c === null) continue;
          await rejects(() => read({ after: c }), 'INVALID_INPUT', `a cursor of another list (#${i + 1})`, {
            field: 'after',
          });
        }
      },
    }),
  ),
  {
    // Adapters split big batches (bind-parameter limits, statement caches): the split must
    // not show, neither in the ids' order nor in what a failure leaves behind.
    id: 'batch.large',
    title: 'A batch of over a thousand messages keeps input order in its ids and is still all or nothing',
    needs: ['batch'],
    async run(ctx) {
      const a = await aSession(ctx);
      const b = await aSession(ctx);
      const messages = Array.from({ length: 1234 }, (_, i) =>
        newMessage(i % 3 === 0 ? b : a, {
          content: `m${i}`,
          createdAt: T0 + (i % 7),
          // Keys belong to the idempotency capability: only where the store declares it.
          ...(i % 5 === 0 && ctx.store.capabilities.idempotency ? { clientKey: `k${i}` } : {}),
        }),
      );
      const { messageIds } = await ctx.store.appendBatch({ messages });
      same([messageIds.length, new Set(messageIds).size], [1234, 1234], 'one distinct id per message');
      // Contract order is (createdAt, id), and ids grow in input order.
      const expected = (sessionId: string) =>
        messages
          .map((m, i) => ({ m, i }))
          .filter(({ m }) => m.sessionId === sessionId)
          .sort((x, y) => (x.m.createdAt as number) - (y.m.createdAt as number) || x.i - y.i)
          .map(({ m, i }) => [messageIds[i], m.content, m.clientKey ?? null]);
      for (const sessionId of [a, b]) {
        same(
          (await ctx.store.getMessages(sessionId)).map((m) => [m.id, m.content, m.clientKey]),
          expected(sessionId),
          `session ${sessionId} reads back in contract order with the batch's ids`,
        );
      }
      await writesNothing(
        ctx,
        'an unknown session in the last message of a big batch',
        () =>
          rejects(
            () =>
              ctx.store.appendBatch({
                messages: [
                  ...messages.map((m) =>
                    newMessage(m.sessionId, { content: m.content, createdAt: m.createdAt as number }),
                  ),
                  newMessage('999999999'),
                ],
              }),
            'NOT_FOUND',
            'a 1,235-message batch whose last message names an unknown session',
          ),
        async () => [await ctx.store.getMessages(a), await ctx.store.getMessages(b)],
      );
    },
  },
  {
    id: 'batch.append',
    title:
      'appendBatch writes messages and tool calls in input order, links messageIndex, and is all or nothing',
    needs: ['batch'],
    async run(ctx) {
      const sessionId = await aSession(ctx);
      const other = await aSession(ctx);
      const foreign = await ctx.store.createMessage(newMessage(other));
      const result = await ctx.store.appendBatch({
        messages: [
          newMessage(sessionId, { content: 'a', createdAt: 5 }),
          newMessage(sessionId, { role: 'assistant', content: '', createdAt: 5 }),
          newMessage(other, { content: 'for other', createdAt: 5 }),
          newMessage(sessionId, { role: 'tool', content: 'c', createdAt: 4 }),
        ],
        toolCalls: [
          { ...newToolCall(sessionId, { toolCallId: 't1', createdAt: 5 }), messageIndex: 1 },
          newToolCall(sessionId, { toolCallId: 't2', createdAt: 5 }),
        ],
      });
      same(
        [result.messageIds.length, new Set(result.messageIds).size, result.toolCallIds.length],
        [4, 4, 2],
        'distinct ids for every item',
      );
      same(
        (await ctx.store.getMessages(sessionId)).map((m) => [m.id, m.content]),
        [
          [result.messageIds[3], 'c'],
          [result.messageIds[0], 'a'],
          [result.messageIds[1], ''],
        ],
        'messages of the batch, in contract order',
      );
      same(
        (await ctx.store.getMessages(other)).map((m) => m.id),
        [result.messageIds[2], foreign],
        "the other session's messages",
      );
      same(
        (await ctx.store.getToolCalls(sessionId)).map((c) => [c.id, c.toolCallId, c.messageId]),
        [
          [result.toolCallIds[0], 't1', result.messageIds[1]],
          [result.toolCallIds[1], 't2', null],
        ],
        'tool calls of the batch, linked by messageIndex',
      );
      same(await ctx.store.appendBatch({}), { messageIds: [], toolCallIds: [] }, 'an empty batch');
      const visible = async () => [
        await ctx.store.getMessages(sessionId),
        await ctx.store.getToolCalls(sessionId),
        await ctx.store.getMessages(other),
      ];
      const good = newMessage(sessionId, { content: 'would be written' });
      await writesNothing(
        ctx,
        'one invalid message',
        () =>
          rejects(
            () =>
              ctx.store.appendBatch({
                messages: [good, good, newMessage(sessionId, { role: 'bogus' as never })],
              }),
            'INVALID_INPUT',
            'a batch with messages[2].role bogus',
            { field: 'messages[2].role' },
          ),
        visible,
      );
      await writesNothing(
        ctx,
        'one invalid tool call',
        () =>
          rejects(
            () =>
              ctx.store.appendBatch({
                messages: [good],
                toolCalls: [newToolCall(sessionId, { toolCallId: 'x', request: Number.NaN })],
              }),
            'INVALID_INPUT',
            'a batch with toolCalls[0].request NaN',
            { field: 'toolCalls[0].request' },
          ),
        visible,
      );
      await writesNothing(
        ctx,
        'one unknown session',
        () =>
          rejects(
            () => ctx.store.appendBatch({ messages: [good, newMessage('999999999')] }),
            'NOT_FOUND',
            'a batch with an unknown session',
          ),
        visible,
      );
      await writesNothing(
        ctx,
        "another session's message",
        () =>
          rejects(
            () =>
              ctx.store.appendBatch({
                messages: [good],
                toolCalls: [newToolCall(sessionId, { toolCallId: 'y', messageId: foreign })],
              }),
            'NOT_FOUND',
            "a tool call naming another session's message",
          ),
        visible,
      );
      await writesNothing(
        ctx,
        'a messageIndex out of range',
        () =>
          rejects(
            () =>
              ctx.store.appendBatch({
                messages: [good],
                toolCalls: [{ ...newToolCall(sessionId, { toolCallId: 'z' }), messageIndex: 1 }],
              }),
            'INVALID_INPUT',
            'messageIndex 1 of 1 message',
            { field: 'toolCalls[0].messageIndex' },
          ),
        visible,
      );
      await rejects(
        () => ctx.store.appendBatch({ messages: 'x' } as never),
        'INVALID_INPUT',
        'messages not an array',
        { field: 'messages' },
      );
      await writesNothing(
        ctx,
        'a hole in messages',
        () =>
          rejects(
            () =>
              ctx.store.appendBatch({ messages: Object.assign(new Array(3), { 0: good, 2: good }) as never }),
            'INVALID_INPUT',
            'a sparse messages array',
            { field: 'messages[1]' },
          ),
        visible,
      );
      // Providers reuse tool-call ids (`call_0`) across turns, and nocodo stores each call.
      const reused = await ctx.store.appendBatch({
        toolCalls: [
          newToolCall(sessionId, { toolCallId: 'call_0', createdAt: 6 }),
          newToolCall(sessionId, { toolCallId: 'call_0', toolName: 'other_tool', createdAt: 6 }),
        ],
      });
      same(
        (await ctx.store.getToolCalls(sessionId)).filter((c) => c.toolCallId === 'call_0').map((c) => c.id),
        reused.toolCallIds,
        'a toolCallId twice in one batch: two calls',
      );
    },
  },
  {
    id: 'idempotency.message',
    title:
      'A message repeated with the same clientKey and payload returns the first id and writes nothing; a different payload is CONFLICT',
    needs: ['idempotency'],
    async run(ctx) {
      const sessionId = await aSession(ctx);
      const other = await aSession(ctx);
      const id = await ctx.store.createMessage(
        newMessage(sessionId, { clientKey: 'turn-1', content: 'hello' }),
      );
      ctx.clock.now += 10; // a retry without createdAt gets another clock value: still the same write
      same(
        await ctx.store.createMessage(newMessage(sessionId, { clientKey: 'turn-1', content: 'hello' })),
        id,
        'the retry',
      );
      same(
        (await ctx.store.getMessages(sessionId)).map((m) => [m.id, m.clientKey, m.createdAt]),
        [[id, 'turn-1', T0]],
        'one copy',
      );
      const visible = () => ctx.store.getMessages(sessionId);
      await writesNothing(
        ctx,
        'other content',
        () =>
          rejects(
            () => ctx.store.createMessage(newMessage(sessionId, { clientKey: 'turn-1', content: 'bye' })),
            'CONFLICT',
            'same key, other content',
          ),
        visible,
      );
      await writesNothing(
        ctx,
        'other role',
        () =>
          rejects(
            () =>
              ctx.store.createMessage(
                newMessage(sessionId, { clientKey: 'turn-1', content: 'hello', role: 'assistant' }),
              ),
            'CONFLICT',
            'same key, other role',
          ),
        visible,
      );
      await writesNothing(
        ctx,
        'other createdAt',
        () =>
          rejects(
            () =>
              ctx.store.createMessage(
                newMessage(sessionId, { clientKey: 'turn-1', content: 'hello', createdAt: 1 }),
              ),
            'CONFLICT',
            'same key, other explicit createdAt',
          ),
        visible,
      );
      const elsewhere = await ctx.store.createMessage(
        newMessage(other, { clientKey: 'turn-1', content: 'hello' }),
      );
      check(elsewhere !== id, 'the same key in another session is another message');
      const plain = [
        await ctx.store.createMessage(newMessage(sessionId)),
        await ctx.store.createMessage(newMessage(sessionId)),
        await ctx.store.createMessage(newMessage(sessionId, { clientKey: null })),
        await ctx.store.createMessage(newMessage(sessionId, { clientKey: null })),
      ];
      same(new Set(plain).size, 4, 'messages without a key (omitted or null) are never deduplicated');
      same(
        (await ctx.store.getMessages(sessionId)).filter((m) => plain.includes(m.id)).map((m) => m.clientKey),
        [null, null, null, null],
        'the clientKey of messages without one',
      );
      for (const bad of ['', 5]) {
        await rejects(
          () => ctx.store.createMessage(newMessage(sessionId, { clientKey: bad as string })),
          'INVALID_INPUT',
          `clientKey ${JSON.stringify(bad)}`,
          { field: 'clientKey' },
        );
      }
    },
  },
  {
    id: 'idempotency.toolcall',
    title:
      'A tool call repeated with the same clientKey in its session returns the first id (even after updates) when messageId, toolCallId, toolName and request match; otherwise CONFLICT; a repeated toolCallId without a key is a new call',
    needs: ['idempotency'],
    async run(ctx) {
      const sessionId = await aSession(ctx);
      const other = await aSession(ctx);
      const input = newToolCall(sessionId, {
        toolCallId: 'toolu_1',
        request: { b: 1, a: [-0] },
        clientKey: 'turn-3.call-0',
      });
      const id = await ctx.store.createToolCall(input);
      await ctx.store.updateToolCall(id, { status: 'completed', response: { ok: true } });
      same(
        await ctx.store.createToolCall({ ...input, request: { b: 1, a: [-0] } }),
        id,
        'the retry after the call completed',
      );
      const visible = () => ctx.store.getToolCalls(sessionId);
      same(
        (await visible()).map((c) => [c.id, c.status, c.clientKey]),
        [[id, 'completed', 'turn-3.call-0']],
        'one copy, its updates kept, its key returned',
      );
      const message = await ctx.store.createMessage(newMessage(sessionId, { role: 'assistant' }));
      for (const [what, change] of [
        ['another messageId', { messageId: message }],
        ['a request with 0 for -0', { request: { b: 1, a: [0] } }],
        ['a request with other key order', { request: { a: [-0], b: 1 } }],
        ['another toolName', { toolName: 'other' }],
        ['another toolCallId', { toolCallId: 'toolu_2' }],
      ] as const) {
        await writesNothing(
          ctx,
          what,
          () =>
            rejects(
              () => ctx.store.createToolCall({ ...input, ...(change as Partial<NewToolCall>) }),
              'CONFLICT',
              `same clientKey, ${what}`,
            ),
          visible,
        );
      }
      check(
        (await ctx.store.createToolCall({ ...input, sessionId: other })) !== id,
        'the same clientKey in another session is another call',
      );
      // Without a key nothing is deduplicated: a provider's toolCallId may repeat, as nocodo stores it.
      const { clientKey: _none, ...unkeyed } = input;
      const again = await ctx.store.createToolCall(unkeyed);
      const twice = await ctx.store.createToolCall(unkeyed);
      same(
        (await visible()).map((c) => c.id),
        [id, again, twice],
        'the same toolCallId without a clientKey, twice: two more calls',
      );
      const explicitNull = await ctx.store.createToolCall({ ...unkeyed, clientKey: null });
      check(explicitNull !== twice, 'clientKey: null is no key: another call');
    },
  },
  {
    id: 'idempotency.batch',
    title:
      'A retried appendBatch returns the same ids and leaves exactly one copy of every message and tool call',
    needs: ['idempotency', 'batch'],
    async run(ctx) {
      const sessionId = await aSession(ctx);
      const batch = {
        messages: [
          newMessage(sessionId, { clientKey: 'k1', content: 'one' }),
          newMessage(sessionId, { clientKey: 'k2', role: 'assistant', content: '' }),
        ],
        toolCalls: [{ ...newToolCall(sessionId, { toolCallId: 'c1', clientKey: 'tk1' }), messageIndex: 1 }],
      };
      const first = await ctx.store.appendBatch(batch);
      const snapshot = [await ctx.store.getMessages(sessionId), await ctx.store.getToolCalls(sessionId)];
      ctx.clock.now += 5;
      same(await ctx.store.appendBatch(batch), first, 'ids of the retried batch');
      same(
        [await ctx.store.getMessages(sessionId), await ctx.store.getToolCalls(sessionId)],
        snapshot,
        'after the retry',
      );
      const more = await ctx.store.appendBatch({
        messages: [...batch.messages, newMessage(sessionId, { clientKey: 'k3', content: 'three' })],
      });
      same(more.messageIds.slice(0, 2), first.messageIds, 'a batch extending a stored one reuses its ids');
      same((await ctx.store.getMessages(sessionId)).length, 3, 'and adds only the new message');
      await writesNothing(
        ctx,
        'a batch with a conflicting key',
        () =>
          rejects(
            () =>
              ctx.store.appendBatch({
                messages: [
                  newMessage(sessionId, { clientKey: 'k4', content: 'new' }),
                  newMessage(sessionId, { clientKey: 'k1', content: 'changed' }),
                ],
              }),
            'CONFLICT',
            'a batch whose second message reuses k1 with other content',
          ),
        () => ctx.store.getMessages(sessionId),
      );
      const visible = async () => [
        await ctx.store.getMessages(sessionId),
        await ctx.store.getToolCalls(sessionId),
      ];
      await writesNothing(
        ctx,
        'a new message whose keyed call exists',
        () =>
          rejects(
            () =>
              ctx.store.appendBatch({
                messages: [newMessage(sessionId, { content: 'new turn' })],
                toolCalls: [
                  { ...newToolCall(sessionId, { toolCallId: 'c1', clientKey: 'tk1' }), messageIndex: 0 },
                ],
              }),
            'CONFLICT',
            'a call linked to a new message, but clientKey tk1 is stored on another message',
          ),
        visible,
      );
      await writesNothing(
        ctx,
        'a clientKey twice in one batch',
        () =>
          rejects(
            () =>
              ctx.store.appendBatch({
                toolCalls: [
                  newToolCall(sessionId, { toolCallId: 'x1', clientKey: 'dup' }),
                  newToolCall(sessionId, { toolCallId: 'x2', clientKey: 'dup' }),
                ],
              }),
            'INVALID_INPUT',
            'the same tool-call clientKey twice in one batch',
            { field: 'toolCalls[1]' },
          ),
        visible,
      );
    },
  },
  {
    id: 'update.conditional',
    title:
      'updateSession with expectedStatus updates only from that status, else CONFLICT with nothing changed; unknown ids stay NOT_FOUND',
    needs: ['conditionalUpdate'],
    async run(ctx) {
      const id = await aSession(ctx);
      await ctx.store.updateSession(id, { status: 'completed', result: 'r' }, { expectedStatus: 'running' });
      const done = await ctx.store.getSession(id);
      same([done?.status, done?.result], ['completed', 'r'], 'after the first worker finished it');
      await writesNothing(
        ctx,
        'a second worker',
        () =>
          rejects(
            () =>
              ctx.store.updateSession(id, { status: 'failed', error: 'late' }, { expectedStatus: 'running' }),
            'CONFLICT',
            'finishing a completed session again',
          ),
        () => ctx.store.getSession(id),
      );
      await ctx.store.updateSession(id, { status: 'running' }, { expectedStatus: ['failed', 'completed'] });
      same((await ctx.store.getSession(id))?.status, 'running', 'expectedStatus as a list');
      await rejects(
        () => ctx.store.updateSession('999999999', { status: 'failed' }, { expectedStatus: 'running' }),
        'NOT_FOUND',
        'an unknown id',
      );
      for (const bad of ['paused', [], 5]) {
        await rejects(
          () => ctx.store.updateSession(id, { status: 'failed' }, { expectedStatus: bad as never }),
          'INVALID_INPUT',
          `expectedStatus ${JSON.stringify(bad)}`,
          { field: 'expectedStatus' },
        );
      }
      await rejects(
        () => ctx.store.updateSession(id, { status: 'failed' }, { bogus: 1 } as never),
        'INVALID_INPUT',
        'an unknown option',
        { field: 'bogus' },
      );
    },
  },
  {
    id: 'requirements.qna',
    title:
      'Questions are stored per session (optionally tied to its tool call), listed in order, pending until answered; a questionId may repeat; an answer goes to the pending questions with its id, else replaces the latest answer; all or nothing',
    needs: ['requirements'],
    async run(ctx) {
      const sessionId = await aSession(ctx);
      const other = await aSession(ctx);
      const callId = await ctx.store.createToolCall(newToolCall(sessionId, { toolName: 'ask_user' }));
      const foreignCall = await ctx.store.createToolCall(newToolCall(other));
      const ids = await ctx.store.createQuestions(sessionId, [
        {
          questionId: 'db',
          question: 'Which database?',
          toolCallId: callId,
          description: 'engine',
          responseType: 'choice',
          createdAt: 7,
        },
        { questionId: 'name', question: 'Project name?', createdAt: 3 },
        { questionId: 'size', question: 'How big?' },
      ]);
      same(ids.length, 3, 'three ids');
      const all = await ctx.store.getQuestions(sessionId);
      same(
        all.map((q) => q.questionId),
        ['name', 'db', 'size'],
        'questions in createdAt order',
      );
      same(
        all[1],
        {
          id: ids[0],
          sessionId,
          toolCallId: callId,
          questionId: 'db',
          question: 'Which database?',
          description: 'engine',
          responseType: 'choice',
          answer: null,
          createdAt: 7,
          answeredAt: null,
        },
        'a whole question',
      );
      same(all[2]?.responseType, 'text', 'default responseType');
      await ctx.store.answerQuestions(sessionId, [{ questionId: 'db', answer: 'SQLite', answeredAt: 9 }]);
      same(
        (await ctx.store.getPendingQuestions(sessionId)).map((q) => q.questionId),
        ['name', 'size'],
        'pending after one answer',
      );
      same((await ctx.store.getQuestions(sessionId))[1]?.answer, 'SQLite', 'the stored answer');
      const visible = async () => [
        await ctx.store.getQuestions(sessionId),
        await ctx.store.getQuestions(other),
      ];
      await writesNothing(
        ctx,
        'answers with an unknown question',
        () =>
          rejects(
            () =>
              ctx.store.answerQuestions(sessionId, [
                { questionId: 'name', answer: 'x' },
                { questionId: 'nope', answer: 'y' },
              ]),
            'NOT_FOUND',
            'an answer to an unknown question',
          ),
        visible,
      );
      // A later round asks `db` again: nocodo keeps both rows, and so does every adapter.
      const [again] = await ctx.store.createQuestions(sessionId, [
        { questionId: 'db', question: 'Which version?', createdAt: 10 },
      ]);
      same(
        (await ctx.store.getPendingQuestions(sessionId)).map((q) => [q.questionId, q.id]),
        [
          ['name', ids[1]],
          ['db', again],
          ['size', ids[2]],
        ],
        'a repeated questionId is a new, pending question (in createdAt order)',
      );
      // Its answer belongs to the question still waiting for it, not to the first round's.
      await ctx.store.answerQuestions(sessionId, [{ questionId: 'db', answer: '3.45', answeredAt: 11 }]);
      const answers = async () =>
        (await ctx.store.getQuestions(sessionId))
          .filter((q) => q.questionId === 'db')
          .map((q) => [q.id, q.answer, q.answeredAt]);
      same(
        await answers(),
        [
          [ids[0], 'SQLite', 9],
          [again, '3.45', 11],
        ],
        'the answer went to the pending db only',
      );
      // With none pending, answering again replaces the latest answer only.
      await ctx.store.answerQuestions(sessionId, [{ questionId: 'db', answer: '3.46', answeredAt: 12 }]);
      same(
        await answers(),
        [
          [ids[0], 'SQLite', 9],
          [again, '3.46', 12],
        ],
        'answering again changed the latest db only',
      );
      // Questions created in one second keep the order they were created in.
      const tied = await ctx.store.createQuestions(sessionId, [
        { questionId: 'tie-c', question: 'c', createdAt: 12 },
        { questionId: 'tie-a', question: 'a', createdAt: 12 },
        { questionId: 'tie-b', question: 'b', createdAt: 12 },
      ]);
      same(
        (await ctx.store.getQuestions(sessionId)).filter((q) => q.createdAt === 12).map((q) => q.id),
        tied,
        'questions with tied createdAt, in insertion order',
      );
      same(
        (await ctx.store.getPendingQuestions(sessionId)).filter((q) => q.createdAt === 12).map((q) => q.id),
        tied,
        'pending questions with tied createdAt, in insertion order',
      );
      // Two pending questions with one id (asked twice before an answer) take the one answer.
      const twins = await ctx.store.createQuestions(sessionId, [
        { questionId: 'twin', question: 'Ready?', createdAt: 13 },
        { questionId: 'twin', question: 'Ready?', createdAt: 13 },
      ]);
      await ctx.store.answerQuestions(sessionId, [{ questionId: 'twin', answer: 'yes', answeredAt: 14 }]);
      same(
        (await ctx.store.getQuestions(sessionId))
          .filter((q) => q.questionId === 'twin')
          .map((q) => [q.id, q.answer]),
        [
          [twins[0], 'yes'],
          [twins[1], 'yes'],
        ],
        'both pending twins answered',
      );
      await writesNothing(
        ctx,
        'a questionId twice in one answer call',
        () =>
          rejects(
            () =>
              ctx.store.answerQuestions(sessionId, [
                { questionId: 'name', answer: 'a' },
                { questionId: 'name', answer: 'b' },
              ]),
            'INVALID_INPUT',
            'the same questionId twice in one call',
            { field: 'answers[1].questionId' },
          ),
        visible,
      );
      await writesNothing(
        ctx,
        "another session's tool call",
        () =>
          rejects(
            () =>
              ctx.store.createQuestions(sessionId, [
                { questionId: 'x', question: 'q', toolCallId: foreignCall },
              ]),
            'NOT_FOUND',
            "another session's tool call",
          ),
        visible,
      );
      await rejects(
        () => ctx.store.createQuestions('999999999', [{ questionId: 'x', question: 'q' }]),
        'NOT_FOUND',
        'an unknown session',
      );
      await rejects(
        () => ctx.store.createQuestions(sessionId, [{ questionId: '', question: 'q' }]),
        'INVALID_INPUT',
        'an empty questionId',
        { field: 'questions[0].questionId' },
      );
      await rejects(
        () => ctx.store.answerQuestions(sessionId, [{ questionId: 'db', answer: 'a\u0000b' }]),
        'INVALID_INPUT',
        'an answer with U+0000',
        { field: 'answers[0].answer' },
      );
      same(await ctx.store.getQuestions('999999999'), [], 'questions of an unknown session');
    },
  },
  {
    id: 'settings.values',
    title:
      'Settings are stored per session, listed in order, pending while their value is null; a settingKey may repeat; a value goes to the pending settings with its key, else replaces the latest value; all or nothing',
    needs: ['settings'],
    async run(ctx) {
      const sessionId = await aSession(ctx);
      const other = await aSession(ctx);
      const ids = await ctx.store.createSettings(sessionId, [
        {
          settingKey: 'db_path',
          settingName: 'Database path',
          description: 'where',
          settingType: 'path',
          createdAt: 5,
        },
        { settingKey: 'api_key', settingName: 'API key', settingValue: 'preset', createdAt: 5 },
        { settingKey: 'region', settingName: 'Region', createdAt: 1 },
      ]);
      const all = await ctx.store.getSettings(sessionId);
      same(
        all.map((s) => s.settingKey),
        ['region', 'db_path', 'api_key'],
        'settings in createdAt order, ties by insertion',
      );
      same(
        all[1],
        {
          id: ids[0],
          sessionId,
          toolCallId: null,
          settingKey: 'db_path',
          settingName: 'Database path',
          description: 'where',
          settingType: 'path',
          settingValue: null,
          createdAt: 5,
          updatedAt: null,
        },
        'a whole setting',
      );
      same(
        (await ctx.store.getPendingSettings(sessionId)).map((s) => s.settingKey),
        ['region', 'db_path'],
        'pending settings',
      );
      await ctx.store.setSettingValues(sessionId, [
        { settingKey: 'db_path', value: '/data/app.db', updatedAt: 8 },
        { settingKey: 'region', value: '' },
      ]);
      same(
        (await ctx.store.getPendingSettings(sessionId)).map((s) => s.settingKey),
        [],
        'nothing pending (an empty value is a value)',
      );
      same(
        (await ctx.store.getSettings(sessionId)).map((s) => [s.settingKey, s.settingValue, s.updatedAt]),
        [
          ['region', '', T0],
          ['db_path', '/data/app.db', 8],
          ['api_key', 'preset', null],
        ],
        'values and times',
      );
      const visible = async () => [
        await ctx.store.getSettings(sessionId),
        await ctx.store.getSettings(other),
      ];
      await writesNothing(
        ctx,
        'values with an unknown key',
        () =>
          rejects(
            () =>
              ctx.store.setSettingValues(sessionId, [
                { settingKey: 'api_key', value: 'x' },
                { settingKey: 'nope', value: 'y' },
              ]),
            'NOT_FOUND',
            'a value for an unknown setting',
          ),
        visible,
      );
      // The agent asks for `region` again: a new, pending row; its value does not touch the first.
      const [again] = await ctx.store.createSettings(sessionId, [
        { settingKey: 'region', settingName: 'Region (again)', createdAt: 9 },
      ]);
      same(
        (await ctx.store.getPendingSettings(sessionId)).map((s) => s.id),
        [again],
        'a repeated settingKey is a new, pending setting',
      );
      await ctx.store.setSettingValues(sessionId, [{ settingKey: 'region', value: 'eu', updatedAt: 10 }]);
      const regions = async () =>
        (await ctx.store.getSettings(sessionId))
          .filter((x) => x.settingKey === 'region')
          .map((x) => [x.settingValue, x.updatedAt]);
      same(
        await regions(),
        [
          ['', T0],
          ['eu', 10],
        ],
        'the value went to the pending region only',
      );
      await ctx.store.setSettingValues(sessionId, [{ settingKey: 'region', value: 'us', updatedAt: 11 }]);
      same(
        await regions(),
        [
          ['', T0],
          ['us', 11],
        ],
        'setting again changed the latest region only',
      );
      same(
        (
          await ctx.store.createSettings(other, [
            { settingKey: 'a', settingName: 'A' },
            { settingKey: 'a', settingName: 'B' },
          ])
        ).length,
        2,
        'the same settingKey twice in one call: two settings',
      );
      await writesNothing(
        ctx,
        'a settingKey twice in one values call',
        () =>
          rejects(
            () =>
              ctx.store.setSettingValues(sessionId, [
                { settingKey: 'api_key', value: 'x' },
                { settingKey: 'api_key', value: 'y' },
              ]),
            'INVALID_INPUT',
            'the same settingKey twice in one call',
            { field: 'values[1].settingKey' },
          ),
        visible,
      );
      await rejects(
        () => ctx.store.setSettingValues('999999999', [{ settingKey: 'x', value: 'y' }]),
        'NOT_FOUND',
        'an unknown session',
      );
      same(await ctx.store.createSettings(other, []), [], 'no settings');
    },
  },
  {
    id: 'concurrency.one-store',
    title:
      'Calls issued concurrently on one store, batches and transactions among them, all complete as if run one after another',
    needs: ['batch'],
    async run(ctx) {
      const sessionId = await aSession(ctx);
      const results = await Promise.allSettled([
        ctx.store.appendBatch({
          messages: [
            newMessage(sessionId, { content: 'b1', createdAt: 1 }),
            newMessage(sessionId, { content: 'b2', createdAt: 1 }),
          ],
        }),
        ctx.store.createMessage(newMessage(sessionId, { content: 'single', createdAt: 2 })),
        ctx.store.appendBatch({ toolCalls: [newToolCall(sessionId, { toolCallId: 'c1', createdAt: 3 })] }),
        ctx.store.getMessages(sessionId),
        ctx.store.createToolCall(newToolCall(sessionId, { toolCallId: 'c2', createdAt: 4 })),
        ctx.store.updateSession(sessionId, { result: 'r' }),
      ]);
      const failures = results.flatMap((r, i) =>
        r.status === 'rejected'
          ? [`call #${i + 1}: ${String((r.reason as Error)?.message ?? r.reason)}`]
          : [],
      );
      same(failures, [], 'concurrent calls that failed');
      same(
        (await ctx.store.getMessages(sessionId)).map((m) => m.content),
        ['b1', 'b2', 'single'],
        'messages afterwards',
      );
      same(
        (await ctx.store.getToolCalls(sessionId)).map((c) => c.toolCallId),
        ['c1', 'c2'],
        'tool calls afterwards',
      );
      same((await ctx.store.getSession(sessionId))?.result, 'r', 'the session afterwards');
    },
  },
  {
    id: 'idempotency.concurrent-batch',
    title: 'The same keyed batch appended twice at once gives both callers the same ids and stores one copy',
    needs: ['batch', 'idempotency'],
    async run(ctx) {
      const sessionId = await aSession(ctx);
      for (let round = 0; round < 5; round++) {
        const batch = {
          messages: [
            newMessage(sessionId, { clientKey: `r${round}-m`, content: `turn ${round}`, createdAt: round }),
          ],
          toolCalls: [
            {
              ...newToolCall(sessionId, { toolCallId: 'call_0', clientKey: `r${round}-c`, createdAt: round }),
              messageIndex: 0,
            },
          ],
        };
        const [a, b] = await Promise.allSettled([ctx.store.appendBatch(batch), ctx.store.appendBatch(batch)]);
        const values = [a, b].map((r) =>
          r.status === 'fulfilled'
            ? r.value
            : `rejected: ${String((r.reason as Error)?.message ?? r.reason)}`,
        );
        same(values[1], values[0], `round ${round}: both callers' results`);
      }
      same((await ctx.store.getMessages(sessionId)).length, 5, 'one message per round');
      same((await ctx.store.getToolCalls(sessionId)).length, 5, 'one tool call per round');
    },
  },
];
