import fc from 'fast-check';
import { MAX_JSON_DEPTH } from '../src/contract/json.js';
import {
  type JsonValue,
  MESSAGE_ROLES,
  SESSION_STATUSES,
  TOOL_CALL_STATUSES,
} from '../src/contract/types.js';
import { T0 } from './fixtures.js';
import type { ModelCapabilities } from './reference-model.js';

/**
 * fast-check generators that hunt for differences between backends: text beyond the BMP,
 * U+0000 and lone surrogates, empty and long strings, JSON with -0 and extreme numbers,
 * integer-like keys and deep nesting, timestamps that tie or sit on the safe-integer edge,
 * and ids that no store issued. The command inputs built from them are mostly valid (so
 * that a run builds up state) with one thing wrong in a fair share of them.
 */

/**
 * `prototypeKeys` and `negativeZeroTimestamps` are on unless set to `false` (both found
 * real bugs). `idempotency` follows the adapter's capabilities.
 */
export interface ArbitraryOptions {
  /**
   * Add keys named like `Object.prototype` members (`constructor`, `__proto__`,
   * `toString`, `hasOwnProperty`, `valueOf`) as unknown fields of inputs: the contract
   * says any field a record does not have is INVALID_INPUT. Default on.
   */
  prototypeKeys?: boolean | undefined;
  /**
   * Add `-0` among the timestamps: every adapter must read it back as `0` (integer
   * columns have no negative zero). Default on.
   */
  negativeZeroTimestamps?: boolean | undefined;
  /**
   * The adapter declares capability `idempotency`: messages and tool calls take a `clientKey`.
   * (`checkModelBased` sets it from the adapter's capabilities.) Wins over
   * `capabilities.idempotency` when set.
   */
  idempotency?: boolean | undefined;
  /**
   * The optional capabilities the adapter declares: commands of the others are not
   * generated. (`checkModelBased` sets them from the adapter's capabilities.)
   */
  capabilities?: Partial<ModelCapabilities> | undefined;
  /**
   * Let a batch's tool call name by `messageId` an id no message has yet (a plausible id,
   * another table's id): the batch's own messages may be given that very id. The contract
   * says NOT_FOUND (the message does not exist when the call is made). Default on (the SQL
   * adapters once accepted it).
   */
  batchGuessedIds?: boolean | undefined;
}

// ---------------------------------------------------------------- strings

/** Pieces of text that backends and encoders are known to treat differently, all well-formed. */
const TRICKY_UNITS = [
  'a',
  'Z',
  ' ',
  '😀',
  '𝔘',
  '👩‍👩‍👧',
  'é',
  'e\u0301',
  '\u202E',
  '\u05E9',
  "'",
  '"',
  '\\',
  '%',
  '_',
  '\n',
  '\r\n',
  '\t',
  '\u00A0',
  '\u2028',
  '\uFEFF',
  '\uFFFF',
  '\uFFFE',
  '\u0001',
  '\u007F',
];
const BAD_UNITS = ['\u0000', '\ud800', '\udbff', '\udc00', '\udfff', '\ud83d'];

const shortTextArb: fc.Arbitrary<string> = fc.oneof(
  { weight: 2, arbitrary: fc.string({ unit: fc.constantFrom(...TRICKY_UNITS), maxLength: 8 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 6 }) },
);

/** Long text: up to a few KB, and around 512 UTF-16 units (the limit on names and keys). */
export const longTextArb: fc.Arbitrary<string> = fc
  .tuple(
    fc.constantFrom('x', '😀', 'é', "'", '\u0001'),
    fc.oneof(fc.integer({ min: 0, max: 3000 }), fc.constantFrom(256, 511, 512, 513)),
  )
  .map(([unit, n]) => unit.repeat(n));

/** Well-formed text without U+0000: empty, short, beyond the BMP, or a few KB long. */
export const textArb: fc.Arbitrary<string> = fc.oneof(
  { weight: 6, arbitrary: shortTextArb },
  { weight: 1, arbitrary: fc.constant('') },
  { weight: 1, arbitrary: longTextArb },
);

/**
 * Non-empty well-formed text (agentName, provider, model, toolName, toolCallId), long
 * less often: a record has several of them, and most records should be valid.
 */
export const nonEmptyTextArb: fc.Arbitrary<string> = fc
  .oneof({ weight: 12, arbitrary: shortTextArb }, { weight: 1, arbitrary: longTextArb })
  .filter((s) => s.length > 0);

/** Text no text field accepts: U+0000 or a lone surrogate somewhere. */
export const badTextArb: fc.Arbitrary<string> = fc
  .tuple(
    fc.string({ unit: fc.constantFrom('a', '😀', 'é'), maxLength: 3 }),
    fc.constantFrom(...BAD_UNITS),
    fc.string({ unit: fc.constantFrom('a', '😀', 'é'), maxLength: 3 }),
  )
  .map(([before, bad, after]) => before + bad + after);

/**
 * One code point outside the surrogates: fast-check's `unit: 'binary'` (the same values from
 * the same seed, and the same "dangerous" strings mixed in), with its unmapper computed
 * instead of looked up. fast-check builds that lookup as a map of all 1,112,064 code points,
 * 1.8 s of CPU in every process that loads the suite (each `agent-storage verify` included).
 */
const SURROGATES = 0xe000 - 0xd800;
const anyCodePointArb: fc.Arbitrary<string> = fc.nat({ max: 0x10ffff - SURROGATES }).map(
  (n) => String.fromCodePoint(n < 0xd800 ? n : n + SURROGATES),
  (value) => {
    const cp = typeof value === 'string' ? value.codePointAt(0) : undefined;
    if (cp === undefined || String.fromCodePoint(cp) !== value || (cp >= 0xd800 && cp < 0xe000))
      throw new Error('not one code point outside the surrogates');
    return cp < 0xd800 ? cp : cp - SURROGATES;
  },
);

/** Any string, well-formed or not: what may appear inside JSON (which escapes it). */
export const anyStringArb: fc.Arbitrary<string> = fc.oneof(
  textArb,
  badTextArb,
  fc.string({ unit: anyCodePointArb, maxLength: 6 }),
);

// ---------------------------------------------------------------- JSON

