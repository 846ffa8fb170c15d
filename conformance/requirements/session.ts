import { check, rejects, same } from '../expect.js';
import { aSession, newSession, T0, writesNothing } from '../fixtures.js';
import type { Requirement } from '../types.js';

export const sessionRequirements: Requirement[] = [
  {
    id: 'session.create-read',
    title: 'createSession returns a string id; getSession returns the session with defaults applied',
    async run(ctx) {
      const id = await ctx.store.createSession(newSession());
      check(
        typeof id === 'string' && id.length > 0,
        `createSession must return a non-empty string id, got ${String(id)}`,
      );
      same(
        await ctx.store.getSession(id),
        {
          id,
          agentName: 'sqlite-reader',
          provider: 'anthropic',
          model: 'claude-sonnet-4-5',
          systemPrompt: null,
          userPrompt: 'List all tables',
          config: null,
          status: 'running',
          startedAt: T0,
          endedAt: null,
          result: null,
          error: null,
        },
        'getSession after createSession with defaults',
      );
      const full = {
        agentName: 'settings',
        provider: 'openai',
        model: 'gpt-5',
        systemPrompt: 'You are careful.',
        userPrompt: '',
        config: { temperature: 0.2, tools: ['a', 'b'], nested: { deep: [1, { x: null }] } },
        status: 'completed' as const,
        startedAt: 12,
        endedAt: 34,
        result: 'done',
        error: 'none',
      };
      const id2 = await ctx.store.createSession(full);
      check(id2 !== id, 'two sessions must get distinct ids');
      same(
        await ctx.store.getSession(id2),
        { id: id2, ...full },
        'getSession after createSession with every field',
      );
    },
  },
  {
    id: 'session.get-unknown',
    title: 'getSession of an unknown or malformed id returns null',
    async run(ctx) {
      const id = await aSession(ctx);
      for (const other of [
        '999999999',
        'nope',
        '',
        '-1',
        `0${id}`,
        `${id}.0`,
        ` ${id}`,
        `${id} `,
        `${id}x`,
        '99999999999999999999999999',
      ]) {
        if (other === id) continue;
        same(await ctx.store.getSession(other), null, `getSession(${JSON.stringify(other)})`);
      }
    },
  },
  {
    id: 'session.update-mutable',
    title:
      'updateSession writes status, endedAt, result and error; omitted fields keep their value, null clears',
    async run(ctx) {
      const id = await aSession(ctx, { systemPrompt: 'sys', config: { a: 1 } });
      const before = await ctx.store.getSession(id);
      await ctx.store.updateSession(id, { status: 'completed', endedAt: T0 + 5, result: 'ok' });
      same(
        await ctx.store.getSession(id),
        { ...before, status: 'completed', endedAt: T0 + 5, result: 'ok' },
        'after the first update',
      );
      await ctx.store.updateSession(id, { error: 'boom' });
      same(
        await ctx.store.getSession(id),
        { ...before, status: 'completed', endedAt: T0 + 5, result: 'ok', error: 'boom' },
        'after updating only error',
      );
      await ctx.store.updateSession(id, { status: 'waiting_for_user_input', endedAt: null, result: null });
      same(
        await ctx.store.getSession(id),
        { ...before, status: 'waiting_for_user_input', error: 'boom' },
        'after clearing with null',
      );
    },
  },
  {
    id: 'session.update-immutable',
    title:
      'updateSession rejects every field but the four mutable ones with INVALID_INPUT naming it, and changes nothing',
    async run(ctx) {
      const id = await aSession(ctx);
      for (const [field, value] of Object.entries({
        agentName: 'x',
        provider: 'x',
        model: 'x',
        systemPrompt: 'x',
        userPrompt: 'x',
        config: { x: 1 },
        startedAt: 1,
        id: '1',
        bogus: 1,
      })) {
        await writesNothing(
          ctx,
          `updateSession with ${field}`,
          () =>
            rejects(
              () => ctx.store.updateSession(id, { status: 'failed', [field]: value } as never),
              'INVALID_INPUT',
              `updateSession({ ${field} })`,
              { field },
            ),
          () => ctx.store.getSession(id),
        );
      }
    },
  },
  {
    id: 'session.update-unknown',
    title: 'updateSession of an unknown or malformed id rejects with NOT_FOUND and creates nothing',
    async run(ctx) {
      const id = await aSession(ctx);
      for (const other of ['999999999', 'nope', `0${id}`, '']) {
        await writesNothing(
          ctx,
          `updateSession(${JSON.stringify(other)})`,
          () =>
            rejects(
              () => ctx.store.updateSession(other, { status: 'failed' }),
              'NOT_FOUND',
              `updateSession(${JSON.stringify(other)})`,
            ),
          async () => [await ctx.store.getSession(other), await ctx.store.getSession(id)],
        );
      }
    },
  },
  {
    id: 'session.update-empty',
    title: 'updateSession with no field to change rejects with INVALID_INPUT',
    async run(ctx) {
      const id = await aSession(ctx);
      await rejects(() => ctx.store.updateSession(id, {}), 'INVALID_INPUT', 'updateSession(id, {})');
    },
  },
];
