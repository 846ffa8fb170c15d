import { describe, expect, it } from 'vitest';
import { T0 } from '../conformance/fixtures.js';
import { CONTRACT_HAS_CLIENT_KEYS, modelTarget, ReferenceModel } from '../conformance/model.js';
import { runConformance } from '../conformance/run.js';
import { AgentStorageError } from '../src/contract/errors.js';
import type { JsonValue } from '../src/contract/types.js';

/** The reference model is the contract written as code; these examples pin it down. */

function fresh(now = T0) {
  const clock = { now };
  return { model: new ReferenceModel(() => clock.now), clock };
}

const session = { agentName: 'agent', provider: 'anthropic', model: 'claude', userPrompt: 'hi' };

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
  it('passes the conformance suite (requirements needing inspect or persistence aside)', async () => {
    // Declaring idempotency where the contract has it runs those requirements against the model too.
    const report = await runConformance(modelTarget({ idempotency: CONTRACT_HAS_CLIENT_KEYS }));
    const failures = report.results.filter((r) => r.status === 'failed');
    expect(failures).toEqual([]);
    expect(report.passed).toBeGreaterThan(30);
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
    const call = { sessionId: s, toolCallId: 'call_1', toolName: 't', request: { a: 1, b: -0 } };
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
    expect(codeOf(() => model.createToolCall({ ...call, createdAt: T0 + 1 }))).toBe('CONFLICT');
    // The key is per session; without the capability there is no deduplication at all.
    expect(model.createToolCall({ ...call, sessionId: other })).not.toBe(first);
    const plain = fresh().model;
    const p = plain.createSession(session);
    plain.createToolCall({ ...call, sessionId: p });
    plain.createToolCall({ ...call, sessionId: p, toolName: 'u' });
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
