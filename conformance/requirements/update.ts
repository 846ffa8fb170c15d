import { rejects, same } from '../expect.js';
import { aSession, writesNothing } from '../fixtures.js';
import type { Requirement } from '../types.js';

export const updateRequirements: Requirement[] = [
  {
    id: 'update.conditional',
    title:
      'updateSession with expectedStatus updates only from that status, else CONFLICT with nothing changed; unknown ids stay NOT_FOUND',
    needs: ['conditionalUpdate'],
    async run(ctx) {
      const id = await aSession(ctx);
      await ctx.store.updateSession(id, { status: 'completed', result: 'r' }, { expectedStatus: 'running' });
      const done = await ctx.store.getSession(id);
      same([done?.status, done?.result], ['completed', 'r'], 'after the first worker finished it');
      await writesNothing(
        ctx,
        'a second worker',
        () =>
          rejects(
            () =>
              ctx.store.updateSession(id, { status: 'failed', error: 'late' }, { expectedStatus: 'running' }),
            'CONFLICT',
            'finishing a completed session again',
          ),
        () => ctx.store.getSession(id),
      );
      await ctx.store.updateSession(id, { status: 'running' }, { expectedStatus: ['failed', 'completed'] });
      same((await ctx.store.getSession(id))?.status, 'running', 'expectedStatus as a list');
      await rejects(
        () => ctx.store.updateSession('999999999', { status: 'failed' }, { expectedStatus: 'running' }),
        'NOT_FOUND',
        'an unknown id',
      );
      for (const bad of ['paused', [], 5]) {
        await rejects(
          () => ctx.store.updateSession(id, { status: 'failed' }, { expectedStatus: bad as never }),
          'INVALID_INPUT',
          `expectedStatus ${JSON.stringify(bad)}`,
          { field: 'expectedStatus' },
        );
      }
      await rejects(
        () => ctx.store.updateSession(id, { status: 'failed' }, { bogus: 1 } as never),
        'INVALID_INPUT',
        'an unknown option',
        { field: 'bogus' },
      );
    },
  },
];
