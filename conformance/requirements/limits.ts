import { PAGE_LIMIT } from '../../src/contract/types.js';
import { rejects, same } from '../expect.js';
import { aSession, newMessage, newSession, newToolCall, T0 } from '../fixtures.js';
import type { Requirement, RequirementContext } from '../types.js';

/**
 * Every page limit checked at its size, not below it: the default (50) with more than 50
 * rows, the maximum (1000) with more than 1000, and the values just outside.
 */

const ROWS = PAGE_LIMIT.max + 1;

/** A page call with `limit` (or none) and its first-page size and cursor. */
async function pageShape(
  what: string,
  read: (limit?: number) => Promise<{ items: unknown[]; nextCursor: string | null }>,
): Promise<void> {
  const first = await read();
  same(
    [first.items.length, first.nextCursor !== null],
    [PAGE_LIMIT.default, true],
    `${what} without a limit`,
  );
  const max = await read(PAGE_LIMIT.max);
  same(
    [max.items.length, max.nextCursor !== null],
    [PAGE_LIMIT.max, true],
    `${what} with limit ${PAGE_LIMIT.max}`,
  );
  const one = await read(1);
  same(one.items.length, 1, `${what} with limit 1`);
  for (const bad of [0, PAGE_LIMIT.max + 1, -1, 2.5]) {
    await rejects(() => read(bad), 'INVALID_INPUT', `${what} with limit ${bad}`, { field: 'limit' });
  }
}

async function manySessions(ctx: RequirementContext): Promise<void> {
  for (let i = 0; i < ROWS; i++) await ctx.store.createSession(newSession({ startedAt: T0 + i }));
}

export const limitRequirements: Requirement[] = [
  {
    id: 'limits.list-sessions',
    title: `listSessions returns ${PAGE_LIMIT.default} sessions and a cursor when no limit is given, and at most ${PAGE_LIMIT.max} with one, checked with ${ROWS} sessions; limits outside 1..${PAGE_LIMIT.max} are INVALID_INPUT`,
    needs: ['listSessions'],
    async run(ctx) {
      await manySessions(ctx);
      await pageShape('listSessions', (limit) =>
        ctx.store.listSessions(limit === undefined ? {} : { limit }),
      );
      const all = await ctx.store.listSessions({ limit: PAGE_LIMIT.max });
      const rest = await ctx.store.listSessions({ limit: PAGE_LIMIT.max, cursor: all.nextCursor as string });
      same(
        [rest.items.length, rest.nextCursor],
        [ROWS - PAGE_LIMIT.max, null],
        'the page after the first thousand',
      );
    },
  },
  {
    id: 'limits.pages',
    title: `getMessagesPage and getToolCallsPage return ${PAGE_LIMIT.default} rows and a cursor when no limit is given, and at most ${PAGE_LIMIT.max} with one, checked with ${ROWS} rows; limits outside 1..${PAGE_LIMIT.max} are INVALID_INPUT`,
    needs: ['paging'],
    async run(ctx) {
      const sessionId = await aSession(ctx);
      if (ctx.store.capabilities.batch) {
        await ctx.store.appendBatch({
          messages: Array.from({ length: ROWS }, (_, i) => newMessage(sessionId, { content: `m${i}` })),
          toolCalls: Array.from({ length: ROWS }, (_, i) => newToolCall(sessionId, { toolCallId: `c${i}` })),
        });
      } else {
        for (let i = 0; i < ROWS; i++) {
          await ctx.store.createMessage(newMessage(sessionId, { content: `m${i}` }));
          await ctx.store.createToolCall(newToolCall(sessionId, { toolCallId: `c${i}` }));
        }
      }
      await pageShape('getMessagesPage', (limit) =>
        ctx.store.getMessagesPage(sessionId, limit === undefined ? {} : { limit }),
      );
      await pageShape('getToolCallsPage', (limit) =>
        ctx.store.getToolCallsPage(sessionId, limit === undefined ? {} : { limit }),
      );
    },
  },
  {
    id: 'limits.delete-sessions',
    title: `deleteSessions deletes ${PAGE_LIMIT.default} sessions when no limit is given, checked with ${PAGE_LIMIT.default + 1} matching; limits outside 1..${PAGE_LIMIT.max} are INVALID_INPUT and delete nothing`,
    needs: ['deleteSession', 'listSessions'],
    async run(ctx) {
      const s = ctx.store;
      for (let i = 0; i <= PAGE_LIMIT.default; i++)
        await s.createSession(newSession({ agentName: 'old', startedAt: T0 + i }));
      const left = async () =>
        (await s.listSessions({ agentName: 'old', limit: PAGE_LIMIT.max })).items.length;
      for (const bad of [0, PAGE_LIMIT.max + 1, -1, 2.5]) {
        await rejects(
          () => s.deleteSessions({ agentName: 'old', limit: bad }),
          'INVALID_INPUT',
          `limit ${bad}`,
          {
            field: 'limit',
          },
        );
      }
      same(await left(), PAGE_LIMIT.default + 1, 'sessions left after the refused limits');
      same(await s.deleteSessions({ agentName: 'old' }), PAGE_LIMIT.default, 'deleted without a limit');
      same(await left(), 1, 'sessions left');
      same(
        await s.deleteSessions({ agentName: 'old', limit: PAGE_LIMIT.max }),
        1,
        `deleted with limit ${PAGE_LIMIT.max}`,
      );
    },
  },
];
