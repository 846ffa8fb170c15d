import { describe, expect, it } from 'vitest';
import { T0 } from '../conformance/fixtures.js';
import {
  acceptableCodes,
  CONTRACT_HAS_CLIENT_KEYS,
  modelTarget,
  ReferenceModel,
} from '../conformance/reference-model.js';
import { runConformance } from '../conformance/run.js';
import { AgentStorageError } from '../src/contract/errors.js';
import { ALL_CAPABILITIES } from '../src/contract/storage.js';
import type { JsonValue, SessionStatus } from '../src/contract/types.js';

/** The reference model is the contract written as code; these examples pin it down. */

function fresh(now = T0) {
  const clock = { now };
  return { model: new ReferenceModel(() => clock.now), clock };
}

const session = { agentName: 'agent', provider: 'anthropic', model: 'claude', userPrompt: 'hi' };

/** A model declaring every optional capability. */
function full(now = T0) {
  const clock = { now };
  return { model: new ReferenceModel(() => clock.now, { capabilities: 'all' }), clock };
}

function codeOf(call: () => unknown): string | undefined {
  try {
    call();
  } catch (e) {
    if (e instanceof AgentStorageError) return e.code;
    throw e;
  }
  return undefined;
}

describe('reference model', () => {
  it('passes the conformance suite with every capability declared (requirements needing inspect or persistence aside)', async () => {
    const report = await runConformance(modelTarget(), { runs: 10 });
    const failures = report.results.filter((r) => r.status === 'failed');
    expect(failures).toEqual([]);
    expect(report.capabilities).toMatchObject({ ...ALL_CAPABILITIES, persistent: false });
    // Only the hooks a model cannot have are missing: inspect (rows to damage) and persistence.
    expect(report.results.filter((r) => r.status !== 'passed').map((r) => r.id)).toEqual([
      'corrupt.enum',
      'corrupt.json',
      'corrupt.null-config',
      'corrupt.text',
      'corrupt.json-range',
      'corrupt.representable',
      'persist.reopen',
    ]);
  });

  it('passes the conformance suite with no optional capability: their operations are NOT_SUPPORTED', async () => {
    const report = await runConformance(modelTarget({ idempotency: CONTRACT_HAS_CLIENT_KEYS }), { runs: 10 });
    expect(report.results.filter((r) => r.status === 'failed')).toEqual([]);
    expect(report.results.find((r) => r.id === 'capabilities.undeclared')?.status).toBe('passed');
    expect(report.results.find((r) => r.id === 'list.paging')?.status).toBe('not-applicable');
  });

  it('applies defaults and returns the session it stored', () => {
    const { model } = fresh();
    const id = model.createSession(session);
    expect(model.getSession(id)).toEqual({
      id,
      ...session,
      systemPrompt: null,
      config: null,
      status: 'running',
      startedAt: T0,
      endedAt: null,
      result: null,
      error: null,
    });
  });

  it('orders by createdAt, ties in insertion order', () => {
    const { model, clock } = fresh();
    const s = model.createSession(session);
    const a = model.createMessage({ sessionId: s, role: 'user', content: 'a', createdAt: T0 + 1 });
    const b = model.createMessage({ sessionId: s, role: 'user', content: 'b', createdAt: T0 });
    clock.now = T0 + 1;
    const c = model.createMessage({ sessionId: s, role: 'user', content: 'c' }); // ties with a, after it
    const d = model.createMessage({ sessionId: s, role: 'user', content: 'd', createdAt: T0 });
    expect(model.getMessages(s).map((m) => m.id)).toEqual([b, d, a, c]);

    const calls = [T0 + 2, T0, T0 + 2, T0].map((createdAt, i) =>
      model.createToolCall({ sessionId: s, toolCallId: `c${i}`, toolName: 't', request: i, createdAt }),
    );
    expect(model.getToolCalls(s).map((c) => c.id)).toEqual([calls[1], calls[3], calls[0], calls[2]]);
  });

  it('orders at the safe-integer edges without overflow', () => {
    const { model } = fresh();
    const s = model.createSession(session);
    for (const createdAt of [
      Number.MAX_SAFE_INTEGER,
      Number.MIN_SAFE_INTEGER,
      0,
      Number.MAX_SAFE_INTEGER - 1,
    ]) {
      model.createMessage({ sessionId: s, role: 'user', content: String(createdAt), createdAt });
    }
    expect(model.getMessages(s).map((m) => m.createdAt)).toEqual([
      Number.MIN_SAFE_INTEGER,
      0,
      Number.MAX_SAFE_INTEGER - 1,
      Number.MAX_SAFE_INTEGER,
    ]);
  });

  it('pending means status pending only, in the order of getToolCalls', () => {
    const { model } = fresh();
    const s = model.createSession(session);
    const ids = (['pending', 'executing', 'pending', 'completed', 'failed'] as const).map((status, i) =>
      model.createToolCall({ sessionId: s, toolCallId: `c${i}`, toolName: 't', request: null, status }),
    );
    const [p0, e1, p2] = ids as [string, string, string];
    expect(model.getPendingToolCalls(s).map((c) => c.id)).toEqual([p0, p2]);
    model.updateToolCall(p0, { status: 'executing' });
    model.updateToolCall(e1, { status: 'pending' });
    expect(model.getPendingToolCalls(s).map((c) => c.id)).toEqual([e1, p2]);
  });

  it('answers unknown ids with null, [] or NOT_FOUND', () => {
    const { model } = fresh();
    const s = model.createSession(session);
    const m = model.createMessage({ sessionId: s, role: 'user', content: '' });
    const other = model.createSession(session);
    for (const id of ['', '0', '01', 'abc', '99999999999999999999', m]) {
      expect(model.getSession(id)).toBeNull();
      expect(model.getMessages(id)).toEqual([]);
      expect(model.getToolCalls(id)).toEqual([]);
      expect(model.getPendingToolCalls(id)).toEqual([]);
      expect(codeOf(() => model.updateSession(id, { status: 'failed' }))).toBe('NOT_FOUND');
      expect(codeOf(() => model.updateToolCall(id, { status: 'failed' }))).toBe('NOT_FOUND');
      expect(codeOf(() => model.createMessage({ sessionId: id, role: 'user', content: '' }))).toBe(
        'NOT_FOUND',
      );
    }
    const call = { toolCallId: 'c', toolName: 't', request: null };
    // A message of another session is not found, nor is a session id used as a message id.
    expect(codeOf(() => model.createToolCall({ ...call, sessionId: other, messageId: m }))).toBe('NOT_FOUND');
    expect(codeOf(() => model.createToolCall({ ...call, sessionId: s, messageId: s }))).toBe('NOT_FOUND');
    expect(codeOf(() => model.createToolCall({ ...call, sessionId: s, messageId: m }))).toBeUndefined();
    // Validation comes first: bad input with an unknown id is INVALID_INPUT.
    expect(codeOf(() => model.updateSession('abc', { status: 'paused' as never }))).toBe('INVALID_INPUT');
    expect(model.getToolCalls(other)).toEqual([]);
  });

  it('rejects empty, immutable and unknown updates, and prototype-named fields, with INVALID_INPUT', () => {
    const { model } = fresh();
    const s = model.createSession(session);
    expect(codeOf(() => model.updateSession(s, {}))).toBe('INVALID_INPUT');
    expect(codeOf(() => model.updateSession(s, { status: undefined } as never))).toBe('INVALID_INPUT');
    expect(codeOf(() => model.updateSession(s, { agentName: 'x' } as never))).toBe('INVALID_INPUT');
    expect(codeOf(() => model.updateSession(s, { ended_at: 1 } as never))).toBe('INVALID_INPUT');
    for (const key of ['constructor', '__proto__', 'toString']) {
      const input = JSON.parse(`{"agentName":"a","provider":"p","model":"m","userPrompt":"","${key}":"x"}`);
      expect(codeOf(() => model.createSession(input))).toBe('INVALID_INPUT');
    }
    expect(model.sessions).toHaveLength(1);
  });

  it('round-trips JSON exactly: -0, extremes, key order, escapes inside strings', () => {
    const { model } = fresh();
    const value = JSON.parse(
      '{"b":[-0,1e308,5e-324],"2":"\\u0000\\ud800","a":{"__proto__":{"x":-0}},"1":null}',
    );
    const s = model.createSession({ ...session, config: value });
    const config = model.getSession(s)?.config as Record<string, JsonValue>;
    expect(Object.keys(config)).toEqual(['1', '2', 'b', 'a']);
    expect(Object.is((config.b as number[])[0], -0)).toBe(true);
    expect(config.b).toEqual([-0, 1e308, 5e-324]);
    expect(Object.hasOwn(config.a as object, '__proto__')).toBe(true);
    expect(config[2]).toBe('\u0000\ud800');
    // -0 survives updates of the response as well; response null is "no response".
    const c = model.createToolCall({ sessionId: s, toolCallId: 'c', toolName: 't', request: -0 });
    expect(Object.is(model.getToolCalls(s)[0]?.request, -0)).toBe(true);
    model.updateToolCall(c, { response: -0 });
    expect(Object.is(model.getToolCalls(s)[0]?.response, -0)).toBe(true);
    model.updateToolCall(c, { response: null });
    expect(model.getToolCalls(s)[0]?.response).toBeNull();
  });

  it('stores copies: mutating inputs or results changes nothing', () => {
    const { model } = fresh();
    const config = { list: [1, { deep: true }] };
    const s = model.createSession({ ...session, config });
    (config.list[1] as { deep: boolean }).deep = false;
    const read = model.getSession(s);
    if (read === null) throw new Error('the session is gone');
    (read.config as { list: unknown[] }).list.push('x');
    expect(model.getSession(s)?.config).toEqual({ list: [1, { deep: true }] });
  });

  it('with idempotency, repeating a tool call returns the first id; a different payload is CONFLICT', () => {
    const clock = { now: T0 };
    const model = new ReferenceModel(() => clock.now, { idempotency: true });
    const s = model.createSession(session);
    const other = model.createSession(session);
    const call = {
      sessionId: s,
      toolCallId: 'call_1',
      toolName: 't',
      request: { a: 1, b: -0 },
      clientKey: 'k',
    };
    const first = model.createToolCall(call);
    model.updateToolCall(first, { status: 'completed' });
    clock.now = T0 + 5;
    // Same payload (mutable fields and an omitted createdAt do not count): the first id, nothing written.
    expect(model.createToolCall({ ...call, status: 'failed', response: 1 })).toBe(first);
    expect(model.createToolCall({ ...call, createdAt: T0 })).toBe(first);
    expect(model.getToolCalls(s)).toHaveLength(1);
    expect(model.getToolCalls(s)[0]?.status).toBe('completed');
    // Anything the caller fixed at creation differs: CONFLICT, key order and -0 included.
    expect(codeOf(() => model.createToolCall({ ...call, request: { b: -0, a: 1 } }))).toBe('CONFLICT');
    expect(codeOf(() => model.createToolCall({ ...call, request: { a: 1, b: 0 } }))).toBe('CONFLICT');
    expect(codeOf(() => model.createToolCall({ ...call, toolName: 'u' }))).toBe('CONFLICT');
    expect(codeOf(() => model.createToolCall({ ...call, toolCallId: 'call_2' }))).toBe('CONFLICT');
    expect(codeOf(() => model.createToolCall({ ...call, createdAt: T0 + 1 }))).toBe('CONFLICT');
    // The key is per session; a repeated toolCallId without a key is another call.
    expect(model.createToolCall({ ...call, sessionId: other })).not.toBe(first);
    const { clientKey: _k, ...unkeyed } = call;
    expect(model.createToolCall(unkeyed)).not.toBe(first);
    expect(model.getToolCalls(s)).toHaveLength(2);
    // Without the capability a key is NOT_SUPPORTED, and nothing is deduplicated.
    const plain = fresh().model;
    const p = plain.createSession(session);
    expect(codeOf(() => plain.createToolCall({ ...call, sessionId: p }))).toBe('NOT_SUPPORTED');
    plain.createToolCall({ ...unkeyed, sessionId: p });
    plain.createToolCall({ ...unkeyed, sessionId: p });
    expect(plain.getToolCalls(p)).toHaveLength(2);
  });

  it('stores timestamps as integers: -0 reads back as 0', () => {
    const { model } = fresh(-0);
    const s = model.createSession({ ...session, endedAt: -0 });
    const got = model.getSession(s);
    expect(Object.is(got?.startedAt, 0)).toBe(true);
    expect(Object.is(got?.endedAt, 0)).toBe(true);
  });

  it('rejects text with U+0000 or lone surrogates, non-JSON values and unsafe timestamps', () => {
    const { model } = fresh();
    const s = model.createSession(session);
    expect(codeOf(() => model.createSession({ ...session, userPrompt: 'a\u0000b' }))).toBe('INVALID_INPUT');
    expect(codeOf(() => model.createSession({ ...session, model: '\ud800' }))).toBe('INVALID_INPUT');
    expect(codeOf(() => model.createSession({ ...session, config: Number.NaN }))).toBe('INVALID_INPUT');
    expect(codeOf(() => model.createSession({ ...session, config: [1, undefined] as never }))).toBe(
      'INVALID_INPUT',
    );
    expect(codeOf(() => model.createSession({ ...session, startedAt: 2 ** 53 }))).toBe('INVALID_INPUT');
    expect(
      codeOf(() => model.createSession({ ...session, startedAt: Number.MIN_SAFE_INTEGER })),
    ).toBeUndefined();
    const call = { sessionId: s, toolCallId: 'c', toolName: 't', request: null };
    expect(codeOf(() => model.createToolCall({ ...call, executionTimeMs: -1 }))).toBe('INVALID_INPUT');
    expect(codeOf(() => model.createToolCall({ ...call, executionTimeMs: 0 }))).toBeUndefined();
    expect(model.sessions).toHaveLength(2);
  });
});

