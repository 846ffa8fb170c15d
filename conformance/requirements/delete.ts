import { check, fail, rejects, same } from '../expect.js';
import { aSession, newMessage, newSession, newToolCall, T0 } from '../fixtures.js';
import type { Requirement } from '../types.js';
import { KEY, LOOK_ALIKES } from './look-alikes.js';

export const deleteRequirements: Requirement[] = [
  {
    id: 'delete.bulk-current',
    title:
      'deleteSessions deletes a session only if it still matches when it is deleted: one changed after the batch was listed (a failed run retried, now running) stays',
    needs: ['deleteSession', 'listSessions'],
    async run(ctx) {
      const s = ctx.store;
      const ids: string[] = [];
      for (let i = 0; i < 20; i++) {
        const id = await aSession(ctx, { agentName: 'retried', startedAt: T0 + i });
        await s.updateSession(id, { status: 'failed', endedAt: T0 + i + 1 });
        ids.push(id);
      }
      // Not awaited: the retries are made while the batch is under way (or before it starts).
      const deleting = s.deleteSessions({ status: 'failed', agentName: 'retried', limit: 1000 });
      const retried = ids.filter((_, i) => i % 2 === 0);
      const updates = await Promise.allSettled(
        retried.map((id) => s.updateSession(id, { status: 'running', endedAt: null })),
      );
      const deleted = await deleting;
      let left = 0;
      for (const id of ids) {
        const after = await s.getSession(id);
        if (after !== null) left++;
        const i = retried.indexOf(id);
        if (i < 0) {
          if (after !== null) fail(`session ${id} matched throughout and was not deleted`);
        } else if (updates[i]?.status === 'fulfilled' && after === null)
          fail(
            `session ${id} was deleted although it was running, no longer status failed, when the batch deleted it`,
          );
      }
      same(deleted, ids.length - left, 'the count deleteSessions resolved (sessions gone)');
    },
  },
  {
    id: 'delete.cascade',
    title:
      'deleteSession removes the session and everything hanging from it, reports whether it existed, and touches no other session',
    needs: ['deleteSession'],
    async run(ctx) {
      const keep = await aSession(ctx);
      const gone = await aSession(ctx);
      for (const id of [keep, gone]) {
        const m = await ctx.store.createMessage(newMessage(id));
        const c = await ctx.store.createToolCall(newToolCall(id, { messageId: m }));
        if (ctx.store.capabilities.questions)
          await ctx.store.createQuestions(id, [{ questionId: 'q', question: 'Which?', toolCallId: c }]);
        if (ctx.store.capabilities.settings)
          await ctx.store.createSettings(id, [{ settingKey: 'k', settingName: 'K', toolCallId: c }]);
      }
      const snapshot = async (id: string) => [
        await ctx.store.getSession(id),
        await ctx.store.getMessages(id),
        await ctx.store.getToolCalls(id),
        ctx.store.capabilities.questions ? await ctx.store.getQuestions(id) : [],
        ctx.store.capabilities.settings ? await ctx.store.getSettings(id) : [],
      ];
      const kept = await snapshot(keep);
      same(await ctx.store.deleteSession(gone), true, 'deleting an existing session');
      same(await snapshot(gone), [null, [], [], [], []], 'everything of the deleted session');
      same(await snapshot(keep), kept, 'the other session');
      same(await ctx.store.deleteSession(gone), false, 'deleting it again');
      for (const other of ['999999999', 'nope', ''])
        same(await ctx.store.deleteSession(other), false, `deleteSession(${JSON.stringify(other)})`);
      await rejects(
        () => ctx.store.createMessage(newMessage(gone)),
        'NOT_FOUND',
        'a message for the deleted session',
      );
      if (ctx.target.inspect) {
        const counts = await ctx.target.inspect.rowCounts(ctx.store);
        same(
          counts,
          { agent_sessions: 1, agent_messages: 1, agent_tool_calls: 1 },
          'rows left after the delete',
        );
      }
    },
  },
  {
    id: 'delete.bulk',
    title:
      'deleteSessions deletes at most limit sessions matching every filter (endedBefore never matches an open session), each with everything under it, resolves the count, and refuses a query without a filter',
    needs: ['deleteSession', 'listSessions'],
    async run(ctx) {
      const s = ctx.store;
      // Old finished runs of two agents, one still running, one that ended later, one of another status.
      const made: { id: string; doomed: boolean }[] = [];
      const add = async (
        agentName: string,
        status: 'completed' | 'failed' | 'running',
        endedAt: number | null,
      ) => {
        const id = await aSession(ctx, { agentName, startedAt: 100 + made.length });
        if (status !== 'running') await s.updateSession(id, { status, endedAt });
        await s.createMessage(newMessage(id));
        await s.createToolCall(newToolCall(id));
        made.push({
          id,
          doomed: status === 'completed' && endedAt !== null && endedAt < 500 && agentName === 'a',
        });
        return id;
      };
      for (let i = 0; i < 5; i++) await add('a', 'completed', 200 + i);
      await add('a', 'completed', 500); // ended exactly at the bound: kept
      await add('a', 'running', null); // still open: kept
      await add('a', 'failed', 100); // another status: kept
      await add('b', 'completed', 200); // another agent: kept
      const query = { status: 'completed' as const, agentName: 'a', endedBefore: 500 };
      const before = await s.listSessions({ limit: 100 });
      same(before.items.length, made.length, 'sessions before');
      const counts: number[] = [];
      for (let guard = 0; guard < 10; guard++) {
        const n = await s.deleteSessions({ ...query, limit: 2 });
        check(n <= 2, `one call deleted ${n} sessions with limit 2`);
        counts.push(n);
        if (n === 0) break;
      }
      same(counts, [2, 2, 1, 0], 'sessions deleted per call, limit 2');
      for (const m of made) {
        const session = await s.getSession(m.id);
        same(session === null, m.doomed, `session ${m.id} ${m.doomed ? 'deleted' : 'kept'}`);
        same((await s.getMessages(m.id)).length, m.doomed ? 0 : 1, `messages of session ${m.id}`);
        same((await s.getToolCalls(m.id)).length, m.doomed ? 0 : 1, `tool calls of session ${m.id}`);
      }
      // The same filter lists what it deletes: endedBefore is a listing filter too.
      same(
        (await s.listSessions({ endedBefore: 501, agentName: 'a' })).items.map((x) => x.id).sort(),
        [made[5]?.id, made[7]?.id].sort(),
        'listSessions with endedBefore',
      );
      same(await s.deleteSessions({ agentName: 'b' }), 1, 'one more by agent alone (default limit)');
      same(
        await s.deleteSessions({ agentName: 'a', endedBefore: 10_000 }),
        2,
        'every ended session of agent a, whatever its status',
      );
      same(
        (await s.getSession(made[6]?.id as string))?.status,
        'running',
        'the open session: endedBefore never matches it',
      );
      for (const q of [{}, { limit: 5 }]) {
        await rejects(() => s.deleteSessions(q), 'INVALID_INPUT', `deleteSessions(${JSON.stringify(q)})`, {
          field: 'query',
        });
      }
      await rejects(() => s.deleteSessions({ ...query, cursor: 'x' } as never), 'INVALID_INPUT', 'a cursor', {
        field: 'cursor',
      });
      await rejects(() => s.deleteSessions({ ...query, limit: 0 }), 'INVALID_INPUT', 'limit 0', {
        field: 'limit',
      });
      same((await s.listSessions({ limit: 100 })).items.length, 1, 'sessions left after the refused calls');
    },
  },
  {
    id: 'delete.filter-exact',
    title:
      'deleteSessions filters agentName, provider and model by exact equality, as listSessions does: not case-insensitively, trimmed, normalised, or as a LIKE pattern',
    needs: ['deleteSession', 'listSessions'],
    async run(ctx) {
      const s = ctx.store;
      for (const field of ['agentName', 'provider', 'model'] as const) {
        const others: string[] = [];
        for (const [, value] of LOOK_ALIKES)
          others.push(await s.createSession(newSession({ [field]: value })));
        const id = await s.createSession(newSession({ [field]: KEY }));
        same(
          await s.deleteSessions({ [field]: KEY }),
          1,
          `deleteSessions({ ${field}: ${JSON.stringify(KEY)} })`,
        );
        same(await s.getSession(id), null, `the session whose ${field} is ${JSON.stringify(KEY)}`);
        for (const [i, [label]] of LOOK_ALIKES.entries())
          check(
            (await s.getSession(others[i] as string)) !== null,
            `the session whose ${field} is ${label} was deleted`,
          );
        for (const other of others) await s.deleteSession(other);
      }
    },
  },
];
