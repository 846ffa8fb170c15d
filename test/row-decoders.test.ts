import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { abbreviatePath, encodeJson, storedJsonProblem } from '../src/contract/json.js';
import { generatedDecoder, interpretedDecoder, NotUtf8, type Row } from '../src/core/rows.js';
import { SCHEMA, type Table } from '../src/core/schema.js';

// Rows are decoded by generated code where the runtime allows it and by a loop where it does
// not (a CSP without unsafe-eval, Cloudflare Workers). Both must accept, build and reject the
// same rows with the same errors, so every column gets valid and invalid values alike.

const VALID = {
  id: fc.bigInt({ min: -(2n ** 40n), max: 2n ** 40n }).map(String),
  text: fc.string(),
  json: fc.json(),
  integer: fc.integer(),
} as const;

/** Mostly a value the column accepts (so whole rows decode), sometimes anything at all. */
const cell = (table: Table, column: Table['columns'][number]) => {
  const valid: fc.Arbitrary<unknown> =
    column.type === 'enum' ? fc.constantFrom(...(column.values ?? [])) : VALID[column.type];
  const anything = fc.oneof(
    fc.constant(null),
    fc.constant(undefined),
    fc.string(),
    fc.integer(),
    fc.double(),
    fc.bigInt(),
    fc.constantFrom(...(column.values ?? ['x']).map((v) => v.toUpperCase())),
    fc.uint8Array({ maxLength: 4 }),
    fc.constant(table.name),
  );
  return fc.oneof(
    { arbitrary: column.nullable ? fc.option(valid, { freq: 4 }) : valid, weight: 20 },
    { arbitrary: anything, weight: 1 },
  );
};

const row = (table: Table) =>
  fc.record(Object.fromEntries(table.columns.map((c) => [c.column, cell(table, c)]))) as fc.Arbitrary<Row>;

function outcome(decode: (adapter: string, row: Row) => unknown, r: Row): unknown {
  try {
    return { value: decode('test', r) };
  } catch (e) {
    const error = e as { code?: string; message: string; field?: string };
    return { code: error.code, message: error.message, field: error.field };
  }
}

describe('row decoders', () => {
  afterEach(() => {
    vi.unstubAllGlobals();
    vi.resetModules();
  });

  for (const [name, table] of Object.entries(SCHEMA)) {
    it(`${name}: the generated decoder and the loop agree on every row, valid or corrupt`, () => {
      const generated = generatedDecoder(table);
      const interpreted = interpretedDecoder(table);
      let decoded = 0;
      fc.assert(
        fc.property(row(table), (r) => {
          const a = outcome(generated, r);
          expect(a).toEqual(outcome(interpreted, r));
          if ('value' in (a as object)) decoded++;
        }),
        { numRuns: 500, seed: 1 },
      );
      // Some generated rows are valid, or the comparison says little about building values.
      expect(decoded).toBeGreaterThan(0);
    });
  }

  it('falls back to the loop where code generation is refused, and still decodes', async () => {
    const refuse = function Refused() {
      throw new EvalError('Code generation from strings disallowed for this context');
    };
    vi.stubGlobal('Function', refuse);
    vi.resetModules();
    const rows = await import('../src/core/rows.js');
    vi.unstubAllGlobals();
    const session = rows.decodeSetting('test', {
      id: '7',
      session_id: '3',
      tool_call_id: null,
      setting_key: 'k',
      setting_name: 'n',
      description: null,
      setting_type: 't',
      setting_value: null,
      created_at: 5,
      updated_at: null,
    });
    expect(session).toEqual({
      id: '7',
      sessionId: '3',
      toolCallId: null,
      settingKey: 'k',
      settingName: 'n',
      description: null,
      settingType: 't',
      settingValue: null,
      createdAt: 5,
      updatedAt: null,
    });
    expect(() => rows.decodeSetting('test', { id: '7' } as Row)).toThrow(/CORRUPT|project_settings row 7/);
  });
});

const digits = (minLength: number, maxLength: number) =>
  fc.string({ unit: fc.constantFrom(...'0123456789'), minLength, maxLength });

/** JSON number literals of every size: up to 400 integer digits (often near the 210 to 309 that matter), exponents of up to 5 digits. */
const numberLiteral = fc
  .tuple(
    fc.constantFrom('', '-'),
    fc.oneof(
      fc.constant('0'),
      fc
        .tuple(fc.constantFrom(...'123456789'), fc.oneof(digits(0, 20), digits(180, 400)))
        .map(([a, b]) => a + b),
    ),
    fc.option(digits(1, 20)),
    fc.option(
      fc.tuple(
        fc.constantFrom('e', 'E'),
        fc.constantFrom('', '+', '-'),
        fc.oneof(digits(1, 2), digits(3, 5)),
      ),
    ),
  )
  .map(
    ([sign, int, frac, exp]) =>
      `${sign}${int}${frac === null ? '' : `.${frac}`}${exp === null ? '' : exp.join('')}`,
  );

