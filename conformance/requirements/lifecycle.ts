import { ERROR_CODES } from '../../src/contract/errors.js';
import type { JsonValue } from '../../src/contract/types.js';
import { check, fail, rejects, same } from '../expect.js';
import { aSession, newMessage, newSession, newToolCall, T0 } from '../fixtures.js';
import type { InspectableTable, Requirement, RequirementContext } from '../types.js';

async function writeRaw(
  ctx: RequirementContext,
  table: InspectableTable,
  id: string,
  column: string,
  value: string | null,
): Promise<void> {
  const inspect = ctx.target.inspect;
  if (!inspect) fail('this requirement needs target.inspect');
  await inspect.writeRaw(ctx.store, table, id, column, value);
}

export const lifecycleRequirements: Requirement[] = [
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
    id: 'errors.async',
    title:
      'Every operation returns a promise and reports failure by rejecting it, never by throwing synchronously: for bad input, for an undeclared capability, and after close()',
    async run(ctx) {
      const s = ctx.store as unknown as Record<string, (...args: unknown[]) => unknown>;
      const bad = 42;
      const calls: [string, unknown[]][] = [
        ['createSession', [bad]],
        ['getSession', [bad]],
        ['updateSession', [bad, bad]],
        ['listSessions', [bad]],
        ['deleteSession', [bad]],
        ['createMessage', [bad]],
        ['getMessages', [bad]],
        ['getMessagesPage', [bad, bad]],
        ['countMessages', [bad]],
        ['appendBatch', [bad]],
        ['createToolCall', [bad]],
        ['updateToolCall', [bad, bad]],
        ['getToolCalls', [bad]],
        ['getPendingToolCalls', [bad]],
        ['getToolCallsPage', [bad, bad]],
        ['countToolCalls', [bad]],
        ['createQuestions', [bad, bad]],
        ['getQuestions', [bad]],
        ['getPendingQuestions', [bad]],
        ['answerQuestions', [bad, bad]],
        ['createSettings', [bad, bad]],
        ['getSettings', [bad]],
        ['getPendingSettings', [bad]],
        ['setSettingValues', [bad, bad]],
      ];
      const rejectsAsync = async (what: string, call: () => unknown) => {
        let result: unknown;
        try {
          result = call();
        } catch (e) {
          fail(
            `${what} threw synchronously (${e instanceof Error ? e.message : String(e)}): every operation must return a promise and reject it`,
          );
        }
        check(
          typeof (result as { then?: unknown })?.then === 'function',
          `${what} must return a promise, got ${typeof result}`,
        );
        const outcome = await (result as Promise<unknown>).then(
          () => 'resolved',
          (e: { name?: unknown }) =>
            e?.name === 'AgentStorageError' ? 'rejected' : `rejected with ${String(e)}`,
        );
        same(outcome, 'rejected', `${what}: how it failed`);
      };
      for (const [name, args] of calls)
        await rejectsAsync(`${name}(${args.join(', ')})`, () => s[name]?.(...args));
      await ctx.store.close();
      const sessionId = '1';
      for (const [name] of calls) {
        await rejectsAsync(`${name} after close()`, () => s[name]?.(sessionId, {}));
      }
    },
  },
  {
    id: 'errors.shape',
    title: 'Errors are AgentStorageErrors with a known code whose message names the adapter',
    async run(ctx) {
      let error: unknown;
      try {
        await ctx.store.updateSession('999999999', { status: 'failed' });
      } catch (e) {
        error = e;
      }
      const e = error as { name?: unknown; code?: unknown; message?: unknown; adapter?: unknown };
      check(e?.name === 'AgentStorageError', `expected an AgentStorageError, got ${String(error)}`);
      check((ERROR_CODES as readonly unknown[]).includes(e.code), `unknown error code ${String(e.code)}`);
      check(
        e.adapter === ctx.store.adapter,
        `error.adapter must be ${ctx.store.adapter}, got ${String(e.adapter)}`,
      );
      check(
        String(e.message).includes(ctx.store.adapter),
        `the message must name the adapter: ${String(e.message)}`,
      );
      await rejects(
        () => ctx.store.createMessage(newMessage(sessionIdThatIsNot)),
        'NOT_FOUND',
        'createMessage for no session',
        { adapter: ctx.store.adapter },
      );
      await rejects(
        () => ctx.store.createSession(newSession({ model: '' })),
        'INVALID_INPUT',
        'createSession with empty model',
        { adapter: ctx.store.adapter, field: 'model' },
      );
    },
  },
  {
    id: 'corrupt.enum',
    title:
      'A stored status or role the contract does not know reads as CORRUPT_DATA naming table, row and column, never remapped',
    needs: ['inspect'],
    async run(ctx) {
      const sessionId = await aSession(ctx);
      const messageId = await ctx.store.createMessage(newMessage(sessionId));
      const callId = await ctx.store.createToolCall(newToolCall(sessionId));
      await writeRaw(ctx, 'agent_sessions', sessionId, 'status', 'paused');
      await rejects(() => ctx.store.getSession(sessionId), 'CORRUPT_DATA', 'getSession with status paused', {
        field: 'status',
      });
      await expectNamed(() => ctx.store.getSession(sessionId), ['agent_sessions', sessionId, 'status']);
      await writeRaw(ctx, 'agent_messages', messageId, 'role', 'developer');
      await rejects(
        () => ctx.store.getMessages(sessionId),
        'CORRUPT_DATA',
        'getMessages with role developer',
        { field: 'role' },
      );
      await expectNamed(() => ctx.store.getMessages(sessionId), ['agent_messages', messageId, 'role']);
      await writeRaw(ctx, 'agent_tool_calls', callId, 'status', 'queued');
      await rejects(
        () => ctx.store.getToolCalls(sessionId),
        'CORRUPT_DATA',
        'getToolCalls with status queued',
        { field: 'status' },
      );
      await expectNamed(() => ctx.store.getToolCalls(sessionId), ['agent_tool_calls', callId, 'status']);
    },
  },
  {
    id: 'corrupt.json',
    title: 'Stored JSON that does not parse reads as CORRUPT_DATA naming table, row and column',
    needs: ['inspect'],
    async run(ctx) {
      const sessionId = await aSession(ctx);
      const callId = await ctx.store.createToolCall(newToolCall(sessionId));
      await writeRaw(ctx, 'agent_sessions', sessionId, 'config', '{"unterminated":');
      await rejects(() => ctx.store.getSession(sessionId), 'CORRUPT_DATA', 'getSession with broken config', {
        field: 'config',
      });
      await expectNamed(() => ctx.store.getSession(sessionId), ['agent_sessions', sessionId, 'config']);
      await writeRaw(ctx, 'agent_tool_calls', callId, 'request', 'not json');
      await rejects(
        () => ctx.store.getToolCalls(sessionId),
        'CORRUPT_DATA',
        'getToolCalls with broken request',
        { field: 'request' },
      );
      await rejects(
        () => ctx.store.getPendingToolCalls(sessionId),
        'CORRUPT_DATA',
        'getPendingToolCalls with broken request',
        { field: 'request' },
      );
      await expectNamed(() => ctx.store.getToolCalls(sessionId), ['agent_tool_calls', callId, 'request']);
    },
  },
  {
    id: 'corrupt.null-config',
    title: "A config stored as SQL NULL or as the text 'null' (both written by nocodo) reads as JSON null",
    needs: ['inspect'],
    async run(ctx) {
      const a = await aSession(ctx, { config: { x: 1 } });
      const b = await aSession(ctx, { config: { x: 1 } });
      await writeRaw(ctx, 'agent_sessions', a, 'config', null);
      await writeRaw(ctx, 'agent_sessions', b, 'config', 'null');
      same((await ctx.store.getSession(a))?.config, null, 'config stored as NULL');
      same((await ctx.store.getSession(b))?.config, null, "config stored as 'null'");
    },
  },
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

const sessionIdThatIsNot = '999999999';

/** The CORRUPT_DATA message must let an operator find the row: table, row id and column. */
async function expectNamed(action: () => Promise<unknown>, parts: string[]): Promise<void> {
  try {
    await action();
  } catch (e) {
    const message = String((e as Error).message);
    for (const part of parts)
      check(message.includes(part), `CORRUPT_DATA message must name ${part}: ${message}`);
    return;
  }
  fail('expected CORRUPT_DATA');
}
