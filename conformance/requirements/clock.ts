import { check, rejects, same } from '../expect.js';
import { aSession, newMessage, newSession, newToolCall, T0, writesNothing } from '../fixtures.js';
import type { Requirement } from '../types.js';

export const clockRequirements: Requirement[] = [
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
    id: 'clock.faulty',
    title:
      "A storage clock that throws makes a call that needs it reject with INVALID_INPUT naming clock, its error as cause, writing nothing; a clock's -0 is stored as 0",
    async run(ctx) {
      const sessionId = await aSession(ctx);
      const boom = new Error('clock exploded');
      // The suite's clock reads `now`: a getter that throws makes the store's clock throw.
      Object.defineProperty(ctx.clock, 'now', {
        configurable: true,
        get() {
          throw boom;
        },
      });
      try {
        const visible = async () => [
          await ctx.store.getSession(sessionId),
          await ctx.store.getMessages(sessionId),
        ];
        for (const [what, call] of [
          ['createSession without startedAt', () => ctx.store.createSession(newSession())],
          ['createMessage without createdAt', () => ctx.store.createMessage(newMessage(sessionId))],
        ] as const) {
          await writesNothing(
            ctx,
            `${what}, the clock throwing`,
            async () => {
              await rejects(call, 'INVALID_INPUT', `${what}, the clock throwing`, { field: 'clock' });
              const cause = await call().then(
                () => undefined,
                (e: { cause?: unknown; field?: unknown }) => [e?.field, e?.cause],
              );
              check(
                cause?.[0] === 'clock' && cause[1] === boom,
                `${what}: the INVALID_INPUT has field clock and the clock's error as cause`,
              );
            },
            visible,
          );
        }
        // A call given every timestamp does not ask the clock.
        await ctx.store.createMessage(newMessage(sessionId, { createdAt: 7 }));
      } finally {
        Object.defineProperty(ctx.clock, 'now', { configurable: true, writable: true, value: T0 });
      }
      ctx.clock.now = -0;
      const zero = await aSession(ctx);
      await ctx.store.createMessage(newMessage(zero));
      const startedAt = (await ctx.store.getSession(zero))?.startedAt;
      const createdAt = (await ctx.store.getMessages(zero))[0]?.createdAt;
      check(
        Object.is(startedAt, 0),
        `startedAt from a clock returning -0: expected 0, got ${Object.is(startedAt, -0) ? '-0' : startedAt}`,
      );
      check(
        Object.is(createdAt, 0),
        `createdAt from a clock returning -0: expected 0, got ${Object.is(createdAt, -0) ? '-0' : createdAt}`,
      );
    },
  },
];
