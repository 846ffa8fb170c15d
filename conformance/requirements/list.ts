import type { AgentStorage } from '../../src/contract/storage.js';
import { PAGE_LIMIT, type SessionStatus } from '../../src/contract/types.js';
import { check, rejects, same } from '../expect.js';
import { newSession } from '../fixtures.js';
import type { Requirement, RequirementContext } from '../types.js';
import { allPages } from './all-pages.js';
import { KEY, LOOK_ALIKES } from './look-alikes.js';

async function sessionsAt(
  ctx: RequirementContext,
  spec: [number, Partial<Parameters<typeof newSession>[0]>][],
): Promise<string[]> {
  const ids: string[] = [];
  for (const [startedAt, overrides] of spec)
    ids.push(await ctx.store.createSession(newSession({ startedAt, ...overrides })));
  return ids;
}

export const listRequirements: Requirement[] = [
  {
    id: 'list.order-filter',
    title:
      'listSessions returns sessions newest first (ties by id, newest first) and applies every filter, combined with AND',
    needs: ['listSessions'],
    async run(ctx) {
      const ids = await sessionsAt(ctx, [
        [10, { agentName: 'a', provider: 'p1', model: 'm1' }],
        [30, { agentName: 'b', provider: 'p1', model: 'm2', status: 'completed' }],
        [20, { agentName: 'a', provider: 'p2', model: 'm1', status: 'failed' }],
        [30, { agentName: 'a', provider: 'p1', model: 'm1', status: 'completed' }],
        [-5, { agentName: 'b', provider: 'p2', model: 'm2', status: 'waiting_for_user_input' }],
      ]);
      const [s10, s30a, s20, s30b, sNeg] = ids as [string, string, string, string, string];
      const list = async (q: Parameters<AgentStorage['listSessions']>[0]) =>
        (await ctx.store.listSessions(q)).items.map((s) => s.id);
      same(await list({}), [s30b, s30a, s20, s10, sNeg], 'all sessions, newest first, ties by id descending');
      same(await list(undefined), [s30b, s30a, s20, s10, sNeg], 'no query at all');
      same(await list({ status: 'completed' }), [s30b, s30a], 'status completed');
      same(
        await list({ status: ['failed', 'waiting_for_user_input'] as SessionStatus[] }),
        [s20, sNeg],
        'status failed or waiting',
      );
      same(await list({ agentName: 'a' }), [s30b, s20, s10], 'agentName a');
      same(await list({ provider: 'p2', model: 'm2' }), [sNeg], 'provider p2 and model m2');
      same(await list({ startedFrom: 10, startedBefore: 30 }), [s20, s10], 'startedAt in [10, 30)');
      same(await list({ agentName: 'a', status: 'completed', startedFrom: 30 }), [s30b], 'combined filters');
      same(await list({ agentName: 'nobody' }), [], 'no match');
      const page = await ctx.store.listSessions({ status: 'running' });
      same(
        [page.items.map((s) => s.id), page.nextCursor],
        [[s10], null],
        'a short last page has no nextCursor',
      );
      same(page.items[0], await ctx.store.getSession(s10), 'listed sessions are whole sessions');
    },
  },
  {
    id: 'list.paging',
    title:
      'listSessions pages by cursor: every session exactly once in order, cursors stay valid while sessions are added, limits and cursors are checked',
    needs: ['listSessions'],
    async run(ctx) {
      const times = [5, 3, 5, 9, 1, 5, 7, 3, 5, 2, 8, 5, 5, 5];
      await sessionsAt(
        ctx,
        times.map((t) => [t, {}]),
      );
      const whole = (await ctx.store.listSessions({ limit: PAGE_LIMIT.max })).items.map((s) => s.id);
      same(whole.length, times.length, 'a page of limit max holds them all');
      for (const limit of [1, 2, 3, 4, 11, 12]) {
        const pages = await allPages(
          (cursor) => ctx.store.listSessions({ limit, ...(cursor ? { cursor } : {}) }),
          `limit ${limit}`,
        );
        check(
          pages.every((p) => p.length <= limit),
          `limit ${limit}: a page must not exceed the limit`,
        );
        same(
          pages.flat().map((s) => s.id),
          whole,
          `limit ${limit}: pages concatenated`,
        );
      }
      const first = await ctx.store.listSessions({ limit: 4 });
      // Sessions added after the first page: newer ones are behind the cursor, older ones ahead of it.
      await ctx.store.createSession(newSession({ startedAt: 100 }));
      const older = await ctx.store.createSession(newSession({ startedAt: 0 }));
      const rest = await allPages(
        (cursor) => ctx.store.listSessions({ limit: 3, cursor: cursor ?? (first.nextCursor as string) }),
        'after adding',
      );
      same(
        [...first.items.map((s) => s.id), ...rest.flat().map((s) => s.id)],
        [...whole, older],
        'pages after adding a newer and an older session',
      );
      const defaults = await ctx.store.listSessions();
      check(
        defaults.items.length === Math.min(PAGE_LIMIT.default, times.length + 2),
        'the default limit applies',
      );
      for (const limit of [0, -1, 1.5, PAGE_LIMIT.max + 1, '10']) {
        await rejects(
          () => ctx.store.listSessions({ limit: limit as number }),
          'INVALID_INPUT',
          `limit ${String(limit)}`,
          { field: 'limit' },
        );
      }
      for (const cursor of ['', 'nope', Buffer.from('[1]').toString('base64url'), 5]) {
        await rejects(
          () => ctx.store.listSessions({ cursor: cursor as string }),
          'INVALID_INPUT',
          `cursor ${String(cursor)}`,
          { field: 'cursor' },
        );
      }
      await rejects(
        () => ctx.store.listSessions({ status: 'paused' as SessionStatus }),
        'INVALID_INPUT',
        'status paused',
        { field: 'status' },
      );
      await rejects(() => ctx.store.listSessions({ startedFrom: 1.5 }), 'INVALID_INPUT', 'startedFrom 1.5', {
        field: 'startedFrom',
      });
      await rejects(() => ctx.store.listSessions({ bogus: 1 } as never), 'INVALID_INPUT', 'unknown filter', {
        field: 'bogus',
      });
    },
  },
  {
    id: 'list.filter-exact',
    title:
      'listSessions filters agentName, provider and model by exact equality: not case-insensitively, trimmed, normalised, or as a LIKE pattern',
    needs: ['listSessions'],
    async run(ctx) {
      for (const field of ['agentName', 'provider', 'model'] as const) {
        const others: string[] = [];
        for (const [, value] of LOOK_ALIKES)
          others.push(await ctx.store.createSession(newSession({ [field]: value })));
        const id = await ctx.store.createSession(newSession({ [field]: KEY }));
        same(
          (await ctx.store.listSessions({ [field]: KEY, limit: 1000 })).items.map((s) => s.id),
          [id],
          `listSessions({ ${field}: ${JSON.stringify(KEY)} })`,
        );
        same(
          (await ctx.store.listSessions({ [field]: 'CAFÉ_%K', limit: 1000 })).items.map((s) => s.id),
          [others[1]],
          `listSessions({ ${field}: "CAFÉ_%K" })`,
        );
      }
    },
  },
];
