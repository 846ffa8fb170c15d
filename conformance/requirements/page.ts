import { PAGE_LIMIT, type Page, type PageQuery } from '../../src/contract/types.js';
import { check, rejects, same } from '../expect.js';
import { aSession, newMessage, newToolCall } from '../fixtures.js';
import type { Requirement } from '../types.js';
import { allPages } from './all-pages.js';

const forwardAndBack: Requirement[] = [
  ...(['messages', 'toolCalls'] as const).map(
    (kind): Requirement => ({
      id: `page.${kind === 'messages' ? 'messages' : 'toolcalls'}`,
      title: `${kind === 'messages' ? 'getMessagesPage' : 'getToolCallsPage'} pages forward and backward through exactly the ${kind === 'messages' ? 'getMessages' : 'getToolCalls'} order, ties included; ${kind === 'messages' ? 'countMessages' : 'countToolCalls'} counts them`,
      needs: ['paging'],
      async run(ctx) {
        const sessionId = await aSession(ctx);
        const other = await aSession(ctx);
        const times = [4, 1, 4, 4, 0, 9, 1, 4, -3, 9, 4, 2];
        for (const [i, t] of times.entries()) {
          if (kind === 'messages')
            await ctx.store.createMessage(newMessage(sessionId, { content: `m${i}`, createdAt: t }));
          else await ctx.store.createToolCall(newToolCall(sessionId, { toolCallId: `c${i}`, createdAt: t }));
        }
        await (kind === 'messages'
          ? ctx.store.createMessage(newMessage(other))
          : ctx.store.createToolCall(newToolCall(other)));
        const read = (q?: PageQuery, id = sessionId): Promise<Page<unknown>> =>
          kind === 'messages' ? ctx.store.getMessagesPage(id, q) : ctx.store.getToolCallsPage(id, q);
        const whole =
          kind === 'messages'
            ? await ctx.store.getMessages(sessionId)
            : await ctx.store.getToolCalls(sessionId);
        same(
          (await read()).items,
          whole.slice(0, PAGE_LIMIT.default),
          'the first page with the default limit',
        );
        for (const limit of [1, 2, 5, 12, 13]) {
          const forward = await allPages(
            (after) => read({ limit, ...(after ? { after } : {}) }),
            `forward, limit ${limit}`,
          );
          same(forward.flat(), whole, `forward pages, limit ${limit}`);
          // The cursor after the first n-1 rows points at row n-2: the row after it is the last one,
          // and reading backward before it gives rows 0..n-3.
          const nearEnd = (await read({ limit: whole.length - 1 })).nextCursor as string;
          same((await read({ limit: 1, after: nearEnd })).items, whole.slice(-1), 'the row after the cursor');
          const backward = await allPages(
            (before) => read({ limit, before: before ?? nearEnd }),
            `backward, limit ${limit}`,
          );
          check(
            backward.every((p) => p.length <= limit),
            'a backward page must not exceed the limit',
          );
          same(
            backward.reverse().flat(),
            whole.slice(0, -2),
            `backward pages, limit ${limit}, ascending inside each page`,
          );
        }
        const count =
          kind === 'messages'
            ? ctx.store.countMessages.bind(ctx.store)
            : ctx.store.countToolCalls.bind(ctx.store);
        // Every row counts, whatever its state: a finished tool call too.
        if (kind === 'toolCalls') {
          for (const call of (whole as { id: string }[]).slice(0, 3))
            await ctx.store.updateToolCall(call.id, { status: 'completed' });
        }
        same(await count(sessionId), times.length, 'count');
        same(await count(other), 1, 'count of the other session');
        for (const unknown of ['999999999', 'nope']) {
          same(await read(undefined, unknown), { items: [], nextCursor: null }, `page of ${unknown}`);
          same(await count(unknown), 0, `count of ${unknown}`);
        }
        const cursor = (await read({ limit: 1 })).nextCursor as string;
        await rejects(
          () => read({ after: cursor, before: cursor }),
          'INVALID_INPUT',
          'after and before together',
          { field: 'before' },
        );
        for (const limit of [0, PAGE_LIMIT.max + 1, 2.5])
          await rejects(() => read({ limit }), 'INVALID_INPUT', `limit ${limit}`, { field: 'limit' });
        await rejects(() => read({ after: 'garbage' }), 'INVALID_INPUT', 'a garbage cursor', {
          field: 'after',
        });
        // A cursor continues only the list it came from.
        const foreign = [
          (await read({ limit: 1 }, other)).nextCursor,
          ctx.store.capabilities.listSessions
            ? (await ctx.store.listSessions({ limit: 1 })).nextCursor
            : null,
          (kind === 'messages'
            ? await ctx.store.getToolCallsPage(sessionId, { limit: 1 })
            : await ctx.store.getMessagesPage(sessionId, { limit: 1 })
          ).nextCursor,
        ];
        for (const [i, c] of foreign.entries()) {
          if (c === null) continue;
          await rejects(() => read({ after: c }), 'INVALID_INPUT', `a cursor of another list (#${i + 1})`, {
            field: 'after',
          });
        }
      },
    }),
  ),
];

