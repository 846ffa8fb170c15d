import { fail, rejects } from '../expect.js';
import { aSession, newMessage, newSession, newToolCall } from '../fixtures.js';
import type { Requirement } from '../types.js';

export const closeRequirements: Requirement[] = [
  {
    id: 'close.rejects',
    title: 'After close(), every call rejects with CLOSED; close() again resolves',
    async run(ctx) {
      const sessionId = await aSession(ctx);
      const callId = await ctx.store.createToolCall(newToolCall(sessionId));
      await ctx.store.close();
      await ctx.store.close();
      const s = ctx.store;
      const calls: [string, () => Promise<unknown>][] = [
        ['createSession', () => s.createSession(newSession())],
        ['getSession', () => s.getSession(sessionId)],
        ['updateSession', () => s.updateSession(sessionId, { status: 'failed' })],
        ['createMessage', () => s.createMessage(newMessage(sessionId))],
        ['getMessages', () => s.getMessages(sessionId)],
        ['createToolCall', () => s.createToolCall(newToolCall(sessionId))],
        ['updateToolCall', () => s.updateToolCall(callId, { status: 'failed' })],
        ['getToolCalls', () => s.getToolCalls(sessionId)],
        ['getPendingToolCalls', () => s.getPendingToolCalls(sessionId)],
        // The optional operations too, declared or not: a closed store serves nothing.
        ['listSessions', () => s.listSessions()],
        ['deleteSession', () => s.deleteSession(sessionId)],
        ['deleteSessions', () => s.deleteSessions({ status: 'failed' })],
        ['getMessagesPage', () => s.getMessagesPage(sessionId)],
        ['getToolCallsPage', () => s.getToolCallsPage(sessionId)],
        ['countMessages', () => s.countMessages(sessionId)],
        ['countToolCalls', () => s.countToolCalls(sessionId)],
        ['appendBatch', () => s.appendBatch({ messages: [newMessage(sessionId)] })],
        ['createQuestions', () => s.createQuestions(sessionId, [{ questionId: 'q', question: 'q?' }])],
        ['getQuestions', () => s.getQuestions(sessionId)],
        ['getPendingQuestions', () => s.getPendingQuestions(sessionId)],
        ['answerQuestions', () => s.answerQuestions(sessionId, [{ questionId: 'q', answer: 'a' }])],
        ['createSettings', () => s.createSettings(sessionId, [{ settingKey: 'k', settingName: 'K' }])],
        ['getSettings', () => s.getSettings(sessionId)],
        ['getPendingSettings', () => s.getPendingSettings(sessionId)],
        ['setSettingValues', () => s.setSettingValues(sessionId, [{ settingKey: 'k', value: 'v' }])],
      ];
      for (const [name, call] of calls) await rejects(call, 'CLOSED', `${name} after close()`);
    },
  },
  {
    id: 'close.in-flight',
    title:
      'Calls made before close() settle as if it came after them, those of several steps too (a keyed retry, a conflicting conditional update, a bulk delete): writes in flight resolve and are stored, reads answer, and close() resolves once they have, when called a second time too',
    async run(ctx) {
      const s = ctx.store;
      const can = s.capabilities;
      const sessionId = await aSession(ctx);
      await aSession(ctx, { agentName: 'close-in-flight' }); // for the bulk delete
      const keyed = can.idempotency ? await s.createMessage(newMessage(sessionId, { clientKey: 'k' })) : null;
      // Not awaited: all of them are under way, or queued, when close() is called.
      const writes = Array.from({ length: 20 }, (_, i) =>
        s.createMessage(newMessage(sessionId, { content: `in flight ${i}` })),
      );
      const read = s.getSession(sessionId);
      // Calls of several steps, each of which reaches the store again after its first answer.
      const steps: [string, Promise<unknown>, (outcome: PromiseSettledResult<unknown>) => boolean][] = [];
      if (keyed !== null)
        steps.push([
          'a keyed retry of createMessage',
          s.createMessage(newMessage(sessionId, { clientKey: 'k' })),
          (o) => o.status === 'fulfilled' && o.value === keyed,
        ]);
      if (can.conditionalUpdate)
        steps.push([
          'an updateSession whose expectedStatus does not hold',
          s.updateSession(sessionId, { status: 'failed' }, { expectedStatus: 'completed' }),
          (o) => o.status === 'rejected' && (o.reason as { code?: unknown }).code === 'CONFLICT',
        ]);
      if (can.deleteSession && can.listSessions)
        steps.push([
          'a deleteSessions of one session',
          s.deleteSessions({ agentName: 'close-in-flight' }),
          (o) => o.status === 'fulfilled' && o.value === 1,
        ]);
      const calls = [...writes, read, ...steps.map(([, call]) => call)];
      let pending = calls.length;
      for (const call of calls) {
        const settle = () => {
          pending--;
        };
        void call.then(settle, settle);
      }
      const closing = s.close();
      let closed = false;
      const mark = () => {
        closed = true;
        if (pending > 0) fail(`close() resolved while ${pending} call(s) made before it had not settled`);
      };
      const closedInTime = closing.then(mark);
      // A second caller (another shutdown hook) is owed the same wait: not before the first.
      await s.close();
      if (!closed)
        fail('a second close() resolved before the first, which waits for the calls made before it');
      await closedInTime;
      const settled = await Promise.allSettled([...writes, read]);
      const failed = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (failed) fail(`a call made before close() failed: ${String(failed.reason)}`);
      if ((await read)?.id !== sessionId) fail('a getSession made before close() did not find the session');
      for (const [what, call, expected] of steps) {
        const [outcome] = await Promise.allSettled([call]);
        if (!expected(outcome as PromiseSettledResult<unknown>))
          fail(
            `${what}, made before close(), did not settle as it would have before it: ${outcome?.status === 'rejected' ? String(outcome.reason) : JSON.stringify(outcome?.value)}`,
          );
      }
      if (!s.capabilities.persistent || !ctx.target.reopen) return;
      const again = await ctx.reopen();
      const stored = (await again.getMessages(sessionId)).map((m) => m.content);
      const missing = Array.from({ length: 20 }, (_, i) => `in flight ${i}`).filter(
        (c) => !stored.includes(c),
      );
      if (missing.length > 0)
        fail(
          `${missing.length} of 20 messages acknowledged while close() ran are not stored after reopening`,
        );
    },
  },
];