/** Numbers that survive some backends and not others. */
export const TRICKY_NUMBERS: readonly number[] = [
  -0,
  0,
  1,
  -1,
  0.1,
  1e308,
  -1e308,
  5e-324,
  -5e-324,
  -1.5e-7,
  Number.MAX_SAFE_INTEGER,
  Number.MIN_SAFE_INTEGER,
  2 ** 53 + 2,
  2 ** 64,
  Number.MAX_VALUE,
];

/** Object keys that JavaScript orders before the others, or that need escaping. */
export const TRICKY_KEYS: readonly string[] = [
  '1',
  '01',
  '-1',
  '0',
  '10',
  '2',
  '1.0',
  '4294967294',
  '4294967295',
  '__proto__',
  'constructor',
  '',
  'a',
  'b',
  '😀',
  '\u0000',
  '\ud800',
  'a"b',
  'c\\d',
];

const jsonLeafArb: fc.Arbitrary<JsonValue> = fc.oneof(
  { weight: 1, arbitrary: fc.constant(null) },
  { weight: 1, arbitrary: fc.boolean() },
  { weight: 4, arbitrary: fc.constantFrom(...TRICKY_NUMBERS) },
  { weight: 1, arbitrary: fc.double({ noNaN: true, noDefaultInfinity: true }) },
  { weight: 1, arbitrary: fc.integer() },
  { weight: 2, arbitrary: anyStringArb },
);

const jsonKeyArb: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...TRICKY_KEYS) },
  { weight: 1, arbitrary: fc.string({ maxLength: 4 }) },
);

/** Any JSON value (key order, -0, extremes, odd keys and strings), a few levels deep. */
export const jsonValueArb: fc.Arbitrary<JsonValue> = fc.letrec<{
  value: JsonValue;
  array: JsonValue[];
  object: { [key: string]: JsonValue };
}>((tie) => ({
  value: fc.oneof({ depthSize: 'small', maxDepth: 5 }, jsonLeafArb, tie('array'), tie('object')),
  array: fc.array(tie('value'), { maxLength: 4 }),
  object: fc
    .uniqueArray(fc.tuple(jsonKeyArb, tie('value')), { selector: ([key]) => key, maxLength: 4 })
    // fromEntries defines own properties: a "__proto__" key stays a key.
    .map((entries) => Object.fromEntries(entries)),
})).value;

/** Values JSON cannot hold, by name; `buildValue` makes a fresh one each time. */
export const BAD_JSON_KINDS = [
  'NaN',
  'Infinity',
  '-Infinity',
  'bigint',
  'function',
  'symbol',
  'undefined in object',
  'undefined in array',
  'sparse array',
  'Date',
  'Map',
  'boxed string',
  'class instance',
  'symbol key',
  'cycle',
  'NaN nested',
] as const;
export type BadJsonKind = (typeof BAD_JSON_KINDS)[number];

// ---------------------------------------------------------------- values and ids

export type Table = 'sessions' | 'messages' | 'toolCalls';

/**
 * How a command names a row. Ids are opaque and unknown when the command is generated,
 * so the command says which row it means and the runner looks the id up:
 * - `known`: the `pick`-th row of the table the argument belongs to (modulo the rows there are);
 * - `sibling`: for a tool call's `messageId`, the `pick`-th message of the call's session
 *   (`null` when it has none);
 * - `cross`: the id of a row of another table (a message id passed as a session id);
 * - `raw`: a literal value (`''`, `'01'`, `'abc'`, `1`, `null`...) passed unchanged.
 */
export type IdRef =
  | { kind: 'known'; pick: number }
  | { kind: 'sibling'; pick: number }
  | { kind: 'cross'; table: Table; pick: number }
  | { kind: 'raw'; value: unknown };

/**
 * One input value, as data: fast-check prints it, shrinks it, and the runner builds a
 * fresh copy of it for the adapter and another for the model (so mutating one after the
 * call is a test of the other).
 */
export type Val =
  | { t: 'plain'; v: unknown }
  | { t: 'json'; v: JsonValue }
  | { t: 'deep'; depth: number }
  | { t: 'bad'; kind: BadJsonKind }
  | { t: 'ref'; table: Table; ref: IdRef };

/** An input: an object given field by field (in this order), or something that is not an object. */
export type InputSpec = { kind: 'object'; entries: [string, Val][] } | { kind: 'not-object'; value: Val };

/** A list of inputs (questions, answers, a batch's messages), or something that is not an array. */
export type ListSpec = { kind: 'list'; items: InputSpec[] } | { kind: 'not-list'; value: Val };

/**
 * An `appendBatch` input: its lists (either may be left out) and perhaps a key a batch does
 * not have; or something that is not an object.
 */
export type BatchSpec =
  | {
      kind: 'batch';
      messages: ListSpec | undefined;
      toolCalls: ListSpec | undefined;
      extra: [string, Val] | undefined;
    }
  | { kind: 'not-object'; value: Val };

/** Ids no store issues (the SQL adapters issue canonical decimal row ids, the memory adapter small ones). */
export const MALFORMED_IDS: readonly string[] = [
  '',
  '0',
  '01',
  'abc',
  '99999999999999999999',
  ' 1',
  '1 ',
  '1.0',
  '+1',
  '-1',
  '1e0',
  '0x1',
  '１',
  '9223372036854775807',
  '9223372036854775808',
  '1\u0000',
  '\ud800',
];

/** Ids that may or may not name a row, depending on the adapter's numbering. */
const PLAUSIBLE_IDS: readonly string[] = ['1', '2', '3', '4', '10'];

/** Arguments that are not ids at all (INVALID_INPUT). */
const NOT_STRING_IDS: readonly unknown[] = [1, null, undefined, {}, 1n, true];

const plain = (v: unknown): Val => ({ t: 'plain', v });

export const malformedIdArb: fc.Arbitrary<string> = fc.constantFrom(...MALFORMED_IDS);

