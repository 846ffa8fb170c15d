import { check, rejects, same } from '../expect.js';
import { aSession, newMessage, T0, writesNothing } from '../fixtures.js';
import type { Requirement } from '../types.js';

export const messageRequirements: Requirement[] = [
  {
    id: 'message.create-read',
    title:
      'createMessage returns a string id; getMessages returns the message, createdAt from the clock when omitted',
    async run(ctx) {
      const sessionId = await aSession(ctx);
      const id = await ctx.store.createMessage(newMessage(sessionId));
      check(
        typeof id === 'string' && id.length > 0,
        `createMessage must return a non-empty string id, got ${String(id)}`,
      );
      const id2 = await ctx.store.createMessage(
        newMessage(sessionId, { role: 'assistant', content: '', createdAt: T0 + 1 }),
      );
      same(
        await ctx.store.getMessages(sessionId),
        [
          { id, sessionId, role: 'user', content: 'List all tables', createdAt: T0, clientKey: null },
          { id: id2, sessionId, role: 'assistant', content: '', createdAt: T0 + 1, clientKey: null },
        ],
        'getMessages',
      );
    },
  },
  {
    id: 'message.unknown-session',
    title: 'createMessage for an unknown or malformed session id rejects with NOT_FOUND and writes nothing',
    async run(ctx) {
      const sessionId = await aSession(ctx);
      for (const other of ['999999999', 'nope', `0${sessionId}`, '']) {
        await writesNothing(
          ctx,
          `createMessage(${JSON.stringify(other)})`,
          () =>
            rejects(
              () => ctx.store.createMessage(newMessage(other)),
              'NOT_FOUND',
              `createMessage for session ${JSON.stringify(other)}`,
            ),
          () => ctx.store.getMessages(sessionId),
        );
      }
    },
  },
  {
    id: 'message.order',
    title: 'getMessages orders by createdAt, ties in insertion order',
    async run(ctx) {
      const sessionId = await aSession(ctx);
      // Twelve-plus rows with ties across ids 9 and 10 and 99 and 100 catch ids compared as text.
      const times = [
        5,
        3,
        5,
        3,
        9,
        5,
        -2,
        9,
        0,
        5,
        5,
        5,
        3,
        5,
        ...Array.from({ length: 90 }, (_, i) => (i % 3 === 0 ? 5 : 7)),
      ];
      const created: { id: string; createdAt: number; content: string }[] = [];
      for (const [i, t] of times.entries()) {
        const content = `m${i}`;
        created.push({
          id: await ctx.store.createMessage(newMessage(sessionId, { content, createdAt: t })),
          createdAt: t,
          content,
        });
      }
      const expected = created
        .map((m, i) => ({ ...m, i }))
        .sort((a, b) => a.createdAt - b.createdAt || a.i - b.i);
      same(
        (await ctx.store.getMessages(sessionId)).map((m) => m.content),
        expected.map((m) => m.content),
        'message order',
      );
    },
  },
  {
    id: 'message.get-unknown',
    title: 'getMessages of an unknown session, or one with no messages, returns []',
    async run(ctx) {
      const sessionId = await aSession(ctx);
      same(await ctx.store.getMessages(sessionId), [], 'getMessages of a session with no messages');
      for (const other of ['999999999', 'nope', '', `0${sessionId}`]) {
        same(await ctx.store.getMessages(other), [], `getMessages(${JSON.stringify(other)})`);
      }
    },
  },
  {
    id: 'message.isolation',
    title: 'getMessages returns only the messages of the session asked for',
    async run(ctx) {
      const a = await aSession(ctx);
      const b = await aSession(ctx);
      await ctx.store.createMessage(newMessage(a, { content: 'for a' }));
      await ctx.store.createMessage(newMessage(b, { content: 'for b' }));
      same(
        (await ctx.store.getMessages(a)).map((m) => m.content),
        ['for a'],
        'messages of a',
      );
      same(
        (await ctx.store.getMessages(b)).map((m) => [m.content, m.sessionId]),
        [['for b', b]],
        'messages of b',
      );
    },
  },
];