/** JSON text with such numbers, strings that look like them, and nesting around the limit. */
const jsonText = fc
  .tuple(
    fc.letrec<{ value: string; array: string; object: string }>((tie) => ({
      value: fc.oneof(
        { depthSize: 'small' },
        numberLiteral,
        fc
          .oneof(fc.string(), fc.constantFrom('file123', 'e999', '1e400', '['.repeat(600)))
          .map((v) => JSON.stringify(v)),
        fc.constantFrom('true', 'null'),
        tie('array'),
        tie('object'),
      ),
      array: fc.array(tie('value'), { maxLength: 4 }).map((xs) => `[${xs.join(',')}]`),
      object: fc
        .array(fc.tuple(fc.string(), tie('value')), { maxLength: 4 })
        .map((kv) => `{${kv.map(([k, v]) => `${JSON.stringify(k)}:${v}`).join(',')}}`),
    })).value,
    fc.integer({ min: 0, max: 520 }),
    fc.boolean(),
  )
  .map(([inner, depth, arrays]) =>
    arrays
      ? `${'['.repeat(depth)}${inner}${']'.repeat(depth)}`
      : `${'{"k":'.repeat(depth)}${inner}${'}'.repeat(depth)}`,
  );

const refusedByEncoder = (v: unknown) => {
  try {
    encodeJson(v);
    return false;
  } catch {
    return true;
  }
};

const sessionRow = (cells: Record<string, unknown>): Row =>
  ({
    id: '1',
    agent_name: 'a',
    provider: 'p',
    model: 'm',
    system_prompt: null,
    user_prompt: 'u',
    config: null,
    status: 'running',
    started_at: 1,
    ended_at: null,
    result: null,
    error: null,
    ...cells,
  }) as Row;

describe('what a decoder refuses that the contract cannot represent', () => {
  const decoders = [generatedDecoder(SCHEMA.sessions), interpretedDecoder(SCHEMA.sessions)];

  it('screens stored JSON exactly: corrupt when, and only when, the encoder would refuse what it parses to', () => {
    let refused = 0;
    fc.assert(
      fc.property(jsonText, (text) => {
        const value = JSON.parse(text);
        const expected = refusedByEncoder(value);
        if (expected) refused++;
        expect(storedJsonProblem(text, value) !== undefined).toBe(expected);
        for (const decode of decoders) {
          const outcome = (() => {
            try {
              decode('test', sessionRow({ config: text }));
              return 'read';
            } catch (e) {
              return (e as { code?: string }).code;
            }
          })();
          expect(outcome).toBe(expected ? 'CORRUPT_DATA' : 'read');
        }
      }),
      { numRuns: 2000, seed: 7 },
    );
    expect(refused).toBeGreaterThan(100);
  });

  it('reports stored JSON past the limits with table, row, column and an abbreviated path', () => {
    const deep = (n: number) => `${'['.repeat(n)}${']'.repeat(n)}`;
    for (const decode of decoders) {
      for (const [text, problem] of [
        ['{"a":1e400}', "$.a is a number beyond a double's range (read as Infinity)"],
        ['[0,-1E+309]', "$[1] is a number beyond a double's range (read as -Infinity)"],
        [`{"n":1${'0'.repeat(309)}}`, '$.n is a number beyond'],
        // 210 digits and a two-digit exponent: 2e308, the shortest run that overflows this way.
        [`[2${'0'.repeat(209)}e99]`, '$[0] is a number beyond'],
        [deep(513), '$[0][0][0][0][0]…(502 more)…[0][0][0][0][0] nests deeper than 512 levels'],
      ]) {
        expect(() => decode('test', sessionRow({ config: text }))).toThrow(
          `agent_sessions row 1 column config holds JSON the contract cannot represent: ${problem}`,
        );
      }
      expect(decode('test', sessionRow({ config: deep(512) }))).toMatchObject({ id: '1' });
      expect(
        (
          decode('test', sessionRow({ config: '[1.7976931348623157e308,5e-324,"e999"]' })) as {
            config: unknown;
          }
        ).config,
      ).toEqual([Number.MAX_VALUE, 5e-324, 'e999']);
    }
  });

  it('reports bytes that are not UTF-8 and a blob where text belongs, naming the column; text holding U+0000 or a lone surrogate reads back whole', () => {
    for (const decode of decoders) {
      for (const [value, problem] of [
        [new NotUtf8(3), 'holds text that is not valid UTF-8 (3 bytes)'],
        [new ArrayBuffer(2), 'holds a 2-byte blob, not text'],
      ] as const) {
        expect(() => decode('test', sessionRow({ user_prompt: value }))).toThrow(
          `agent_sessions row 1 column user_prompt ${problem}`,
        );
        expect(() => decode('test', sessionRow({ agent_name: value }))).toThrow('column agent_name');
        expect(() => decode('test', sessionRow({ status: value }))).toThrow('column status');
      }
      // What the contract refuses as input but a string holds reads back as stored, never cut.
      for (const text of ['a\u0000b', 'a\ud800b'])
        expect(decode('test', sessionRow({ user_prompt: text }))).toMatchObject({ userPrompt: text });
      expect(decode('test', sessionRow({ agent_name: '', model: 'm'.repeat(600) }))).toMatchObject({
        agentName: '',
        model: 'm'.repeat(600),
      });
    }
  });

  it('abbreviates a long JSON path, keeping its ends', () => {
    expect(abbreviatePath('$.a[2]')).toBe('$.a[2]');
    expect(abbreviatePath(`$${'[0]'.repeat(512)}`)).toBe('$[0][0][0][0][0]…(502 more)…[0][0][0][0][0]');
    expect(abbreviatePath(`$${'.a[1]'.repeat(10)}`)).toBe('$.a[1].a[1].a…(10 more)…[1].a[1].a[1]');
  });
});
