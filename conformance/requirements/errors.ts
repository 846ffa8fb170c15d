import { ERROR_CODES } from '../../src/contract/errors.js';
import { check, fail, rejects, same } from '../expect.js';
import { newMessage, newSession } from '../fixtures.js';
import type { Requirement } from '../types.js';

export const errorRequirements: Requirement[] = [
  {
    id: 'errors.async',
    title:
      'Every operation returns a promise and reports failure by rejecting it, never by throwing synchronously: for bad input and after close() (for an undeclared capability: capabilities.undeclared)',
    async run(ctx) {
      const s = ctx.store as unknown as Record<string, (...args: unknown[]) => unknown>;
      const bad = 42;
      const calls: [string, unknown[]][] = [
        ['createSession', [bad]],
        ['getSession', [bad]],
        ['updateSession', [bad, bad]],
        ['listSessions', [bad]],
        ['deleteSession', [bad]],
        ['deleteSessions', [bad]],
        ['createMessage', [bad]],
        ['getMessages', [bad]],
        ['getMessagesPage', [bad, bad]],
        ['countMessages', [bad]],
        ['appendBatch', [bad]],
        ['createToolCall', [bad]],
        ['updateToolCall', [bad, bad]],
        ['getToolCalls', [bad]],
        ['getPendingToolCalls', [bad]],
        ['getToolCallsPage', [bad, bad]],
        ['countToolCalls', [bad]],
        ['createQuestions', [bad, bad]],
        ['getQuestions', [bad]],
        ['getPendingQuestions', [bad]],
        ['answerQuestions', [bad, bad]],
        ['createSettings', [bad, bad]],
        ['getSettings', [bad]],
        ['getPendingSettings', [bad]],
        ['setSettingValues', [bad, bad]],
      ];
      const rejectsAsync = async (what: string, call: () => unknown) => {
        let result: unknown;
        try {
          result = call();
        } catch (e) {
          fail(
            `${what} threw synchronously (${e instanceof Error ? e.message : String(e)}): every operation must return a promise and reject it`,
          );
        }
        check(
          typeof (result as { then?: unknown })?.then === 'function',
          `${what} must return a promise, got ${typeof result}`,
        );
        const outcome = await (result as Promise<unknown>).then(
          () => 'resolved',
          (e: { name?: unknown }) =>
            e?.name === 'AgentStorageError' ? 'rejected' : `rejected with ${String(e)}`,
        );
        same(outcome, 'rejected', `${what}: how it failed`);
      };
      for (const [name, args] of calls)
        await rejectsAsync(`${name}(${args.join(', ')})`, () => s[name]?.(...args));
      await ctx.store.close();
      const sessionId = '1';
      for (const [name] of calls) {
        await rejectsAsync(`${name} after close()`, () => s[name]?.(sessionId, {}));
      }
    },
  },
  {
    id: 'errors.shape',
    title: 'Errors are AgentStorageErrors with a known code whose message names the adapter',
    async run(ctx) {
      let error: unknown;
      try {
        await ctx.store.updateSession('999999999', { status: 'failed' });
      } catch (e) {
        error = e;
      }
      const e = error as { name?: unknown; code?: unknown; message?: unknown; adapter?: unknown };
      check(e?.name === 'AgentStorageError', `expected an AgentStorageError, got ${String(error)}`);
      check((ERROR_CODES as readonly unknown[]).includes(e.code), `unknown error code ${String(e.code)}`);
      check(
        e.adapter === ctx.store.adapter,
        `error.adapter must be ${ctx.store.adapter}, got ${String(e.adapter)}`,
      );
      check(
        String(e.message).includes(ctx.store.adapter),
        `the message must name the adapter: ${String(e.message)}`,
      );
      await rejects(
        () => ctx.store.createMessage(newMessage(sessionIdThatIsNot)),
        'NOT_FOUND',
        'createMessage for no session',
        { adapter: ctx.store.adapter },
      );
      await rejects(
        () => ctx.store.createSession(newSession({ model: '' })),
        'INVALID_INPUT',
        'createSession with empty model',
        { adapter: ctx.store.adapter, field: 'model' },
      );
    },
  },
];

const sessionIdThatIsNot = '999999999';