/** How a command names a row of `table`: mostly real rows, sometimes another table's or none. */
export function idRefArb(table: Table, options: { sibling?: boolean } = {}): fc.Arbitrary<Val> {
  const others = (['sessions', 'messages', 'toolCalls'] as const).filter((t) => t !== table);
  const ref = (r: IdRef): Val => ({ t: 'ref', table, ref: r });
  const pick = fc.nat({ max: 63 });
  return fc.oneof(
    { weight: options.sibling ? 2 : 12, arbitrary: pick.map((p) => ref({ kind: 'known', pick: p })) },
    ...(options.sibling
      ? [{ weight: 12, arbitrary: pick.map((p) => ref({ kind: 'sibling', pick: p })) }]
      : []),
    {
      weight: 1,
      arbitrary: fc
        .tuple(fc.constantFrom(...others), pick)
        .map(([t, p]) => ref({ kind: 'cross', table: t, pick: p })),
    },
    {
      weight: 2,
      arbitrary: fc
        .constantFrom(...MALFORMED_IDS, ...PLAUSIBLE_IDS)
        .map((v) => ref({ kind: 'raw', value: v })),
    },
    { weight: 1, arbitrary: fc.constantFrom(...NOT_STRING_IDS).map((v) => ref({ kind: 'raw', value: v })) },
  );
}

// ---------------------------------------------------------------- timestamps

/** A tiny set of instants, so that equal `createdAt` (ties) are the norm, as with nocodo's seconds. */
export const TIE_TIMESTAMPS: readonly number[] = [T0, T0 + 1, T0 + 2];
/** Valid timestamps at the edges: the safe-integer limits, zero, negative. */
export const EDGE_TIMESTAMPS: readonly number[] = [
  Number.MAX_SAFE_INTEGER,
  Number.MIN_SAFE_INTEGER,
  Number.MAX_SAFE_INTEGER - 1,
  0,
  -1,
];
/** Not timestamps: just past the safe-integer edge, fractions, non-finite, wrong types. */
export const BAD_TIMESTAMPS: readonly unknown[] = [
  2 ** 53,
  -(2 ** 53),
  Number.MAX_SAFE_INTEGER + 2,
  1.5,
  1e300,
  Number.NaN,
  Number.POSITIVE_INFINITY,
  Number.NEGATIVE_INFINITY,
  '5',
  '1700000000',
  5n,
  true,
  {},
];

export function timestampArb(options: ArbitraryOptions = {}): fc.Arbitrary<number> {
  return fc.oneof(
    { weight: 8, arbitrary: fc.constantFrom(...TIE_TIMESTAMPS) },
    { weight: 2, arbitrary: fc.constantFrom(...EDGE_TIMESTAMPS) },
    { weight: 1, arbitrary: fc.integer({ min: -1000, max: 1000 }) },
    ...(options.negativeZeroTimestamps !== false ? [{ weight: 1, arbitrary: fc.constant(-0) }] : []),
  );
}

/** What the test clock reads: mostly the tie instants, sometimes an edge. */
export const clockValueArb: fc.Arbitrary<number> = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(...TIE_TIMESTAMPS) },
  { weight: 1, arbitrary: fc.constantFrom(...EDGE_TIMESTAMPS) },
);

const durationArb: fc.Arbitrary<number> = fc.oneof(
  fc.nat({ max: 5000 }),
  fc.constantFrom(0, Number.MAX_SAFE_INTEGER),
);
const BAD_DURATIONS: readonly unknown[] = [-1, Number.MIN_SAFE_INTEGER, 1.5, 2 ** 53, Number.NaN, '5', 5n];

// ---------------------------------------------------------------- fields

interface FieldArbs {
  /** Values the field accepts (with `undefined` meaning: leave it out). */
  valid: fc.Arbitrary<Val>;
  /** Values the field rejects. */
  invalid: fc.Arbitrary<Val>;
}

const NOT_TEXT: readonly unknown[] = [7, 0, true, ['m'], {}];

/**
 * A few keys, so that repeats (idempotent creates, ties of names) are common, with look-alikes
 * of one another among them (another case, a trailing space, what a LIKE wildcard matches),
 * so that random runs also meet what a loose comparison confuses.
 */
const FEW_KEYS = ['call_1', 'call_2', 'Call_1', 'k1', 'k%'];
/** A few names each, so that listSessions' filters match something; look-alikes as above. */
export const FEW_AGENTS = ['agent-a', 'agent-b', 'Agent-A', 'agent_a'];
export const FEW_PROVIDERS = ['anthropic', 'openai', 'OpenAI'];
export const FEW_MODELS = ['m1', 'm2', 'm1 '];
export const FEW_QUESTION_IDS = ['q1', 'q2', 'Q1', 'q_'];
export const FEW_SETTING_KEYS = ['s1', 's2', 'S1', 's%'];

function textField(options: {
  nonEmpty?: boolean;
  nullable?: boolean;
  fewKeys?: boolean;
  /** Mostly one of these, sometimes any text. */
  few?: readonly string[];
}): FieldArbs {
  const text = options.nonEmpty ? nonEmptyTextArb : textArb;
  const few = options.few ?? (options.fewKeys ? FEW_KEYS : undefined);
  const valid = (
    few !== undefined
      ? fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...few) }, { weight: 1, arbitrary: text })
      : text
  ).map(plain);
  return {
    valid: options.nullable ? fc.oneof({ weight: 4, arbitrary: valid }, fc.constant(plain(null))) : valid,
    invalid: fc.oneof(
      badTextArb.map(plain),
      fc
        .constantFrom(...NOT_TEXT, ...(options.nullable ? [] : [null]), ...(options.nonEmpty ? [''] : []))
        .map(plain),
    ),
  };
}

function enumField(values: readonly string[], bad: readonly unknown[], weights?: number[]): FieldArbs {
  return {
    valid: fc.oneof(
      ...values.map((v, i) => ({ weight: weights?.[i] ?? 1, arbitrary: fc.constant(plain(v)) })),
    ),
    invalid: fc.constantFrom(...bad).map(plain),
  };
}

function timestampField(options: ArbitraryOptions, nullable: boolean): FieldArbs {
  const valid = timestampArb(options).map(plain);
  return {
    valid: nullable ? fc.oneof({ weight: 4, arbitrary: valid }, fc.constant(plain(null))) : valid,
    invalid: fc.constantFrom(...BAD_TIMESTAMPS, ...(nullable ? [] : [null])).map(plain),
  };
}

