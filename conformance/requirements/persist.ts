import { same } from '../expect.js';
import { aSession, newMessage, newToolCall } from '../fixtures.js';
import type { Requirement } from '../types.js';

export const persistRequirements: Requirement[] = [
  {
    id: 'persist.reopen',
    title: 'A persistent store returns everything acknowledged before close() after it is reopened',
    needs: ['persistent', 'reopen'],
    async run(ctx) {
      const sessionId = await aSession(ctx, { config: { k: [-0, 'v'] } });
      const messageId = await ctx.store.createMessage(newMessage(sessionId));
      const callId = await ctx.store.createToolCall(newToolCall(sessionId, { messageId }));
      await ctx.store.updateToolCall(callId, { status: 'completed', response: { ok: true } });
      await ctx.store.updateSession(sessionId, { status: 'completed', result: 'r' });
      const before = [
        await ctx.store.getSession(sessionId),
        await ctx.store.getMessages(sessionId),
        await ctx.store.getToolCalls(sessionId),
      ];
      await ctx.store.close();
      const reopened = await ctx.reopen();
      same(
        [
          await reopened.getSession(sessionId),
          await reopened.getMessages(sessionId),
          await reopened.getToolCalls(sessionId),
        ],
        before,
        'after reopening',
      );
    },
  },
];
