import type { ToolCallStatus } from '../../src/contract/types.js';
import { check, rejects, same } from '../expect.js';
import { aSession, newMessage, newToolCall, T0, writesNothing } from '../fixtures.js';
import type { Requirement } from '../types.js';

export const toolCallRequirements: Requirement[] = [
  {
    id: 'toolcall.create-read',
    title: 'createToolCall returns a string id; getToolCalls returns the call with defaults applied',
    async run(ctx) {
      const sessionId = await aSession(ctx);
      const id = await ctx.store.createToolCall(newToolCall(sessionId));
      check(
        typeof id === 'string' && id.length > 0,
        `createToolCall must return a non-empty string id, got ${String(id)}`,
      );
      const messageId = await ctx.store.createMessage(
        newMessage(sessionId, { role: 'assistant', content: '' }),
      );
      const full = {
        messageId,
        toolCallId: 'toolu_01',
        toolName: 'list_files',
        request: { pattern: '**/*.rs', path: null },
        response: [{ file: 'a.rs' }],
        status: 'completed' as const,
        executionTimeMs: 0,
        createdAt: 7,
        completedAt: 8,
        errorDetails: 'warning',
      };
      const id2 = await ctx.store.createToolCall({ sessionId, ...full });
      same(
        await ctx.store.getToolCalls(sessionId),
        [
          { id: id2, sessionId, ...full, clientKey: null },
          {
            id,
            sessionId,
            messageId: null,
            toolCallId: 'call_1',
            toolName: 'sqlite_query',
            request: { sql: 'SELECT 1' },
            response: null,
            status: 'pending',
            executionTimeMs: null,
            createdAt: T0,
            completedAt: null,
            errorDetails: null,
            clientKey: null,
          },
        ],
        'getToolCalls',
      );
    },
  },
  {
    id: 'toolcall.unknown-parents',
    title:
      'createToolCall rejects with NOT_FOUND for an unknown session, or a messageId that is not a message of that session, and writes nothing',
    async run(ctx) {
      const sessionId = await aSession(ctx);
      const other = await aSession(ctx);
      const foreign = await ctx.store.createMessage(newMessage(other));
      const cases: [string, Parameters<typeof newToolCall>[1] & { sessionId?: string }][] = [
        ['unknown session', { sessionId: '999999999' }],
        ['malformed session', { sessionId: `0${sessionId}` }],
        ['unknown message', { messageId: '999999999' }],
        ['malformed message', { messageId: `0${foreign}` }],
        ["another session's message", { messageId: foreign }],
      ];
      for (const [what, overrides] of cases) {
        await writesNothing(
          ctx,
          `createToolCall with ${what}`,
          () =>
            rejects(
              () => ctx.store.createToolCall({ ...newToolCall(sessionId), ...overrides }),
              'NOT_FOUND',
              `createToolCall with ${what}`,
            ),
          async () => [await ctx.store.getToolCalls(sessionId), await ctx.store.getToolCalls(other)],
        );
      }
    },
  },
  {
    id: 'toolcall.update-mutable',
    title:
      'updateToolCall writes status, response, executionTimeMs, completedAt and errorDetails; omitted fields keep their value, null clears',
    async run(ctx) {
      const sessionId = await aSession(ctx);
      const id = await ctx.store.createToolCall(newToolCall(sessionId));
      const [before] = await ctx.store.getToolCalls(sessionId);
      await ctx.store.updateToolCall(id, { status: 'executing' });
      same(
        await ctx.store.getToolCalls(sessionId),
        [{ ...before, status: 'executing' }],
        'after status update',
      );
      await ctx.store.updateToolCall(id, {
        status: 'completed',
        response: { rows: [[1]] },
        executionTimeMs: 42,
        completedAt: T0 + 1,
      });
      const done = {
        ...before,
        status: 'completed',
        response: { rows: [[1]] },
        executionTimeMs: 42,
        completedAt: T0 + 1,
      };
      same(await ctx.store.getToolCalls(sessionId), [done], 'after completing');
      await ctx.store.updateToolCall(id, { errorDetails: 'late warning' });
      same(
        await ctx.store.getToolCalls(sessionId),
        [{ ...done, errorDetails: 'late warning' }],
        'after updating only errorDetails',
      );
      await ctx.store.updateToolCall(id, {
        response: null,
        executionTimeMs: null,
        completedAt: null,
        errorDetails: null,
      });
      same(
        await ctx.store.getToolCalls(sessionId),
        [{ ...before, status: 'completed' }],
        'after clearing with null',
      );
    },
  },
  {
    id: 'toolcall.update-immutable',
    title:
      'updateToolCall rejects every field but the five mutable ones with INVALID_INPUT naming it, and changes nothing',
    async run(ctx) {
      const sessionId = await aSession(ctx);
      const id = await ctx.store.createToolCall(newToolCall(sessionId));
      for (const [field, value] of Object.entries({
        sessionId,
        messageId: null,
        toolCallId: 'x',
        toolName: 'x',
        request: {},
        createdAt: 1,
        bogus: 1,
      })) {
        await writesNothing(
          ctx,
          `updateToolCall with ${field}`,
          () =>
            rejects(
              () => ctx.store.updateToolCall(id, { status: 'failed', [field]: value } as never),
              'INVALID_INPUT',
              `updateToolCall({ ${field} })`,
              { field },
            ),
          () => ctx.store.getToolCalls(sessionId),
        );
      }
      await rejects(() => ctx.store.updateToolCall(id, {}), 'INVALID_INPUT', 'updateToolCall(id, {})');
    },
  },
  {
    id: 'toolcall.update-unknown',
    title: 'updateToolCall of an unknown or malformed id rejects with NOT_FOUND and creates nothing',
    async run(ctx) {
      const sessionId = await aSession(ctx);
      const id = await ctx.store.createToolCall(newToolCall(sessionId));
      for (const other of ['999999999', 'nope', `0${id}`, '', sessionId]) {
        if (other === id) continue;
        await writesNothing(
          ctx,
          `updateToolCall(${JSON.stringify(other)})`,
          () =>
            rejects(
              () => ctx.store.updateToolCall(other, { status: 'failed' }),
              'NOT_FOUND',
              `updateToolCall(${JSON.stringify(other)})`,
            ),
          () => ctx.store.getToolCalls(sessionId),
        );
      }
    },
  },
  {
    id: 'toolcall.order',
    title: 'getToolCalls and getPendingToolCalls order by createdAt, ties in insertion order',
    async run(ctx) {
      const sessionId = await aSession(ctx);
      const times = [4, 1, 4, 1, 4, 0, 7, 1, 4, 4, 4, 1, 4, 4];
      const created: { name: string; createdAt: number; i: number }[] = [];
      for (const [i, t] of times.entries()) {
        await ctx.store.createToolCall(newToolCall(sessionId, { toolCallId: `c${i}`, createdAt: t }));
        created.push({ name: `c${i}`, createdAt: t, i });
      }
      const expected = created.sort((a, b) => a.createdAt - b.createdAt || a.i - b.i).map((c) => c.name);
      same(
        (await ctx.store.getToolCalls(sessionId)).map((c) => c.toolCallId),
        expected,
        'getToolCalls order',
      );
      same(
        (await ctx.store.getPendingToolCalls(sessionId)).map((c) => c.toolCallId),
        expected,
        'getPendingToolCalls order',
      );
    },
  },
  {
    id: 'toolcall.pending',
    title: 'getPendingToolCalls returns exactly the calls whose status is pending',
    async run(ctx) {
      const sessionId = await aSession(ctx);
      const other = await aSession(ctx);
      const statuses: ToolCallStatus[] = ['pending', 'executing', 'completed', 'failed', 'pending'];
      const ids: string[] = [];
      for (const [i, status] of statuses.entries()) {
        ids.push(await ctx.store.createToolCall(newToolCall(sessionId, { toolCallId: `c${i}`, status })));
      }
      await ctx.store.createToolCall(newToolCall(other, { toolCallId: 'elsewhere' }));
      same(
        (await ctx.store.getPendingToolCalls(sessionId)).map((c) => c.toolCallId),
        ['c0', 'c4'],
        'pending calls',
      );
      await ctx.store.updateToolCall(ids[0] as string, { status: 'executing' });
      await ctx.store.updateToolCall(ids[2] as string, { status: 'pending' });
      same(
        (await ctx.store.getPendingToolCalls(sessionId)).map((c) => c.toolCallId),
        ['c2', 'c4'],
        'pending calls after updates',
      );
      same(
        (await ctx.store.getPendingToolCalls(sessionId)).every((c) => c.status === 'pending'),
        true,
        'every pending call has status pending',
      );
    },
  },
  {
    id: 'toolcall.get-unknown',
    title: 'getToolCalls and getPendingToolCalls of an unknown session return []',
    async run(ctx) {
      const sessionId = await aSession(ctx);
      await ctx.store.createToolCall(newToolCall(sessionId));
      for (const other of ['999999999', 'nope', '', `0${sessionId}`]) {
        same(await ctx.store.getToolCalls(other), [], `getToolCalls(${JSON.stringify(other)})`);
        same(await ctx.store.getPendingToolCalls(other), [], `getPendingToolCalls(${JSON.stringify(other)})`);
      }
    },
  },
];