function jsonField(nullable: boolean): FieldArbs {
  const valid = fc.oneof(
    { weight: 10, arbitrary: jsonValueArb.map((v): Val => ({ t: 'json', v })) },
    // A bare number: -0 or an extreme as the whole value, where a numeric column type would bite.
    { weight: 2, arbitrary: fc.constantFrom(...TRICKY_NUMBERS).map((v): Val => ({ t: 'json', v })) },
    // Deep, but within the limit (the limit counts containers; the leaf is one more level).
    {
      weight: 1,
      arbitrary: fc.constantFrom(1, 64, MAX_JSON_DEPTH - 1).map((depth): Val => ({ t: 'deep', depth })),
    },
  );
  return {
    valid: nullable ? fc.oneof({ weight: 4, arbitrary: valid }, fc.constant(plain(null))) : valid,
    invalid: fc.oneof(
      { weight: 4, arbitrary: fc.constantFrom(...BAD_JSON_KINDS).map((kind): Val => ({ t: 'bad', kind })) },
      {
        weight: 1,
        arbitrary: fc
          .constantFrom(MAX_JSON_DEPTH, MAX_JSON_DEPTH + 1, MAX_JSON_DEPTH + 50)
          .map((depth): Val => ({ t: 'deep', depth })),
      },
    ),
  };
}

function durationField(): FieldArbs {
  return {
    valid: fc.oneof({ weight: 4, arbitrary: durationArb.map(plain) }, fc.constant(plain(null))),
    invalid: fc.constantFrom(...BAD_DURATIONS).map(plain),
  };
}

function idField(table: Table, options: { nullable?: boolean; sibling?: boolean } = {}): FieldArbs {
  const valid = idRefArb(table, options);
  return {
    valid: options.nullable ? fc.oneof({ weight: 3, arbitrary: valid }, fc.constant(plain(null))) : valid,
    // Ids are opaque strings: only a value that is not a string is invalid.
    invalid: fc
      .constantFrom(
        ...NOT_STRING_IDS.filter((v) => v !== undefined && v !== null),
        ...(options.nullable ? [] : [null]),
      )
      .map(plain),
  };
}

// ---------------------------------------------------------------- inputs

interface RecordShape {
  fields: Record<string, FieldArbs>;
  /** Fields every valid input has. */
  required: readonly string[];
  /** Keys the record does not take: snake_case, ids, typos, immutable fields in updates. */
  unknownKeys: readonly string[];
}

type Mutation =
  | { kind: 'set'; key: string; value: Val }
  | { kind: 'drop'; key: string }
  | { kind: 'undefined'; key: string }
  | { kind: 'extra'; key: string; value: Val }
  | { kind: 'not-object'; value: Val }
  | { kind: 'empty' };

const NOT_OBJECTS: readonly unknown[] = [null, 'session', 42, undefined];

/** Valid inputs, and one in `1 + validWeight` with one thing wrong. */
function inputArb(shape: RecordShape, validWeight = 6): fc.Arbitrary<InputSpec> {
  const names = Object.keys(shape.fields);
  const valid: fc.Arbitrary<InputSpec> = fc
    .record(Object.fromEntries(names.map((name) => [name, (shape.fields[name] as FieldArbs).valid])), {
      requiredKeys: [...shape.required],
      noNullPrototype: true,
    })
    .map((record) => ({
      kind: 'object' as const,
      // In declaration order, whatever order the record came in.
      entries: names.filter((n) => n in record).map((n) => [n, record[n] as Val]),
    }));
  const mutations: fc.Arbitrary<Mutation>[] = [
    fc
      .constantFrom(...names)
      .chain((key) =>
        (shape.fields[key] as FieldArbs).invalid.map((value): Mutation => ({ kind: 'set', key, value })),
      ),
    fc.constantFrom(...names).map((key): Mutation => ({ kind: 'undefined', key })),
    fc
      .tuple(fc.constantFrom(...shape.unknownKeys), fc.constantFrom('x', 1, null))
      .map(([key, v]): Mutation => ({ kind: 'extra', key, value: plain(v) })),
    fc
      .oneof(fc.constantFrom(...NOT_OBJECTS).map(plain), fc.constant<Val>({ t: 'json', v: [] }))
      .map((value): Mutation => ({ kind: 'not-object', value })),
    fc.constant<Mutation>({ kind: 'empty' }),
  ];
  if (shape.required.length > 0) {
    mutations.push(fc.constantFrom(...shape.required).map((key): Mutation => ({ kind: 'drop', key })));
  }
  const broken = fc.tuple(valid, fc.oneof(...mutations)).map(([input, m]) => mutate(input, m));
  return fc.oneof({ weight: validWeight, arbitrary: valid }, { weight: 1, arbitrary: broken });
}

function mutate(input: InputSpec, m: Mutation): InputSpec {
  if (m.kind === 'not-object') return { kind: 'not-object', value: m.value };
  if (m.kind === 'empty') return { kind: 'object', entries: [] };
  if (input.kind !== 'object') return input;
  const entries = input.entries.filter(([key]) => key !== m.key);
  switch (m.kind) {
    case 'drop':
      return { kind: 'object', entries };
    case 'set':
      return { kind: 'object', entries: [...entries, [m.key, m.value]] };
    case 'undefined':
      return { kind: 'object', entries: [...entries, [m.key, plain(undefined)]] };
    case 'extra':
      return { kind: 'object', entries: [...input.entries, [m.key, m.value]] };
  }
}

const PROTOTYPE_KEYS = ['constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf'];

