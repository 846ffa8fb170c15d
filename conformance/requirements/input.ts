import type { JsonValue, NewMessage, NewSession } from '../../src/contract/types.js';
import { MAX_NAME_LENGTH } from '../../src/contract/validation.js';
import { check, rejects, same } from '../expect.js';
import { aSession, newMessage, newSession, newToolCall, writesNothing } from '../fixtures.js';
import type { Requirement } from '../types.js';

export const inputRequirements: Requirement[] = [
  {
    id: 'input.types',
    title: 'Inputs of the wrong type reject with INVALID_INPUT naming the field; nothing is written',
    async run(ctx) {
      const sessionId = await aSession(ctx);
      const visible = async () => [
        await ctx.store.getSession(sessionId),
        await ctx.store.getMessages(sessionId),
        await ctx.store.getToolCalls(sessionId),
      ];
      const sessionCases: [string, unknown][] = [
        ['agentName', 7],
        ['provider', null],
        ['model', ['m']],
        ['userPrompt', null],
        ['systemPrompt', 1],
        ['status', true],
        ['startedAt', '1700000000'],
        ['endedAt', '1'],
        ['result', {}],
        ['error', 0],
      ];
      for (const [field, value] of sessionCases) {
        await writesNothing(
          ctx,
          `createSession ${field}`,
          () =>
            rejects(
              () => ctx.store.createSession(newSession({ [field]: value } as never)),
              'INVALID_INPUT',
              `createSession ${field} = ${String(value)}`,
              { field },
            ),
          visible,
        );
      }
      const messageCases: [string, unknown][] = [
        ['sessionId', 1],
        ['role', null],
        ['content', null],
        ['content', 5],
        ['createdAt', null],
      ];
      for (const [field, value] of messageCases) {
        await writesNothing(
          ctx,
          `createMessage ${field}`,
          () =>
            rejects(
              () => ctx.store.createMessage(newMessage(sessionId, { [field]: value } as never)),
              'INVALID_INPUT',
              `createMessage ${field} = ${String(value)}`,
              { field },
            ),
          visible,
        );
      }
      const callCases: [string, unknown][] = [
        ['sessionId', null],
        ['messageId', 3],
        ['toolCallId', 1],
        ['toolName', null],
        ['status', 1],
        ['executionTimeMs', '5'],
        ['completedAt', true],
      ];
      for (const [field, value] of callCases) {
        await writesNothing(
          ctx,
          `createToolCall ${field}`,
          () =>
            rejects(
              () => ctx.store.createToolCall(newToolCall(sessionId, { [field]: value } as never)),
              'INVALID_INPUT',
              `createToolCall ${field} = ${String(value)}`,
              { field },
            ),
          visible,
        );
      }
      for (const notAnObject of [null, 'session', 42, []]) {
        await rejects(
          () => ctx.store.createSession(notAnObject as never),
          'INVALID_INPUT',
          `createSession(${JSON.stringify(notAnObject)})`,
        );
        await rejects(
          () => ctx.store.createMessage(notAnObject as never),
          'INVALID_INPUT',
          `createMessage(${JSON.stringify(notAnObject)})`,
        );
        await rejects(
          () => ctx.store.createToolCall(notAnObject as never),
          'INVALID_INPUT',
          `createToolCall(${JSON.stringify(notAnObject)})`,
        );
        await rejects(
          () => ctx.store.updateSession(sessionId, notAnObject as never),
          'INVALID_INPUT',
          `updateSession(id, ${JSON.stringify(notAnObject)})`,
        );
      }
      for (const badId of [1, null, undefined, {}]) {
        await rejects(
          () => ctx.store.getSession(badId as never),
          'INVALID_INPUT',
          `getSession(${String(badId)})`,
        );
        await rejects(
          () => ctx.store.getMessages(badId as never),
          'INVALID_INPUT',
          `getMessages(${String(badId)})`,
        );
        await rejects(
          () => ctx.store.getToolCalls(badId as never),
          'INVALID_INPUT',
          `getToolCalls(${String(badId)})`,
        );
        await rejects(
          () => ctx.store.getPendingToolCalls(badId as never),
          'INVALID_INPUT',
          `getPendingToolCalls(${String(badId)})`,
        );
        await rejects(
          () => ctx.store.updateSession(badId as never, { status: 'failed' }),
          'INVALID_INPUT',
          `updateSession(${String(badId)})`,
        );
        await rejects(
          () => ctx.store.updateToolCall(badId as never, { status: 'failed' }),
          'INVALID_INPUT',
          `updateToolCall(${String(badId)})`,
        );
      }
    },
  },
  {
    id: 'input.enums',
    title:
      'An unknown session status, message role or tool call status rejects with INVALID_INPUT naming the field; nothing is written',
    async run(ctx) {
      const sessionId = await aSession(ctx);
      const callId = await ctx.store.createToolCall(newToolCall(sessionId));
      const visible = async () => [
        await ctx.store.getSession(sessionId),
        await ctx.store.getMessages(sessionId),
        await ctx.store.getToolCalls(sessionId),
      ];
      for (const bad of ['paused', 'Running', 'RUNNING', '', 'pending', ' running']) {
        await writesNothing(
          ctx,
          `session status ${bad}`,
          () =>
            rejects(
              () => ctx.store.createSession(newSession({ status: bad as never })),
              'INVALID_INPUT',
              `createSession status ${JSON.stringify(bad)}`,
              { field: 'status' },
            ),
          visible,
        );
        await writesNothing(
          ctx,
          `update status ${bad}`,
          () =>
            rejects(
              () => ctx.store.updateSession(sessionId, { status: bad as never }),
              'INVALID_INPUT',
              `updateSession status ${JSON.stringify(bad)}`,
              { field: 'status' },
            ),
          visible,
        );
      }
      for (const bad of ['developer', 'User', '', 'function']) {
        await writesNothing(
          ctx,
          `role ${bad}`,
          () =>
            rejects(
              () => ctx.store.createMessage(newMessage(sessionId, { role: bad as never })),
              'INVALID_INPUT',
              `createMessage role ${JSON.stringify(bad)}`,
              { field: 'role' },
            ),
          visible,
        );
      }
      for (const bad of ['running', 'done', 'Pending', '']) {
        await writesNothing(
          ctx,
          `tool status ${bad}`,
          () =>
            rejects(
              () => ctx.store.createToolCall(newToolCall(sessionId, { status: bad as never })),
              'INVALID_INPUT',
              `createToolCall status ${JSON.stringify(bad)}`,
              { field: 'status' },
            ),
          visible,
        );
        await writesNothing(
          ctx,
          `tool update status ${bad}`,
          () =>
            rejects(
              () => ctx.store.updateToolCall(callId, { status: bad as never }),
              'INVALID_INPUT',
              `updateToolCall status ${JSON.stringify(bad)}`,
              { field: 'status' },
            ),
          visible,
        );
      }
    },
  },
  {
    id: 'input.required',
    title:
      'Missing required fields, or an empty agentName, provider, model, toolName or toolCallId, reject with INVALID_INPUT naming the field',
    async run(ctx) {
      const sessionId = await aSession(ctx);
      const visible = async () => [
        await ctx.store.getSession(sessionId),
        await ctx.store.getToolCalls(sessionId),
      ];
      for (const field of ['agentName', 'provider', 'model'] as const) {
        await writesNothing(
          ctx,
          `empty ${field}`,
          () =>
            rejects(
              () => ctx.store.createSession(newSession({ [field]: '' })),
              'INVALID_INPUT',
              `createSession ${field} = ''`,
              { field },
            ),
          visible,
        );
        const { [field]: _omitted, ...rest } = newSession();
        await writesNothing(
          ctx,
          `missing ${field}`,
          () =>
            rejects(
              () => ctx.store.createSession(rest as never),
              'INVALID_INPUT',
              `createSession without ${field}`,
              { field },
            ),
          visible,
        );
      }
      const { userPrompt: _u, ...noPrompt } = newSession();
      await rejects(
        () => ctx.store.createSession(noPrompt as never),
        'INVALID_INPUT',
        'createSession without userPrompt',
        { field: 'userPrompt' },
      );
      for (const field of ['toolName', 'toolCallId'] as const) {
        await writesNothing(
          ctx,
          `empty ${field}`,
          () =>
            rejects(
              () => ctx.store.createToolCall(newToolCall(sessionId, { [field]: '' })),
              'INVALID_INPUT',
              `createToolCall ${field} = ''`,
              { field },
            ),
          visible,
        );
      }
      const { request: _r, ...noRequest } = newToolCall(sessionId);
      await rejects(
        () => ctx.store.createToolCall(noRequest as never),
        'INVALID_INPUT',
        'createToolCall without request',
        { field: 'request' },
      );
      const { content: _c, ...noContent } = newMessage(sessionId);
      await rejects(
        () => ctx.store.createMessage(noContent as never),
        'INVALID_INPUT',
        'createMessage without content',
        { field: 'content' },
      );
    },
  },
  {
    id: 'input.name-length',
    title: `Names, keys and name filters (agentName, provider, model, toolName, toolCallId, clientKey, questionId, settingKey) hold exactly up to ${MAX_NAME_LENGTH} UTF-16 units: ${MAX_NAME_LENGTH} is stored, ${MAX_NAME_LENGTH + 1} rejects with INVALID_INPUT naming the field`,
    async run(ctx) {
      const s = ctx.store;
      const sessionId = await aSession(ctx);
      const visible = async () => [
        await s.getSession(sessionId),
        await s.getMessages(sessionId),
        await s.getToolCalls(sessionId),
      ];
      // A 512-unit value with an astral character at the end: units, not code points, count.
      const longest = `${'n'.repeat(MAX_NAME_LENGTH - 2)}😀`;
      const tooLong = `${longest}x`;
      const boundary = async (
        field: string,
        store: (value: string) => Promise<unknown>,
        read: () => Promise<unknown>,
        fieldInError = field,
      ) => {
        await store(longest);
        same(await read(), longest, `${field} of ${MAX_NAME_LENGTH} units, read back`);
        await writesNothing(
          ctx,
          `${field} of ${MAX_NAME_LENGTH + 1} units`,
          () =>
            rejects(() => store(tooLong) as Promise<unknown>, 'INVALID_INPUT', `${field} too long`, {
              field: fieldInError,
            }),
          visible,
        );
      };
      for (const field of ['agentName', 'provider', 'model'] as const) {
        let id = '';
        await boundary(
          field,
          async (v) => {
            id = await s.createSession(newSession({ [field]: v }));
          },
          async () => (await s.getSession(id))?.[field],
        );
      }
      for (const field of ['toolName', 'toolCallId'] as const) {
        let id = '';
        await boundary(
          field,
          async (v) => {
            id = await s.createToolCall(newToolCall(sessionId, { [field]: v }));
          },
          async () => (await s.getToolCalls(sessionId)).find((c) => c.id === id)?.[field],
        );
      }
      if (s.capabilities.idempotency) {
        let id = '';
        await boundary(
          'clientKey',
          async (v) => {
            id = await s.createMessage(newMessage(sessionId, { clientKey: v }));
          },
          async () => (await s.getMessages(sessionId)).find((m) => m.id === id)?.clientKey,
        );
        await boundary(
          'clientKey',
          async (v) => {
            id = await s.createToolCall(newToolCall(sessionId, { clientKey: v }));
          },
          async () => (await s.getToolCalls(sessionId)).find((c) => c.id === id)?.clientKey,
        );
      }
      if (s.capabilities.questions) {
        await boundary(
          'questionId',
          (v) => s.createQuestions(sessionId, [{ questionId: v, question: 'q' }]),
          async () => (await s.getQuestions(sessionId)).at(-1)?.questionId,
          'questions[0].questionId',
        );
        // An answer's key holds the same: the longest answers its question, one more unit is refused.
        await boundary(
          'answers questionId',
          (v) => s.answerQuestions(sessionId, [{ questionId: v, answer: 'a' }]),
          async () => (await s.getQuestions(sessionId)).find((q) => q.answer === 'a')?.questionId,
          'answers[0].questionId',
        );
      }
      if (s.capabilities.settings) {
        await boundary(
          'settingKey',
          (v) => s.createSettings(sessionId, [{ settingKey: v, settingName: 's' }]),
          async () => (await s.getSettings(sessionId)).at(-1)?.settingKey,
          'settings[0].settingKey',
        );
        await boundary(
          'values settingKey',
          (v) => s.setSettingValues(sessionId, [{ settingKey: v, value: 'v' }]),
          async () => (await s.getSettings(sessionId)).find((x) => x.settingValue === 'v')?.settingKey,
          'values[0].settingKey',
        );
      }
      if (s.capabilities.listSessions) {
        for (const field of ['agentName', 'provider', 'model'] as const) {
          same(
            (await s.listSessions({ [field]: longest })).items.length,
            1,
            `listSessions({ ${field} }) with a ${MAX_NAME_LENGTH}-unit value`,
          );
          await rejects(
            () => s.listSessions({ [field]: tooLong }),
            'INVALID_INPUT',
            `listSessions ${field} too long`,
            {
              field,
            },
          );
        }
      }
      if (s.capabilities.deleteSession && s.capabilities.listSessions) {
        // Another 512-unit value than the sessions above hold: this one's deletion is counted.
        const doomed = `${'d'.repeat(MAX_NAME_LENGTH - 2)}😀`;
        for (const field of ['agentName', 'provider', 'model'] as const) {
          const id = await s.createSession(newSession({ [field]: doomed }));
          await writesNothing(
            ctx,
            `deleteSessions ${field} of ${MAX_NAME_LENGTH + 1} units`,
            () =>
              rejects(
                () => s.deleteSessions({ [field]: `${doomed}x` }),
                'INVALID_INPUT',
                `deleteSessions ${field} too long`,
                { field },
              ),
            async () => s.getSession(id),
          );
          same(
            await s.deleteSessions({ [field]: doomed }),
            1,
            `deleteSessions({ ${field} }) with a ${MAX_NAME_LENGTH}-unit value`,
          );
        }
      }
    },
  },
  {
    id: 'input.timestamps',
    title:
      'Timestamps must be safe integers (any sign) and executionTimeMs a non-negative one; anything else rejects with INVALID_INPUT naming the field',
    async run(ctx) {
      const sessionId = await aSession(ctx);
      const visible = async () => [
        await ctx.store.getSession(sessionId),
        await ctx.store.getMessages(sessionId),
      ];
      for (const bad of [1.5, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 53, -(2 ** 53), 1e300, '5', 5n]) {
        const label = typeof bad === 'bigint' ? `${bad}n` : (JSON.stringify(bad) ?? String(bad));
        await writesNothing(
          ctx,
          `startedAt ${label}`,
          () =>
            rejects(
              () => ctx.store.createSession(newSession({ startedAt: bad as never })),
              'INVALID_INPUT',
              `startedAt ${label}`,
              { field: 'startedAt' },
            ),
          visible,
        );
        await writesNothing(
          ctx,
          `createdAt ${label}`,
          () =>
            rejects(
              () => ctx.store.createMessage(newMessage(sessionId, { createdAt: bad as never })),
              'INVALID_INPUT',
              `createdAt ${label}`,
              { field: 'createdAt' },
            ),
          visible,
        );
        await writesNothing(
          ctx,
          `endedAt ${label}`,
          () =>
            rejects(
              () => ctx.store.updateSession(sessionId, { endedAt: bad as never }),
              'INVALID_INPUT',
              `endedAt ${label}`,
              { field: 'endedAt' },
            ),
          visible,
        );
        await rejects(
          () => ctx.store.createToolCall(newToolCall(sessionId, { completedAt: bad as never })),
          'INVALID_INPUT',
          `completedAt ${label}`,
          { field: 'completedAt' },
        );
      }
      await rejects(
        () => ctx.store.createToolCall(newToolCall(sessionId, { executionTimeMs: -1 })),
        'INVALID_INPUT',
        'executionTimeMs -1',
        { field: 'executionTimeMs' },
      );
      // -0 is the integer 0: stored and read back as 0 on every adapter (integer columns have no -0).
      const zero = await ctx.store.createSession(newSession({ startedAt: -0, endedAt: -0 }));
      const z = await ctx.store.getSession(zero);
      same([z?.startedAt, z?.endedAt], [0, 0], 'timestamps given as -0');
      for (const ok of [Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER, 0, -1]) {
        const id = await ctx.store.createSession(newSession({ startedAt: ok, endedAt: ok }));
        const s = await ctx.store.getSession(id);
        same([s?.startedAt, s?.endedAt], [ok, ok], `timestamp ${ok}`);
        await ctx.store.createMessage(newMessage(id, { createdAt: ok }));
        same((await ctx.store.getMessages(id))[0]?.createdAt, ok, `message createdAt ${ok}`);
        await ctx.store.createToolCall(
          newToolCall(id, { createdAt: ok, completedAt: ok, executionTimeMs: Math.abs(ok) }),
        );
        const c = (await ctx.store.getToolCalls(id))[0];
        same(
          [c?.createdAt, c?.completedAt, c?.executionTimeMs],
          [ok, ok, Math.abs(ok)],
          `tool call timestamps ${ok}`,
        );
      }
    },
  },
  {
    id: 'input.unknown-fields',
    title:
      'A field the record does not have (a typo, snake_case, or an id) rejects with INVALID_INPUT naming it',
    async run(ctx) {
      const sessionId = await aSession(ctx);
      const visible = async () => [
        await ctx.store.getSession(sessionId),
        await ctx.store.getMessages(sessionId),
        await ctx.store.getToolCalls(sessionId),
      ];
      // Names of Object.prototype members too: a validator using `in` lets them through.
      for (const field of [
        'agent_name',
        'id',
        'agentname',
        'sessionId',
        'constructor',
        '__proto__',
        'toString',
      ]) {
        await writesNothing(
          ctx,
          `createSession ${field}`,
          () =>
            rejects(
              () => ctx.store.createSession({ ...newSession(), [field]: 'x' } as never),
              'INVALID_INPUT',
              `createSession with ${field}`,
              { field },
            ),
          visible,
        );
      }
      for (const field of ['session_id', 'id', 'toolCalls']) {
        await writesNothing(
          ctx,
          `createMessage ${field}`,
          () =>
            rejects(
              () => ctx.store.createMessage({ ...newMessage(sessionId), [field]: 'x' } as never),
              'INVALID_INPUT',
              `createMessage with ${field}`,
              { field },
            ),
          visible,
        );
      }
      for (const field of ['tool_call_id', 'id', 'arguments']) {
        await writesNothing(
          ctx,
          `createToolCall ${field}`,
          () =>
            rejects(
              () => ctx.store.createToolCall({ ...newToolCall(sessionId), [field]: 'x' } as never),
              'INVALID_INPUT',
              `createToolCall with ${field}`,
              { field },
            ),
          visible,
        );
      }
    },
  },
  {
    id: 'input.plain-data',
    title:
      'Inputs are plain data, read once: a Date, Map or Promise as a record, batch, query or options, a list with an extra property, a symbol-keyed or non-enumerable property, a getter that throws, or a Proxy whose trap throws rejects with INVALID_INPUT naming the field; a getter that changes its answer stores what was validated',
    async run(ctx) {
      const s = ctx.store;
      const sessionId = await aSession(ctx);
      const visible = async () => [await s.getSession(sessionId), await s.getMessages(sessionId)];
      const refused = async (what: string, field: string, action: () => Promise<unknown>) =>
        writesNothing(ctx, what, () => rejects(action, 'INVALID_INPUT', what, { field }), visible);
      // Not plain objects: taking them as `{}` would be a guess.
      for (const [kind, value] of [
        ['a Date', new Date(0)],
        ['a Map', new Map([['agentName', 'a']])],
        ['a Promise', Promise.resolve(newSession())],
      ] as const) {
        await refused(`createSession(${kind})`, 'input', () => s.createSession(value as never));
        if (s.capabilities.conditionalUpdate)
          await refused(`updateSession options = ${kind}`, 'options', () =>
            s.updateSession(sessionId, { status: 'failed' }, value as never),
          );
        if (s.capabilities.batch)
          await refused(`appendBatch(${kind})`, 'batch', () => s.appendBatch(value as never));
        if (s.capabilities.listSessions)
          await refused(`listSessions(${kind})`, 'query', () => s.listSessions(value as never));
        if (s.capabilities.paging)
          await refused(`getMessagesPage query = ${kind}`, 'query', () =>
            s.getMessagesPage(sessionId, value as never),
          );
      }
      // A list with a property beside its elements: dropping it silently loses data.
      if (s.capabilities.batch) {
        const messages = Object.assign([newMessage(sessionId, { content: 'listed' })], { note: 'extra' });
        await refused('appendBatch messages with an extra property', 'messages.note', () =>
          s.appendBatch({ messages }),
        );
      }
      if (s.capabilities.questions) {
        const questions = Object.assign([{ questionId: 'q1', question: 'Which?' }], { hidden: true });
        await refused('createQuestions list with an extra property', 'questions.hidden', () =>
          s.createQuestions(sessionId, questions),
        );
      }
      // Properties Object.keys leaves out (a symbol key, a non-enumerable one) would be dropped without a word.
      const note = Symbol('note');
      await refused('createSession with a symbol key', 'Symbol(note)', () =>
        s.createSession({ ...newSession(), [note]: 'extra' } as NewSession),
      );
      const hidden = newSession();
      Object.defineProperty(hidden, 'note', { value: 'extra', enumerable: false });
      await refused('createSession with a non-enumerable property', 'note', () => s.createSession(hidden));
      await refused('createMessage with a symbol key', 'Symbol(note)', () =>
        s.createMessage({ ...newMessage(sessionId), [note]: 'extra' } as NewMessage),
      );
      if (s.capabilities.batch) {
        const messages = Object.assign([newMessage(sessionId, { content: 'listed' })], { [note]: 'extra' });
        await refused('appendBatch messages with a symbol key', 'messages.Symbol(note)', () =>
          s.appendBatch({ messages }),
        );
      }
      // A getter that throws is the caller's bad input, not a crash: INVALID_INPUT, with its error as cause.
      const thrown = new Error('getter exploded');
      const exploding = newMessage(sessionId);
      Object.defineProperty(exploding, 'content', {
        enumerable: true,
        get() {
          throw thrown;
        },
      });
      await writesNothing(
        ctx,
        'createMessage with a throwing getter',
        async () => {
          await rejects(() => s.createMessage(exploding), 'INVALID_INPUT', 'a getter that throws', {
            field: 'content',
          });
          const cause = await s.createMessage(exploding).then(
            () => undefined,
            (e: { cause?: unknown }) => e?.cause,
          );
          check(cause === thrown, "a throwing getter's INVALID_INPUT carries the getter's error as cause");
        },
        visible,
      );
      // A Proxy's trap that throws while its keys, prototype or length are read is bad input too.
      const trap = () => {
        throw new Error('trap exploded');
      };
      await refused('createMessage(a Proxy whose ownKeys throws)', 'input', () =>
        s.createMessage(new Proxy(newMessage(sessionId), { ownKeys: trap })),
      );
      await refused('createSession(a Proxy whose getPrototypeOf throws)', 'input', () =>
        s.createSession(new Proxy(newSession(), { getPrototypeOf: trap })),
      );
      await refused('createToolCall with a request whose ownKeys throws', 'request', () =>
        s.createToolCall(newToolCall(sessionId, { request: new Proxy({ sql: 'x' }, { ownKeys: trap }) })),
      );
      if (s.capabilities.batch)
        await refused('appendBatch messages = a Proxy whose get throws', 'messages', () =>
          s.appendBatch({ messages: new Proxy([newMessage(sessionId)], { get: trap }) }),
        );
      // A getter read twice could be validated on one read and stored from the other: the
      // first answer is valid, every later one is not (U+0000, a request turned undefined).
      const fickle = <T>(first: T, later: T) => {
        let reads = 0;
        return () => (reads++ === 0 ? first : later);
      };
      const message = newMessage(sessionId);
      Object.defineProperty(message, 'content', { enumerable: true, get: fickle('read once', 'bad\u0000') });
      await s.createMessage(message);
      same(
        (await s.getMessages(sessionId)).map((m) => m.content),
        ['read once'],
        'content from a getter whose later answers are invalid',
      );
      const request = {};
      Object.defineProperty(request, 'sql', {
        enumerable: true,
        get: fickle<unknown>('SELECT 1', undefined),
      });
      await s.createToolCall(newToolCall(sessionId, { request: request as JsonValue }));
      same(
        (await s.getToolCalls(sessionId)).map((c) => c.request),
        [{ sql: 'SELECT 1' }],
        'a JSON request whose getter turns undefined on the second read',
      );
    },
  },
];
