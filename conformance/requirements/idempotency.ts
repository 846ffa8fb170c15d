import type { NewToolCall } from '../../src/contract/types.js';
import { check, rejects, same } from '../expect.js';
import { aSession, newMessage, newToolCall, T0, writesNothing } from '../fixtures.js';
import type { Requirement } from '../types.js';
import { KEY, LOOK_ALIKES } from './look-alikes.js';

export const idempotencyRequirements: Requirement[] = [
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
      'A tool call repeated with the same clientKey in its session returns the first id (even after updates) when messageId, toolCallId, toolName and request match exactly (not by case, spaces, normalisation form or a LIKE wildcard); otherwise CONFLICT; a repeated toolCallId without a key is a new call',
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
      // The retry compares toolCallId and toolName exactly, as keys are compared.
      const named = newToolCall(other, { toolCallId: KEY, toolName: KEY, clientKey: 'look-alike retries' });
      await ctx.store.createToolCall(named);
      for (const field of ['toolCallId', 'toolName'] as const)
        for (const [label, value] of LOOK_ALIKES)
          await rejects(
            () => ctx.store.createToolCall({ ...named, [field]: value }),
            'CONFLICT',
            `same clientKey, a ${field} that differs from ${JSON.stringify(KEY)} by ${label}`,
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