/** Generators of every command input, over one set of options. */
export function inputArbitraries(options: ArbitraryOptions = {}) {
  const proto = options.prototypeKeys !== false ? PROTOTYPE_KEYS : [];
  const sessionStatus = enumField(SESSION_STATUSES, [
    'paused',
    'Running',
    'RUNNING',
    '',
    'pending',
    ' running',
    1,
    null,
  ]);
  const toolStatus = enumField(
    TOOL_CALL_STATUSES,
    ['running', 'done', 'Pending', '', 'PENDING', 0, null],
    [3, 3, 2, 1],
  );

  const newSession = inputArb({
    fields: {
      agentName: textField({ nonEmpty: true, few: FEW_AGENTS }),
      provider: textField({ nonEmpty: true, few: FEW_PROVIDERS }),
      model: textField({ nonEmpty: true, few: FEW_MODELS }),
      systemPrompt: textField({ nullable: true }),
      userPrompt: textField({}),
      config: jsonField(false),
      status: sessionStatus,
      startedAt: timestampField(options, false),
      endedAt: timestampField(options, true),
      result: textField({ nullable: true }),
      error: textField({ nullable: true }),
    },
    required: ['agentName', 'provider', 'model', 'userPrompt'],
    unknownKeys: ['agent_name', 'id', 'agentname', 'sessionId', 'createdAt', ...proto],
  });

  const sessionUpdate = inputArb({
    fields: {
      status: sessionStatus,
      endedAt: timestampField(options, true),
      result: textField({ nullable: true }),
      error: textField({ nullable: true }),
    },
    required: [],
    unknownKeys: ['agentName', 'startedAt', 'config', 'id', 'ended_at', 'userPrompt', ...proto],
  });

  const newMessageShape: RecordShape = {
    fields: {
      sessionId: idField('sessions'),
      role: enumField(MESSAGE_ROLES, ['developer', 'User', '', 'function', 7]),
      content: textField({}),
      createdAt: timestampField(options, false),
      ...(options.idempotency
        ? { clientKey: textField({ nonEmpty: true, nullable: true, fewKeys: true }) }
        : {}),
    },
    required: ['sessionId', 'role', 'content'],
    unknownKeys: ['session_id', 'id', 'toolCalls', 'created_at', 'client_key', ...proto],
  };
  const newMessage = inputArb(newMessageShape);

  const newToolCallShape: RecordShape = {
    fields: {
      sessionId: idField('sessions'),
      messageId: idField('messages', { nullable: true, sibling: true }),
      toolCallId: textField({ nonEmpty: true, fewKeys: true }),
      toolName: textField({ nonEmpty: true }),
      request: jsonField(false),
      response: jsonField(true),
      status: toolStatus,
      executionTimeMs: durationField(),
      createdAt: timestampField(options, false),
      completedAt: timestampField(options, true),
      errorDetails: textField({ nullable: true }),
      ...(options.idempotency
        ? { clientKey: textField({ nonEmpty: true, nullable: true, fewKeys: true }) }
        : {}),
    },
    required: ['sessionId', 'toolCallId', 'toolName', 'request'],
    unknownKeys: ['tool_call_id', 'id', 'arguments', 'message_id', 'client_key', ...proto],
  };
  const newToolCall = inputArb(newToolCallShape);

  const toolCallUpdate = inputArb({
    fields: {
      status: toolStatus,
      response: jsonField(true),
      executionTimeMs: durationField(),
      completedAt: timestampField(options, true),
      errorDetails: textField({ nullable: true }),
    },
    required: [],
    unknownKeys: ['request', 'sessionId', 'toolName', 'createdAt', 'id', 'execution_time_ms', ...proto],
  });

  // ------------------------------------------------------------ the optional capabilities

  const limit = limitField();
  const statusFilter: FieldArbs = {
    valid: fc.oneof(
      { weight: 3, arbitrary: sessionStatus.valid },
      {
        weight: 1,
        arbitrary: fc
          .uniqueArray(fc.constantFrom(...SESSION_STATUSES), { minLength: 1, maxLength: 3 })
          .map((list) => plain(list)),
      },
    ),
    invalid: fc.constantFrom('paused', [], ['running', 'paused'], 1, null, ['Running']).map(plain),
  };
  const nameFilter = (few: readonly string[]): FieldArbs => ({
    valid: fc.constantFrom(...few, 'nobody').map(plain),
    invalid: fc.oneof(badTextArb.map(plain), fc.constantFrom('', 5, null, 'x'.repeat(513)).map(plain)),
  });
  const sessionQueryShape: RecordShape = {
    fields: {
      status: statusFilter,
      agentName: nameFilter(FEW_AGENTS),
      provider: nameFilter(FEW_PROVIDERS),
      model: nameFilter(FEW_MODELS),
      startedFrom: timestampField(options, false),
      startedBefore: timestampField(options, false),
      endedBefore: timestampField(options, false),
      limit,
    },
    required: [],
    unknownKeys: ['offset', 'agent_name', 'statuses', 'sort', ...proto],
  };
  /** A listSessions query: mostly valid, sometimes with a cursor no store issued. */
  const sessionQuery: fc.Arbitrary<InputSpec | null> = fc.oneof(
    { weight: 1, arbitrary: fc.constant(null) },
    { weight: 8, arbitrary: inputArb(sessionQueryShape) },
    {
      weight: 1,
      arbitrary: fc
        .tuple(inputArb(sessionQueryShape), malformedCursorArb)
        .map(([q, cursor]) => withEntry(q, 'cursor', plain(cursor))),
    },
  );

  /** The query of a first page: a limit, or one thing wrong (a bad limit or cursor, an unknown option). */
  const pageQuery: fc.Arbitrary<InputSpec | null> = fc.oneof(
    { weight: 2, arbitrary: fc.constant(null) },
    {
      weight: 8,
      arbitrary: fc
        .option(limit.valid, { nil: undefined })
        .map((l): InputSpec => ({ kind: 'object', entries: l === undefined ? [] : [['limit', l]] })),
    },
    {
      // The latest rows (or, spelled out, the first), as a chat view opens a long session.
      weight: 3,
      arbitrary: fc
        .tuple(fc.option(limit.valid, { nil: undefined }), fc.constantFrom('end', 'end', 'start'))
        .map(
          ([l, from]): InputSpec => ({
            kind: 'object',
            entries: [['from', plain(from)], ...(l === undefined ? [] : [['limit', l] as [string, Val]])],
          }),
        ),
    },
    {
      weight: 2,
      arbitrary: fc.oneof(
        limit.invalid.map((l): InputSpec => ({ kind: 'object', entries: [['limit', l]] })),
        fc
          .constantFrom('END', 'last', 'end ', 1, null, true)
          .map((v): InputSpec => ({ kind: 'object', entries: [['from', plain(v)]] })),
        fc
          .tuple(fc.constantFrom('after', 'before'), malformedCursorArb)
          .map(([key, c]): InputSpec => ({ kind: 'object', entries: [[key, plain(c)]] })),
        fc
          .constantFrom('offset', 'cursor', 'limit ', ...proto)
          .map((key): InputSpec => ({ kind: 'object', entries: [[key, plain(1)]] })),
        fc.constantFrom(null, 'x', 5, []).map((v): InputSpec => ({ kind: 'not-object', value: plain(v) })),
      ),
    },
  );

  /** The options of a conditional update. */
  const expectedStatus = inputArb({
    fields: { expectedStatus: statusFilter },
    required: ['expectedStatus'],
    unknownKeys: ['expected_status', 'status', 'ifStatus', ...proto],
  });

  // Items of lists are broken less often than single inputs: one broken item spoils the call.
  const batchMessage = inputArb(newMessageShape, 24);
  const batchToolCall = fc.tuple(inputArb(newToolCallShape, 24), fc.nat({ max: 7 }));
  /** A batch: messages, tool calls (some pointing at a message of the batch), perhaps one thing wrong. */
  const batch: fc.Arbitrary<BatchSpec> = fc.oneof(
    {
      weight: 12,
      arbitrary: fc
        .record({
          session: idRefArb('sessions'),
          messages: fc.array(fc.tuple(batchMessage, fc.nat({ max: 3 })), { maxLength: 3 }),
          toolCalls: fc.array(fc.tuple(batchToolCall, fc.nat({ max: 3 })), { maxLength: 3 }),
          omitEmpty: fc.boolean(),
          repeats: fc.oneof({ weight: 6, arbitrary: fc.constant(false) }, fc.constant(true)),
          extra: fc.oneof(
            { weight: 12, arbitrary: fc.constant(undefined) },
            {
              weight: 1,
              arbitrary: fc
                .constantFrom('sessionId', 'items', 'message', ...proto)
                .map((k): [string, Val] => [k, plain([])]),
            },
          ),
        })
        .map(({ session, messages: ms, toolCalls, omitEmpty, repeats, extra }): BatchSpec => {
          // Mostly one session for the whole batch, as an agent writes a turn.
          const unique = (items: InputSpec[], key: string) => (repeats ? items : distinct(items, key));
          const messages = unique(
            ms.map(([m, own]) => (own === 0 ? m : inSession(m, session))),
            'clientKey',
          );
          const calls = unique(
            toolCalls.map(([[call, index], own]) =>
              linkToMessage(
                own === 0 ? call : inSession(call, session),
                index,
                messages,
                options.batchGuessedIds !== false,
              ),
            ),
            'clientKey',
          );
          const list = (items: InputSpec[]): ListSpec | undefined =>
            items.length === 0 && omitEmpty ? undefined : { kind: 'list', items };
          return { kind: 'batch', messages: list(messages), toolCalls: list(calls), extra };
        }),
    },
    {
      weight: 1,
      arbitrary: fc.oneof(
        fc
          .constantFrom(null, 'batch', 5, undefined)
          .map((v): BatchSpec => ({ kind: 'not-object', value: plain(v) })),
        fc.constantFrom('x', null, 5, {}).map(
          (v): BatchSpec => ({
            kind: 'batch',
            messages: { kind: 'not-list', value: plain(v) },
            toolCalls: undefined,
            extra: undefined,
          }),
        ),
      ),
    },
  );

  // Mostly none or one of the session's own tool calls: a list with any other is NOT_FOUND.
  const toolCallOfSession: FieldArbs = {
    valid: fc.oneof(
      { weight: 4, arbitrary: fc.constant(plain(null)) },
      {
        weight: 4,
        arbitrary: fc
          .nat({ max: 63 })
          .map((p): Val => ({ t: 'ref', table: 'toolCalls', ref: { kind: 'sibling', pick: p } })),
      },
      { weight: 1, arbitrary: idRefArb('toolCalls') },
    ),
    invalid: idField('toolCalls', { nullable: true }).invalid,
  };
  const newQuestion = inputArb(
    {
      fields: {
        toolCallId: toolCallOfSession,
        questionId: textField({ nonEmpty: true, few: FEW_QUESTION_IDS }),
        question: textField({ nonEmpty: true }),
        description: textField({ nullable: true }),
        responseType: textField({ nonEmpty: true, few: ['text', 'choice'] }),
        createdAt: timestampField(options, false),
      },
      required: ['questionId', 'question'],
      unknownKeys: ['question_id', 'id', 'answer', 'sessionId', ...proto],
    },
    16,
  );
  const answer = inputArb(
    {
      fields: {
        questionId: textField({ nonEmpty: true, few: FEW_QUESTION_IDS }),
        answer: textField({}),
        answeredAt: timestampField(options, false),
      },
      required: ['questionId', 'answer'],
      unknownKeys: ['question', 'answered_at', 'id', 'value', ...proto],
    },
    16,
  );
  const newSetting = inputArb(
    {
      fields: {
        toolCallId: toolCallOfSession,
        settingKey: textField({ nonEmpty: true, few: FEW_SETTING_KEYS }),
        settingName: textField({ nonEmpty: true }),
        description: textField({ nullable: true }),
        settingType: textField({ nonEmpty: true, few: ['text', 'path'] }),
        settingValue: textField({ nullable: true }),
        createdAt: timestampField(options, false),
      },
      required: ['settingKey', 'settingName'],
      unknownKeys: ['setting_key', 'id', 'value', 'updatedAt', ...proto],
    },
    16,
  );
  const settingValue = inputArb(
    {
      fields: {
        settingKey: textField({ nonEmpty: true, few: FEW_SETTING_KEYS }),
        value: textField({}),
        updatedAt: timestampField(options, false),
      },
      required: ['settingKey', 'value'],
      unknownKeys: ['settingValue', 'updated_at', 'id', 'settingName', ...proto],
    },
    16,
  );

  return {
    newSession,
    sessionUpdate,
    newMessage,
    newToolCall,
    toolCallUpdate,
    sessionRef: idRefArb('sessions'),
    toolCallRef: idRefArb('toolCalls'),
    sessionQuery,
    /** A deleteSessions query: the listing's filters (sometimes none, which it refuses) and a limit. */
    sessionDeleteQuery: fc.oneof(
      { weight: 1, arbitrary: fc.constant(null) },
      { weight: 8, arbitrary: inputArb(sessionQueryShape) },
    ),
    pageQuery,
    limit: fc.oneof({ weight: 6, arbitrary: limit.valid }, { weight: 1, arbitrary: limit.invalid }),
    expectedStatus,
    batch,
    newQuestions: listArb(newQuestion, 3, 'questionId'),
    answers: listArb(answer, 3, 'questionId'),
    newSettings: listArb(newSetting, 3, 'settingKey'),
    settingValues: listArb(settingValue, 3, 'settingKey'),
  };
}

