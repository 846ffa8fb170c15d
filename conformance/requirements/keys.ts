import { check, same } from '../expect.js';
import { aSession, newMessage, newToolCall } from '../fixtures.js';
import type { Requirement } from '../types.js';
import { KEY, LOOK_ALIKES } from './look-alikes.js';

/**
 * Keys and filters compare exactly: the fixed cases that make an adapter fail when it
 * compares case-insensitively, trims, normalises Unicode, or uses LIKE. Each look-alike is
 * stored *before* the key is used, so that a lookup by the key that wrongly matches one of
 * them finds it.
 */

/** Same payload each time: a store that wrongly matches a look-alike returns its id instead of a new one. */
async function distinctKeys(what: string, create: (key: string) => Promise<string>): Promise<void> {
  const ids = new Map<string, string>();
  for (const [label, key] of LOOK_ALIKES) ids.set(label, await create(key));
  const id = await create(KEY);
  for (const [label, other] of ids) {
    check(id !== other, `${what} ${JSON.stringify(KEY)} must be another key than ${label}, but got its id`);
  }
  same(await create(KEY), id, `${what} ${JSON.stringify(KEY)} repeated`);
}

export const keyRequirements: Requirement[] = [
  {
    id: 'keys.client-keys',
    title:
      'Message and tool-call clientKeys match exactly: a key that differs in case, surrounding spaces, Unicode normalisation form, or only by what a LIKE wildcard matches is another key',
    needs: ['idempotency'],
    async run(ctx) {
      const messages = await aSession(ctx);
      await distinctKeys('message clientKey', (clientKey) =>
        ctx.store.createMessage(newMessage(messages, { clientKey, content: 'same' })),
      );
      same((await ctx.store.getMessages(messages)).length, LOOK_ALIKES.length + 1, 'messages stored');
      const calls = await aSession(ctx);
      await distinctKeys('tool-call clientKey', (clientKey) =>
        ctx.store.createToolCall(newToolCall(calls, { clientKey })),
      );
      same((await ctx.store.getToolCalls(calls)).length, LOOK_ALIKES.length + 1, 'tool calls stored');
    },
  },
  {
    id: 'keys.question-ids',
    title:
      'An answer goes to the questions whose questionId is exactly its own: not to ones differing in case, spaces, normalisation form, or by a LIKE wildcard',
    needs: ['questions'],
    async run(ctx) {
      const sessionId = await aSession(ctx);
      await ctx.store.createQuestions(sessionId, [
        ...LOOK_ALIKES.map(([, questionId]) => ({ questionId, question: `look-alike ${questionId}` })),
        { questionId: KEY, question: 'the one' },
      ]);
      await ctx.store.answerQuestions(sessionId, [{ questionId: KEY, answer: 'yes' }]);
      same(
        (await ctx.store.getQuestions(sessionId)).filter((q) => q.answer !== null).map((q) => q.questionId),
        [KEY],
        `questions answered by an answer to ${JSON.stringify(KEY)}`,
      );
      same(
        (await ctx.store.getPendingQuestions(sessionId)).map((q) => q.questionId),
        LOOK_ALIKES.map(([, k]) => k),
        'the look-alikes are still pending',
      );
    },
  },
  {
    id: 'keys.setting-keys',
    title:
      'A value goes to the settings whose settingKey is exactly its own: not to ones differing in case, spaces, normalisation form, or by a LIKE wildcard',
    needs: ['settings'],
    async run(ctx) {
      const sessionId = await aSession(ctx);
      await ctx.store.createSettings(sessionId, [
        ...LOOK_ALIKES.map(([, settingKey]) => ({ settingKey, settingName: `look-alike ${settingKey}` })),
        { settingKey: KEY, settingName: 'the one' },
      ]);
      await ctx.store.setSettingValues(sessionId, [{ settingKey: KEY, value: 'v' }]);
      same(
        (await ctx.store.getSettings(sessionId))
          .filter((s) => s.settingValue !== null)
          .map((s) => s.settingKey),
        [KEY],
        `settings set by a value for ${JSON.stringify(KEY)}`,
      );
    },
  },
];
