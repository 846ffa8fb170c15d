import type { JsonValue } from '../../src/contract/types.js';
import { check, same } from '../expect.js';
import { newMessage, newSession, newToolCall } from '../fixtures.js';
import type { Requirement } from '../types.js';

export const copyRequirements: Requirement[] = [
  {
    id: 'copies.returned',
    title: 'Returned objects are copies: mutating them (nested JSON included) never changes what is stored',
    async run(ctx) {
      const config = { nested: { list: [1, 2] } };
      const sessionId = await ctx.store.createSession(newSession({ config }));
      await ctx.store.createMessage(newMessage(sessionId));
      await ctx.store.createToolCall(
        newToolCall(sessionId, { request: { a: [1] }, response: { b: { c: 1 } } }),
      );
      const s1 = await ctx.store.getSession(sessionId);
      const m1 = await ctx.store.getMessages(sessionId);
      const t1 = await ctx.store.getToolCalls(sessionId);
      const p1 = await ctx.store.getPendingToolCalls(sessionId);
      const snapshot = JSON.stringify([s1, m1, t1, p1]);
      if (s1) {
        s1.status = 'failed';
        ((s1.config as { nested: { list: number[] } }).nested.list as number[]).push(3);
      }
      (m1[0] as { content: string }).content = 'changed';
      m1.push(m1[0] as never);
      const call = t1[0] as unknown as { request: { a: number[] }; response: { b: { c: number } } };
      call.request.a.push(2);
      call.response.b.c = 99;
      (p1[0] as { toolName: string }).toolName = 'changed';
      const again = JSON.stringify([
        await ctx.store.getSession(sessionId),
        await ctx.store.getMessages(sessionId),
        await ctx.store.getToolCalls(sessionId),
        await ctx.store.getPendingToolCalls(sessionId),
      ]);
      same(again, snapshot, 'reads after mutating earlier results');
      const first = await ctx.store.getSession(sessionId);
      const second = await ctx.store.getSession(sessionId);
      check(
        first !== second && first?.config !== second?.config,
        'two reads must not return the same objects',
      );
    },
  },
  {
    id: 'copies.input',
    title: 'Mutating an input object after the call never changes what is stored',
    async run(ctx) {
      const config: { list: JsonValue[] } = { list: [1] };
      const input = newSession({ config });
      const sessionId = await ctx.store.createSession(input);
      config.list.push(2);
      input.agentName = 'changed';
      const request: { a: JsonValue[] } = { a: [1] };
      const call = newToolCall(sessionId, { request });
      const callId = await ctx.store.createToolCall(call);
      request.a.push(2);
      const response: { r: JsonValue[] } = { r: [1] };
      await ctx.store.updateToolCall(callId, { response });
      response.r.push(2);
      const s = await ctx.store.getSession(sessionId);
      same([s?.agentName, s?.config], ['sqlite-reader', { list: [1] }], 'session after mutating its input');
      const c = (await ctx.store.getToolCalls(sessionId))[0];
      same([c?.request, c?.response], [{ a: [1] }, { r: [1] }], 'tool call after mutating its inputs');
    },
  },
];