/** Limits: mostly tiny (so pages end and cursors get followed), sometimes the maximum; or not a limit. */
function limitField(): FieldArbs {
  return {
    valid: fc
      .oneof(
        { weight: 8, arbitrary: fc.integer({ min: 1, max: 4 }) },
        { weight: 1, arbitrary: fc.constant(1000) },
      )
      .map(plain),
    invalid: fc.constantFrom(0, -1, 1.5, 1001, '2', null, Number.NaN, 2 ** 53).map(plain),
  };
}

/**
 * Cursors no store issued: the wrong shape (`<scope>.<key>.<id>` is what the built-in
 * adapters issue; older ones were base64url JSON), a key that is not a safe integer, or a
 * position whose id no store issues (`"x"`, `"01"`).
 */
export const MALFORMED_CURSORS: readonly unknown[] = [
  '',
  'nope',
  '!!!',
  Buffer.from('[1]').toString('base64url'),
  Buffer.from('[1.5,"1"]').toString('base64url'),
  Buffer.from('[1,""]').toString('base64url'),
  Buffer.from('{"key":1,"id":"1"}').toString('base64url'),
  Buffer.from(`[${T0},"x"]`).toString('base64url'),
  Buffer.from(`["sessions",${T0},"x"]`).toString('base64url'),
  Buffer.from(`["sessions",${T0},"01"]`).toString('base64url'),
  'sessions..1',
  'sessions.1',
  `sessions.${T0}.`,
  `sessions.${T0}.x`,
  `sessions.${T0}.01`,
  `sessions.1.5.1`,
  `sessions.01.1`,
  `sessions.${2 ** 53}.1`,
  `.${T0}.1`,
  5,
  null,
];