const latest: Requirement[] = [
  ...(['messages', 'toolCalls'] as const).map(
    (kind): Requirement => ({
      id: `page.latest-${kind === 'messages' ? 'messages' : 'toolcalls'}`,
      title: `${kind === 'messages' ? 'getMessagesPage' : 'getToolCallsPage'} with from 'end' reads the last limit rows (default ${PAGE_LIMIT.default}), ascending, and its cursor pages back to the first; 'end' never combines with a cursor`,
      needs: ['paging'],
      async run(ctx) {
        const sessionId = await aSession(ctx);
        const other = await aSession(ctx);
        // More rows than the default limit, with ties and out-of-order times, so "the last 50"
        // differs from "all", from "the first 50" and from "the newest 50 by time alone".
        const n = PAGE_LIMIT.default + 7;
        for (let i = 0; i < n; i++) {
          const createdAt = [5, 1, 5, 3, 9][i % 5] as number;
          if (kind === 'messages')
            await ctx.store.createMessage(newMessage(sessionId, { content: `m${i}`, createdAt }));
          else await ctx.store.createToolCall(newToolCall(sessionId, { toolCallId: `c${i}`, createdAt }));
        }
        await (kind === 'messages'
          ? ctx.store.createMessage(newMessage(other, { createdAt: 100 }))
          : ctx.store.createToolCall(newToolCall(other, { createdAt: 100 })));
        const read = (q?: PageQuery, id = sessionId): Promise<Page<unknown>> =>
          kind === 'messages' ? ctx.store.getMessagesPage(id, q) : ctx.store.getToolCallsPage(id, q);
        const whole =
          kind === 'messages'
            ? await ctx.store.getMessages(sessionId)
            : await ctx.store.getToolCalls(sessionId);
        same(whole.length, n, 'rows written');
        const latest = await read({ from: 'end' });
        same(
          latest.items,
          whole.slice(-PAGE_LIMIT.default),
          `the last ${PAGE_LIMIT.default} rows (the default limit)`,
        );
        check(latest.nextCursor !== null, 'the latest page of a longer session has a cursor to earlier rows');
        same((await read({ from: 'start' })).items, whole.slice(0, PAGE_LIMIT.default), "from 'start'");
        for (const limit of [1, 3, n - 1, n, n + 1]) {
          const pages = await allPages(
            (before) => read(before === undefined ? { from: 'end', limit } : { before, limit }),
            `from the end, limit ${limit}`,
          );
          same(pages[0], whole.slice(-limit), `the last ${limit}`);
          same(pages.reverse().flat(), whole, `from the end back to the first, limit ${limit}`);
        }
        same(await read({ from: 'end' }, '999999999'), { items: [], nextCursor: null }, 'an unknown session');
        same(
          (await read({ from: 'end', limit: 5 }, other)).items.length,
          1,
          'the other session has its own single row',
        );
        const cursor = latest.nextCursor as string;
        for (const q of [{ after: cursor }, { before: cursor }])
          await rejects(
            () => read({ from: 'end', ...q }),
            'INVALID_INPUT',
            `from 'end' with ${Object.keys(q)[0]}`,
            { field: 'from' },
          );
        for (const from of ['END', 'last', ''])
          await rejects(() => read({ from } as unknown as PageQuery), 'INVALID_INPUT', `from ${from}`, {
            field: 'from',
          });
      },
    }),
  ),
];

export const pageRequirements: Requirement[] = [...forwardAndBack, ...latest];
