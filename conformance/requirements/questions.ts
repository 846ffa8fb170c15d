import { rejects, same } from '../expect.js';
import { aSession, newToolCall, writesNothing } from '../fixtures.js';
import type { Requirement } from '../types.js';

export const questionRequirements: Requirement[] = [
  {
    id: 'questions.qna',
    title:
      'Questions are stored per session (optionally tied to its tool call), listed in order, pending until answered; a questionId may repeat; an answer goes to the pending questions with its id, else replaces the latest answer; all or nothing',
    needs: ['questions'],
    async run(ctx) {
      const sessionId = await aSession(ctx);
      const other = await aSession(ctx);
      const callId = await ctx.store.createToolCall(newToolCall(sessionId, { toolName: 'ask_user' }));
      const foreignCall = await ctx.store.createToolCall(newToolCall(other));
      const ids = await ctx.store.createQuestions(sessionId, [
        {
          questionId: 'db',
          question: 'Which database?',
          toolCallId: callId,
          description: 'engine',
          responseType: 'choice',
          createdAt: 7,
        },
        { questionId: 'name', question: 'Project name?', createdAt: 3 },
        { questionId: 'size', question: 'How big?' },
      ]);
      same(ids.length, 3, 'three ids');
      const all = await ctx.store.getQuestions(sessionId);
      same(
        all.map((q) => q.questionId),
        ['name', 'db', 'size'],
        'questions in createdAt order',
      );
      same(
        all[1],
        {
          id: ids[0],
          sessionId,
          toolCallId: callId,
          questionId: 'db',
          question: 'Which database?',
          description: 'engine',
          responseType: 'choice',
          answer: null,
          createdAt: 7,
          answeredAt: null,
        },
        'a whole question',
      );
      same(all[2]?.responseType, 'text', 'default responseType');
      await ctx.store.answerQuestions(sessionId, [{ questionId: 'db', answer: 'SQLite', answeredAt: 9 }]);
      same(
        (await ctx.store.getPendingQuestions(sessionId)).map((q) => q.questionId),
        ['name', 'size'],
        'pending after one answer',
      );
      same((await ctx.store.getQuestions(sessionId))[1]?.answer, 'SQLite', 'the stored answer');
      const visible = async () => [
        await ctx.store.getQuestions(sessionId),
        await ctx.store.getQuestions(other),
      ];
      await writesNothing(
        ctx,
        'answers with an unknown question',
        () =>
          rejects(
            () =>
              ctx.store.answerQuestions(sessionId, [
                { questionId: 'name', answer: 'x' },
                { questionId: 'nope', answer: 'y' },
              ]),
            'NOT_FOUND',
            'an answer to an unknown question',
          ),
        visible,
      );
      // A later round asks `db` again: nocodo keeps both rows, and so does every adapter.
      const [again] = await ctx.store.createQuestions(sessionId, [
        { questionId: 'db', question: 'Which version?', createdAt: 10 },
      ]);
      same(
        (await ctx.store.getPendingQuestions(sessionId)).map((q) => [q.questionId, q.id]),
        [
          ['name', ids[1]],
          ['db', again],
          ['size', ids[2]],
        ],
        'a repeated questionId is a new, pending question (in createdAt order)',
      );
      // Its answer belongs to the question still waiting for it, not to the first round's.
      await ctx.store.answerQuestions(sessionId, [{ questionId: 'db', answer: '3.45', answeredAt: 11 }]);
      const answers = async () =>
        (await ctx.store.getQuestions(sessionId))
          .filter((q) => q.questionId === 'db')
          .map((q) => [q.id, q.answer, q.answeredAt]);
      same(
        await answers(),
        [
          [ids[0], 'SQLite', 9],
          [again, '3.45', 11],
        ],
        'the answer went to the pending db only',
      );
      // With none pending, answering again replaces the latest answer only.
      await ctx.store.answerQuestions(sessionId, [{ questionId: 'db', answer: '3.46', answeredAt: 12 }]);
      same(
        await answers(),
        [
          [ids[0], 'SQLite', 9],
          [again, '3.46', 12],
        ],
        'answering again changed the latest db only',
      );
      // Questions created in one second keep the order they were created in.
      const tied = await ctx.store.createQuestions(sessionId, [
        { questionId: 'tie-c', question: 'c', createdAt: 12 },
        { questionId: 'tie-a', question: 'a', createdAt: 12 },
        { questionId: 'tie-b', question: 'b', createdAt: 12 },
      ]);
      same(
        (await ctx.store.getQuestions(sessionId)).filter((q) => q.createdAt === 12).map((q) => q.id),
        tied,
        'questions with tied createdAt, in insertion order',
      );
      same(
        (await ctx.store.getPendingQuestions(sessionId)).filter((q) => q.createdAt === 12).map((q) => q.id),
        tied,
        'pending questions with tied createdAt, in insertion order',
      );
      // Two pending questions with one id (asked twice before an answer) take the one answer.
      const twins = await ctx.store.createQuestions(sessionId, [
        { questionId: 'twin', question: 'Ready?', createdAt: 13 },
        { questionId: 'twin', question: 'Ready?', createdAt: 13 },
      ]);
      await ctx.store.answerQuestions(sessionId, [{ questionId: 'twin', answer: 'yes', answeredAt: 14 }]);
      same(
        (await ctx.store.getQuestions(sessionId))
          .filter((q) => q.questionId === 'twin')
          .map((q) => [q.id, q.answer]),
        [
          [twins[0], 'yes'],
          [twins[1], 'yes'],
        ],
        'both pending twins answered',
      );
      await writesNothing(
        ctx,
        'a questionId twice in one answer call',
        () =>
          rejects(
            () =>
              ctx.store.answerQuestions(sessionId, [
                { questionId: 'name', answer: 'a' },
                { questionId: 'name', answer: 'b' },
              ]),
            'INVALID_INPUT',
            'the same questionId twice in one call',
            { field: 'answers[1].questionId' },
          ),
        visible,
      );
      await writesNothing(
        ctx,
        "another session's tool call",
        () =>
          rejects(
            () =>
              ctx.store.createQuestions(sessionId, [
                { questionId: 'x', question: 'q', toolCallId: foreignCall },
              ]),
            'NOT_FOUND',
            "another session's tool call",
          ),
        visible,
      );
      await rejects(
        () => ctx.store.createQuestions('999999999', [{ questionId: 'x', question: 'q' }]),
        'NOT_FOUND',
        'an unknown session',
      );
      await rejects(
        () => ctx.store.createQuestions(sessionId, [{ questionId: '', question: 'q' }]),
        'INVALID_INPUT',
        'an empty questionId',
        { field: 'questions[0].questionId' },
      );
      await rejects(
        () => ctx.store.answerQuestions(sessionId, [{ questionId: 'db', answer: 'a\u0000b' }]),
        'INVALID_INPUT',
        'an answer with U+0000',
        { field: 'answers[0].answer' },
      );
      same(await ctx.store.getQuestions('999999999'), [], 'questions of an unknown session');
    },
  },
];