describe('reference model: the optional capabilities', () => {
  it('lists sessions newest first, ties newest inserted first, filters combined with AND', () => {
    const { model } = full();
    const at = (startedAt: number, extra: Record<string, unknown> = {}) =>
      model.createSession({ ...session, startedAt, ...extra });
    const a = at(10, { agentName: 'a' });
    const b = at(30, { status: 'completed' });
    const c = at(10, { agentName: 'a', provider: 'p2' });
    const d = at(-5, { status: 'failed' });
    const ids = (q?: Parameters<ReferenceModel['listSessions']>[0]) =>
      model.listSessions(q).items.map((s) => s.id);
    expect(ids()).toEqual([b, c, a, d]);
    expect(ids({ agentName: 'a' })).toEqual([c, a]);
    expect(ids({ agentName: 'a', provider: 'p2' })).toEqual([c]);
    expect(ids({ status: ['completed', 'failed'] as SessionStatus[] })).toEqual([b, d]);
    expect(ids({ startedFrom: 10, startedBefore: 30 })).toEqual([c, a]);
    expect(codeOf(() => model.listSessions({ limit: 0 }))).toBe('INVALID_INPUT');
    expect(codeOf(() => model.listSessions({ status: 'paused' as SessionStatus }))).toBe('INVALID_INPUT');
  });

  it('pages sessions by cursor; a cursor stays valid while sessions are added; others are INVALID_INPUT', () => {
    const { model } = full();
    const made = [5, 3, 5, 9, 1].map((startedAt) => model.createSession({ ...session, startedAt }));
    const first = model.listSessions({ limit: 2 });
    expect(first.items.map((s) => s.startedAt)).toEqual([9, 5]);
    expect(first.nextCursor).not.toBeNull();
    model.createSession({ ...session, startedAt: 100 }); // newer: behind the cursor
    const older = model.createSession({ ...session, startedAt: 0 }); // older: ahead of it
    const rest = model.listSessions({ limit: 10, cursor: first.nextCursor as string });
    expect(rest.items.map((s) => s.id)).toEqual([made[0], made[1], made[4], older]);
    expect(rest.nextCursor).toBeNull();
    for (const cursor of ['', 'nope', Buffer.from('[1]').toString('base64url')]) {
      expect(codeOf(() => model.listSessions({ cursor }))).toBe('INVALID_INPUT');
    }
    // A cursor of a message page is not one of this list.
    const s = made[0] as string;
    model.createMessage({ sessionId: s, role: 'user', content: '1' });
    model.createMessage({ sessionId: s, role: 'user', content: '2' });
    const pageCursor = model.getMessagesPage(s, { limit: 1 }).nextCursor as string;
    expect(codeOf(() => model.listSessions({ cursor: pageCursor }))).toBe('INVALID_INPUT');
  });

  it('pages messages forward and backward in getMessages order, and counts them', () => {
    const { model } = full();
    const s = model.createSession(session);
    const ids = [4, 1, 4, 0, 4].map((createdAt, i) =>
      model.createMessage({ sessionId: s, role: 'user', content: `m${i}`, createdAt }),
    );
    const order = model.getMessages(s).map((m) => m.id);
    expect(order).toEqual([ids[3], ids[1], ids[0], ids[2], ids[4]]);
    const p1 = model.getMessagesPage(s, { limit: 2 });
    const p2 = model.getMessagesPage(s, { limit: 2, after: p1.nextCursor as string });
    const p3 = model.getMessagesPage(s, { limit: 2, after: p2.nextCursor as string });
    expect([...p1.items, ...p2.items, ...p3.items].map((m) => m.id)).toEqual(order);
    expect(p3.nextCursor).toBeNull();
    // Backward from the end of page 2: the rows before it, still ascending, then the rest.
    const back = model.getMessagesPage(s, { limit: 2, before: p2.nextCursor as string });
    expect(back.items.map((m) => m.id)).toEqual(order.slice(1, 3));
    const start = model.getMessagesPage(s, { limit: 2, before: back.nextCursor as string });
    expect(start).toEqual({ items: [model.getMessages(s)[0]], nextCursor: null });
    expect(model.countMessages(s)).toBe(5);
    expect(model.countMessages('nope')).toBe(0);
    expect(model.getToolCallsPage('nope')).toEqual({ items: [], nextCursor: null });
    // A cursor of another session's list is not one of this one.
    const other = model.createSession(session);
    expect(codeOf(() => model.getMessagesPage(other, { after: p1.nextCursor as string }))).toBe(
      'INVALID_INPUT',
    );
  });

  it('deletes a session with everything of it, and never reuses its ids', () => {
    const { model } = full();
    const keep = model.createSession(session);
    const gone = model.createSession(session);
    for (const id of [keep, gone]) {
      const m = model.createMessage({ sessionId: id, role: 'user', content: '' });
      const c = model.createToolCall({
        sessionId: id,
        messageId: m,
        toolCallId: 'c',
        toolName: 't',
        request: 1,
      });
      model.createQuestions(id, [{ questionId: 'q', question: 'Q?', toolCallId: c }]);
      model.createSettings(id, [{ settingKey: 'k', settingName: 'K' }]);
    }
    expect(model.deleteSession(gone)).toBe(true);
    expect(model.deleteSession(gone)).toBe(false);
    expect([model.getSession(gone), model.getMessages(gone), model.getToolCalls(gone)]).toEqual([
      null,
      [],
      [],
    ]);
    expect([model.getQuestions(gone), model.getSettings(gone)]).toEqual([[], []]);
    expect(model.getMessages(keep)).toHaveLength(1);
    expect(model.createSession(session)).toBe('session-3');
    expect(codeOf(() => model.createMessage({ sessionId: gone, role: 'user', content: '' }))).toBe(
      'NOT_FOUND',
    );
  });

  it('appends a batch all or nothing, links messageIndex, and a retried batch writes nothing', () => {
    const { model, clock } = full();
    const s = model.createSession(session);
    const batch = {
      messages: [
        { sessionId: s, role: 'user' as const, content: 'a', clientKey: 'k1' },
        { sessionId: s, role: 'assistant' as const, content: '', clientKey: 'k2' },
      ],
      toolCalls: [
        { sessionId: s, toolCallId: 'c1', toolName: 't', request: {}, messageIndex: 1, clientKey: 'tk1' },
      ],
    };
    const first = model.appendBatch(batch);
    expect(model.getToolCalls(s)[0]?.messageId).toBe(first.messageIds[1]);
    clock.now += 5;
    expect(model.appendBatch(batch)).toEqual(first);
    expect([model.getMessages(s).length, model.getToolCalls(s).length]).toEqual([2, 1]);
    // One bad item: nothing at all is written.
    const before = [model.getMessages(s), model.getToolCalls(s)];
    expect(
      codeOf(() =>
        model.appendBatch({
          messages: [
            { sessionId: s, role: 'user', content: 'new' },
            { sessionId: 'nope', role: 'user', content: '' },
          ],
        }),
      ),
    ).toBe('NOT_FOUND');
    expect([model.getMessages(s), model.getToolCalls(s)]).toEqual(before);
  });

  it('names every fault of a call with several: the first, and the others as acceptable too', () => {
    const { model } = full();
    const s = model.createSession(session);
    model.createMessage({ sessionId: s, role: 'user', content: 'a', clientKey: 'k' });
    try {
      model.appendBatch({
        messages: [
          { sessionId: 'nope', role: 'user', content: '' },
          { sessionId: s, role: 'user', content: 'changed', clientKey: 'k' },
        ],
      });
      expect.unreachable();
    } catch (e) {
      expect(acceptableCodes(e as AgentStorageError)).toEqual(['NOT_FOUND', 'CONFLICT']);
    }
  });

  it('updates conditionally: CONFLICT from another status, NOT_FOUND for an unknown id', () => {
    const { model } = full();
    const s = model.createSession(session);
    model.updateSession(s, { status: 'completed' }, { expectedStatus: 'running' });
    expect(codeOf(() => model.updateSession(s, { status: 'failed' }, { expectedStatus: 'running' }))).toBe(
      'CONFLICT',
    );
    expect(model.getSession(s)?.status).toBe('completed');
    model.updateSession(s, { status: 'running' }, { expectedStatus: ['failed', 'completed'] });
    expect(
      codeOf(() => model.updateSession('nope', { status: 'failed' }, { expectedStatus: 'running' })),
    ).toBe('NOT_FOUND');
    expect(codeOf(() => model.updateSession(s, { status: 'failed' }, { expectedStatus: [] }))).toBe(
      'INVALID_INPUT',
    );
    // Without the capability, the option is NOT_SUPPORTED.
    const { model: plain } = fresh();
    const p = plain.createSession(session);
    expect(codeOf(() => plain.updateSession(p, { status: 'failed' }, { expectedStatus: 'running' }))).toBe(
      'NOT_SUPPORTED',
    );
  });

  it('stores questions and settings with repeatable keys: values go to the pending ones, else the latest; an unknown key is NOT_FOUND; all or nothing', () => {
    const { model } = full();
    const s = model.createSession(session);
    const other = model.createSession(session);
    const foreign = model.createToolCall({ sessionId: other, toolCallId: 'c', toolName: 't', request: 1 });
    model.createQuestions(s, [
      { questionId: 'q1', question: 'One?', createdAt: 5 },
      { questionId: 'q2', question: 'Two?', createdAt: 3 },
    ]);
    expect(model.getQuestions(s).map((q) => q.questionId)).toEqual(['q2', 'q1']);
    expect(
      codeOf(() => model.createQuestions(s, [{ questionId: 'q3', question: '?', toolCallId: foreign }])),
    ).toBe('NOT_FOUND');
    expect(
      codeOf(() =>
        model.answerQuestions(s, [
          { questionId: 'q1', answer: 'yes' },
          { questionId: 'nope', answer: 'no' },
        ]),
      ),
    ).toBe('NOT_FOUND');
    expect(model.getPendingQuestions(s)).toHaveLength(2);
    model.answerQuestions(s, [{ questionId: 'q1', answer: 'yes', answeredAt: 9 }]);
    expect(model.getPendingQuestions(s).map((q) => q.questionId)).toEqual(['q2']);
    // Asked again: a new pending q1; its answer leaves the first round's alone; again: the latest only.
    model.createQuestions(s, [{ questionId: 'q1', question: 'Again?', createdAt: 10 }]);
    model.answerQuestions(s, [{ questionId: 'q1', answer: 'no', answeredAt: 11 }]);
    model.answerQuestions(s, [{ questionId: 'q1', answer: 'maybe', answeredAt: 12 }]);
    expect(model.getQuestions(s).map((q) => [q.questionId, q.answer, q.answeredAt])).toEqual([
      ['q2', null, null],
      ['q1', 'yes', 9],
      ['q1', 'maybe', 12],
    ]);
    expect(model.createQuestions('nope', [])).toEqual([]);

    model.createSettings(s, [
      { settingKey: 'k', settingName: 'K' },
      { settingKey: 'v', settingName: 'V', settingValue: '' },
    ]);
    expect(model.getPendingSettings(s).map((x) => x.settingKey)).toEqual(['k']);
    expect(
      codeOf(() =>
        model.setSettingValues(s, [
          { settingKey: 'k', value: 'x' },
          { settingKey: 'z', value: 'y' },
        ]),
      ),
    ).toBe('NOT_FOUND');
    expect(model.getPendingSettings(s)).toHaveLength(1);
    model.setSettingValues(s, [{ settingKey: 'k', value: 'x' }]);
    expect(model.getSettings(s).map((x) => [x.settingKey, x.settingValue, x.updatedAt])).toEqual([
      ['k', 'x', T0],
      ['v', '', null],
    ]);
  });

  it('rejects every optional operation it does not declare with NOT_SUPPORTED', () => {
    const { model } = fresh();
    const s = model.createSession(session);
    for (const call of [
      () => model.listSessions(),
      () => model.deleteSession(s),
      () => model.getMessagesPage(s),
      () => model.countToolCalls(s),
      () => model.appendBatch({}),
      () => model.getQuestions(s),
      () => model.createSettings(s, []),
    ]) {
      expect(codeOf(call)).toBe('NOT_SUPPORTED');
    }
  });

  it('clones independently: state and id counters', () => {
    const { model } = full();
    const s = model.createSession(session);
    const copy = model.clone();
    copy.createMessage({ sessionId: s, role: 'user', content: 'only in the copy' });
    copy.deleteSession(s);
    expect(model.getSession(s)).not.toBeNull();
    expect(model.getMessages(s)).toEqual([]);
    expect(model.createMessage({ sessionId: s, role: 'user', content: '' })).toBe('message-1');
    expect(copy.createSession(session)).toBe('session-2');
  });
});
