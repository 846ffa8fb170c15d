import { describe, expect, it } from 'vitest';
import { AgentStorageError } from '../src/contract/errors.js';
import { encodeCursor, validatePageQuery, validateSessionQuery } from '../src/contract/validation.js';

// Cursors are opaque to callers, but every adapter built on the shared validation trusts
// what decoding returns: these pin down that only what encodeCursor wrote gets through.
const ctx = { adapter: 'test', clock: () => 0 };
const T0 = 1_735_689_600_000;

function rejection(run: () => unknown): { code: string; field: string | undefined } {
  try {
    run();
  } catch (e) {
    expect(e).toBeInstanceOf(AgentStorageError);
    const error = e as AgentStorageError;
    return { code: error.code, field: error.field };
  }
  throw new Error('expected INVALID_INPUT, nothing was thrown');
}

describe('cursors', () => {
  it('round-trip through validation, also when the scope holds dots', () => {
    for (const sessionId of ['1', '42', '1.5', 'a.b.c']) {
      const after = encodeCursor(`messages:${sessionId}`, { key: T0, id: '7' });
      expect(validatePageQuery(ctx, 'getMessagesPage', 'messages', sessionId, { after }).after).toEqual({
        key: T0,
        id: '7',
      });
    }
    for (const key of [0, -5, Number.MAX_SAFE_INTEGER, -Number.MAX_SAFE_INTEGER]) {
      const cursor = encodeCursor('sessions', { key, id: '123' });
      expect(validateSessionQuery(ctx, { cursor }).cursor).toEqual({ key, id: '123' });
    }
  });

  it('of another list or session are INVALID_INPUT naming the field', () => {
    const forOne = encodeCursor('messages:1', { key: T0, id: '7' });
    for (const [list, sessionId] of [
      ['messages', '1.5'],
      ['messages', '2'],
      ['toolCalls', '1'],
    ] as const) {
      expect(rejection(() => validatePageQuery(ctx, 'op', list, sessionId, { before: forOne }))).toEqual({
        code: 'INVALID_INPUT',
        field: 'before',
      });
    }
    expect(rejection(() => validateSessionQuery(ctx, { cursor: forOne }))).toEqual({
      code: 'INVALID_INPUT',
      field: 'cursor',
    });
  });

  it('that no storage wrote are INVALID_INPUT naming the field', () => {
    const forged = [
      '',
      '.',
      '..',
      'sessions',
      'sessions.1',
      'sessions..1',
      `sessions.${T0}.`,
      `.${T0}.1`,
      'sessions.-0.1',
      'sessions.01.1',
      'sessions.+1.1',
      'sessions.1e3.1',
      'sessions.0x10.1',
      'sessions. 1.1',
      'sessions.1.5.1',
      `sessions.${2 ** 53}.1`,
      `sessions.${-(2 ** 53)}.1`,
      Buffer.from(JSON.stringify(['sessions', T0, '1'])).toString('base64url'),
      5,
      null,
      {},
    ];
    for (const cursor of forged) {
      expect(
        rejection(() => validateSessionQuery(ctx, { cursor })),
        String(cursor),
      ).toEqual({
        code: 'INVALID_INPUT',
        field: 'cursor',
      });
    }
  });
});