const malformedCursorArb: fc.Arbitrary<unknown> = fc.constantFrom(...MALFORMED_CURSORS);

/**
 * A messageId that cannot be an id a batch's own messages get: an existing message of the
 * session (`sibling`), or an id no store issues (see `ArbitraryOptions.batchGuessedIds`).
 */
function noGuess(val: Val): Val {
  if (val.t !== 'ref') return val;
  const { ref } = val;
  if (ref.kind === 'known' || ref.kind === 'cross')
    return { ...val, ref: { kind: 'sibling', pick: ref.pick } };
  if (ref.kind === 'raw' && PLAUSIBLE_IDS.includes(ref.value as string))
    return { ...val, ref: { kind: 'raw', value: 'abc' } };
  return val;
}

/** The input with its `sessionId` (if it has one) replaced by `session`. */
function inSession(spec: InputSpec, session: Val): InputSpec {
  if (spec.kind !== 'object' || !spec.entries.some(([k]) => k === 'sessionId')) return spec;
  return {
    kind: 'object',
    entries: spec.entries.map(([k, v]): [string, Val] => [k, k === 'sessionId' ? session : v]),
  };
}

function withEntry(spec: InputSpec, key: string, value: Val): InputSpec {
  if (spec.kind !== 'object') return spec;
  return { kind: 'object', entries: [...spec.entries.filter(([k]) => k !== key), [key, value]] };
}

/**
 * A batch's tool call, linked by `messageIndex` to a message of the batch when `index`
 * names one (taking that message's session, as the contract requires), given an index past
 * the end (INVALID_INPUT) when `index` is 7, left alone otherwise.
 */
function linkToMessage(call: InputSpec, index: number, messages: InputSpec[], guesses: boolean): InputSpec {
  if (call.kind !== 'object') return call;
  if (!guesses)
    call = { kind: 'object', entries: call.entries.map(([k, v]) => [k, k === 'messageId' ? noGuess(v) : v]) };
  const message = index < 3 ? messages[index] : undefined;
  if (message !== undefined && message.kind === 'object') {
    const session = message.entries.find(([k]) => k === 'sessionId')?.[1];
    const entries = call.entries.filter(([k]) => k !== 'messageId' && k !== 'sessionId');
    if (session !== undefined) entries.unshift(['sessionId', session]);
    return { kind: 'object', entries: [...entries, ['messageIndex', plain(index)]] };
  }
  if (index === 7) return withEntry(call, 'messageIndex', plain(messages.length));
  return call;
}

/**
 * The items without those repeating an earlier one's `key` (a plain value): a call may
 * not repeat a key, so a list that does is INVALID_INPUT, which should not be the norm.
 */
function distinct(items: InputSpec[], key: string): InputSpec[] {
  const seen = new Set<unknown>();
  return items.filter((item) => {
    if (item.kind !== 'object') return true;
    const val = item.entries.find(([k]) => k === key)?.[1];
    if (val?.t !== 'plain' || val.v === null || val.v === undefined) return true;
    if (seen.has(val.v)) return false;
    seen.add(val.v);
    return true;
  });
}

function listArb(item: fc.Arbitrary<InputSpec>, maxLength: number, key: string): fc.Arbitrary<ListSpec> {
  return fc.oneof(
    {
      weight: 10,
      arbitrary: fc
        .array(item, { maxLength })
        .map((items): ListSpec => ({ kind: 'list', items: distinct(items, key) })),
    },
    {
      weight: 2,
      arbitrary: fc.array(item, { maxLength }).map((items): ListSpec => ({ kind: 'list', items })),
    },
    {
      weight: 1,
      arbitrary: fc
        .constantFrom(null, 'x', {}, undefined)
        .map((v): ListSpec => ({ kind: 'not-list', value: plain(v) })),
    },
  );
}

