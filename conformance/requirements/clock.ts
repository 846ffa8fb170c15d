import { same } from '../expect.js';
import { aSession, newMessage, newToolCall, T0 } from '../fixtures.js';
import type { Requirement } from '../types.js';

export const clockRequirements: Requirement[] = [
  {
    id: 'clock.defaults',
    title:
      "Omitted startedAt and createdAt come from the storage's clock at the time of the call; given values win",
    async run(ctx) {
      ctx.clock.now = T0 + 100;
      const sessionId = await aSession(ctx);
      ctx.clock.now = T0 + 200;
      await ctx.store.createMessage(newMessage(sessionId));
      ctx.clock.now = T0 + 300;
      await ctx.store.createToolCall(newToolCall(sessionId));
      await ctx.store.createMessage(newMessage(sessionId, { createdAt: 5 }));
      same((await ctx.store.getSession(sessionId))?.startedAt, T0 + 100, 'startedAt');
      same(
        (await ctx.store.getMessages(sessionId)).map((m) => m.createdAt),
        [5, T0 + 200],
        'message createdAt',
      );
      same(
        (await ctx.store.getToolCalls(sessionId)).map((c) => c.createdAt),
        [T0 + 300],
        'tool call createdAt',
      );
    },
  },
];
