import { rejects, same } from '../expect.js';
import { aSession, newMessage, newToolCall } from '../fixtures.js';
import type { Requirement } from '../types.js';

export const deleteRequirements: Requirement[] = [
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
        if (ctx.store.capabilities.questions)
          await ctx.store.createQuestions(id, [{ questionId: 'q', question: 'Which?', toolCallId: c }]);
        if (ctx.store.capabilities.settings)
          await ctx.store.createSettings(id, [{ settingKey: 'k', settingName: 'K', toolCallId: c }]);
      }
      const snapshot = async (id: string) => [
        await ctx.store.getSession(id),
        await ctx.store.getMessages(id),
        await ctx.store.getToolCalls(id),
        ctx.store.capabilities.questions ? await ctx.store.getQuestions(id) : [],
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
];
