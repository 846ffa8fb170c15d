import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { generatedDecoder, interpretedDecoder, type Row } from '../src/core/rows.js';
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
