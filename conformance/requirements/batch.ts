import { rejects, same } from '../expect.js';
import { aSession, newMessage, newToolCall, T0, writesNothing } from '../fixtures.js';
import type { Requirement } from '../types.js';

export const batchRequirements: Requirement[] = [
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
        'one message with a fractional createdAt',
        () =>
          rejects(
            () =>
              ctx.store.appendBatch({
                messages: [good, newMessage(sessionId, { createdAt: 1.5 })],
              }),
            'INVALID_INPUT',
            'a batch with messages[1].createdAt 1.5',
            { field: 'messages[1].createdAt' },
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
];
