import { same } from '../expect.js';
import { aSession, newMessage, newToolCall } from '../fixtures.js';
import type { Requirement } from '../types.js';

export const concurrencyRequirements: Requirement[] = [
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
];
