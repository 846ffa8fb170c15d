import { MAX_JSON_DEPTH } from '../../src/contract/json.js';
import type { JsonValue } from '../../src/contract/types.js';
import { rejects, same } from '../expect.js';
import { aSession, newSession, newToolCall, writesNothing } from '../fixtures.js';
import type { Requirement, RequirementContext } from '../types.js';

function nest(depth: number): JsonValue {
  let v: JsonValue = 'bottom';
  for (let i = 0; i < depth; i++) v = i % 2 ? [v] : { d: v };
  return v;
}

/** JSON values that backends are known to mangle: -0, extremes, key order, escapes. */
export const TRICKY_JSON: readonly [string, JsonValue][] = [
  ['null', null],
  ['false', false],
  ['-0', -0],
  ['0', 0],
  ['1e308', 1e308],
  ['5e-324', 5e-324],
  ['-1.5e-7', -1.5e-7],
  ['max safe integer', Number.MAX_SAFE_INTEGER],
  ['2^53 + 2', 2 ** 53 + 2],
  ['empty string', ''],
  ['astral and combining', '😀 e\u0301 \u202Eabc'],
  ['U+0000 inside JSON', 'a\u0000b'],
  ['lone surrogate inside JSON', 'a\ud800b'],
  ['empty object', {}],
  ['empty array', []],
  ['integer-like keys', JSON.parse('{"b":1,"2":2,"a":3,"1":4,"-1":5,"01":6}') as JsonValue],
  ['__proto__ key', JSON.parse('{"__proto__":{"x":1},"y":2}') as JsonValue],
  ['keys needing escapes', { 'a"b': 1, 'c\\d': 2, '\u0000': 3, '😀': 4, '': 5 }],
  ['mixed array', [1, 'two', null, true, { three: [3] }, [-0]]],
  [`nested ${MAX_JSON_DEPTH - 1} deep`, nest(MAX_JSON_DEPTH - 1)],
];

const BAD_JSON: readonly [string, unknown][] = [
  ['NaN', Number.NaN],
  ['Infinity', Number.POSITIVE_INFINITY],
  ['-Infinity', Number.NEGATIVE_INFINITY],
  ['a BigInt', 10n],
  ['a function', () => 1],
  ['a symbol', Symbol('s')],
  ['undefined inside an object', { a: undefined }],
  ['undefined inside an array', [1, undefined]],
  ['a sparse array', Object.assign(new Array(3), { 0: 1, 2: 3 })],
  ['a Date', new Date(0)],
  ['a Map', new Map()],
  [
    'a cycle',
    (() => {
      const o: Record<string, unknown> = {};
      o.self = o;
      return o;
    })(),
  ],
  [`nesting past ${MAX_JSON_DEPTH}`, nest(MAX_JSON_DEPTH + 1)],
];

async function everyJsonField(ctx: RequirementContext, value: JsonValue, what: string): Promise<void> {
  const sessionId = await ctx.store.createSession(newSession({ config: value }));
  same((await ctx.store.getSession(sessionId))?.config, value, `${what} as session config`);
  const callId = await ctx.store.createToolCall(newToolCall(sessionId, { request: value, response: value }));
  const [call] = await ctx.store.getToolCalls(sessionId);
  same(call?.request, value, `${what} as tool call request`);
  same(call?.response, value === null ? null : value, `${what} as tool call response`);
  await ctx.store.updateToolCall(callId, { response: value });
  same((await ctx.store.getToolCalls(sessionId))[0]?.response, value, `${what} as updated response`);
}

export const jsonRequirements: Requirement[] = [
  {
    id: 'json.round-trip',
    title:
      'JSON fields round-trip exactly: key order, -0, extremes, escapes, U+0000 and lone surrogates inside strings, deep nesting',
    async run(ctx) {
      for (const [what, value] of TRICKY_JSON) await everyJsonField(ctx, value, what);
    },
  },
  {
    id: 'json.reject-non-json',
    title:
      'Non-JSON values (NaN, ±Infinity, BigInt, functions, undefined, class instances, cycles, over-deep nesting) reject with INVALID_INPUT naming the field; nothing is written',
    async run(ctx) {
      const sessionId = await aSession(ctx);
      const callId = await ctx.store.createToolCall(newToolCall(sessionId));
      const visible = async () => [
        await ctx.store.getSession(sessionId),
        await ctx.store.getToolCalls(sessionId),
      ];
      for (const [what, value] of BAD_JSON) {
        const v = value as JsonValue;
        await writesNothing(
          ctx,
          `config = ${what}`,
          () =>
            rejects(
              () => ctx.store.createSession(newSession({ config: v })),
              'INVALID_INPUT',
              `config = ${what}`,
              { field: 'config' },
            ),
          visible,
        );
        await writesNothing(
          ctx,
          `request = ${what}`,
          () =>
            rejects(
              () => ctx.store.createToolCall(newToolCall(sessionId, { request: v })),
              'INVALID_INPUT',
              `request = ${what}`,
              { field: 'request' },
            ),
          visible,
        );
        await writesNothing(
          ctx,
          `response = ${what}`,
          () =>
            rejects(
              () => ctx.store.updateToolCall(callId, { response: v }),
              'INVALID_INPUT',
              `response = ${what}`,
              { field: 'response' },
            ),
          visible,
        );
      }
    },
  },
];