// ---------------------------------------------------------------- building values

/** A value nested `depth` containers deep (objects and arrays alternating), with a string leaf. */
export function nest(depth: number): JsonValue {
  let v: JsonValue = 'bottom';
  for (let i = 0; i < depth; i++) v = i % 2 ? [v] : { d: v };
  return v;
}

/** A fresh value JSON cannot hold. */
export function badJson(kind: BadJsonKind): unknown {
  switch (kind) {
    case 'NaN':
      return Number.NaN;
    case 'Infinity':
      return Number.POSITIVE_INFINITY;
    case '-Infinity':
      return Number.NEGATIVE_INFINITY;
    case 'bigint':
      return 10n;
    case 'function':
      return () => 1;
    case 'symbol':
      return Symbol('s');
    case 'undefined in object':
      return { a: 1, b: undefined };
    case 'undefined in array':
      return [1, undefined];
    case 'sparse array':
      // biome-ignore lint/suspicious/noSparseArray: the point is the hole
      return [1, , 3];
    case 'Date':
      return new Date(0);
    case 'Map':
      return new Map([['a', 1]]);
    case 'boxed string':
      return Object('x');
    case 'class instance':
      return new (class Point {
        x = 1;
      })();
    case 'symbol key':
      return { a: 1, [Symbol('k')]: 2 };
    case 'cycle': {
      const o: Record<string, unknown> = { a: [1] };
      (o.a as unknown[]).push(o);
      return o;
    }
    case 'NaN nested':
      return { a: [1, { b: Number.NaN }] };
  }
}

/** A deep copy of a JSON value that keeps key order, -0 and own `__proto__` keys. */
function copyJson(value: JsonValue): JsonValue {
  if (Array.isArray(value)) return value.map(copyJson);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.keys(value).map((k) => [k, copyJson(value[k] as JsonValue)]));
  }
  return value;
}

/**
 * Turns an id reference into the id to pass. `session` is the reference given as the
 * same input's `sessionId`, for `sibling` references.
 */
export type Resolve = (table: Table, ref: IdRef, session: IdRef | undefined) => unknown;

/** Builds a fresh value. */
export function buildValue(val: Val, resolve: Resolve, session?: IdRef): unknown {
  switch (val.t) {
    case 'plain':
      if (Array.isArray(val.v)) return [...val.v];
      return val.v !== null && typeof val.v === 'object' ? { ...val.v } : val.v;
    case 'json':
      return copyJson(val.v);
    case 'deep':
      return nest(val.depth);
    case 'bad':
      return badJson(val.kind);
    case 'ref':
      return resolve(val.table, val.ref, session);
  }
}

/**
 * Builds a fresh input. Entries are defined as own properties in order, so a key such as
 * `__proto__` is a field of the input, as it would be from `JSON.parse`.
 */
export function buildInput(spec: InputSpec, resolve: Resolve, outerSession?: IdRef): unknown {
  if (spec.kind === 'not-object') return buildValue(spec.value, resolve);
  const sessionVal = spec.entries.find(([key]) => key === 'sessionId')?.[1];
  const session = sessionVal?.t === 'ref' ? sessionVal.ref : outerSession;
  const out: Record<string, unknown> = {};
  for (const [key, val] of spec.entries) {
    Object.defineProperty(out, key, {
      value: buildValue(val, resolve, session),
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return out;
}

/** Builds a fresh list; `session` is the session its items' `sibling` references look in. */
export function buildList(spec: ListSpec, resolve: Resolve, session?: IdRef): unknown {
  if (spec.kind === 'not-list') return buildValue(spec.value, resolve);
  return spec.items.map((item) => buildInput(item, resolve, session));
}

/** Builds a fresh batch. */
export function buildBatch(spec: BatchSpec, resolve: Resolve): unknown {
  if (spec.kind === 'not-object') return buildValue(spec.value, resolve);
  const out: Record<string, unknown> = {};
  if (spec.messages !== undefined) out.messages = buildList(spec.messages, resolve);
  if (spec.toolCalls !== undefined) out.toolCalls = buildList(spec.toolCalls, resolve);
  if (spec.extra !== undefined) {
    Object.defineProperty(out, spec.extra[0], {
      value: buildValue(spec.extra[1], resolve),
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return out;
}

export function showList(spec: ListSpec): string {
  if (spec.kind === 'not-list') return showVal(spec.value);
  return `[${spec.items.map(showInput).join(',')}]`;
}

export function showBatch(spec: BatchSpec): string {
  if (spec.kind === 'not-object') return showVal(spec.value);
  const parts: string[] = [];
  if (spec.messages !== undefined) parts.push(`"messages":${showList(spec.messages)}`);
  if (spec.toolCalls !== undefined) parts.push(`"toolCalls":${showList(spec.toolCalls)}`);
  if (spec.extra !== undefined) parts.push(`${JSON.stringify(spec.extra[0])}:${showVal(spec.extra[1])}`);
  return `{${parts.join(',')}}`;
}

/** A short, exact rendering of an input spec for command names (replayable by eye). */
export function showVal(val: Val): string {
  switch (val.t) {
    case 'plain':
      return fc.stringify(val.v);
    case 'json':
      return fc.stringify(val.v);
    case 'deep':
      return `<JSON nested ${val.depth} deep>`;
    case 'bad':
      return `<${val.kind}>`;
    case 'ref':
      return showRef(val.table, val.ref);
  }
}

export function showRef(table: Table, ref: IdRef): string {
  switch (ref.kind) {
    case 'known':
      // The pick-th row of the table by creation order (modulo the rows there are).
      return `${table}[${ref.pick}]`;
    case 'sibling':
      return `${table}-of-session[${ref.pick}]`;
    case 'cross':
      return `id-of(${ref.table}[${ref.pick}])`;
    case 'raw':
      return fc.stringify(ref.value);
  }
}

export function showInput(spec: InputSpec): string {
  if (spec.kind === 'not-object') return showVal(spec.value);
  return `{${spec.entries.map(([k, v]) => `${JSON.stringify(k)}:${showVal(v)}`).join(',')}}`;
}
