import { AgentStorageError } from '../contract/errors.js';
import { storedJsonProblem } from '../contract/json.js';
import type { JsonValue, Message, Question, Session, Setting, ToolCall } from '../contract/types.js';
import { type Column, SCHEMA, type Table, type TableName } from './schema.js';

/**
 * A row as every backend stores it: nocodo's column names, JSON as text, ids as decimal
 * text. The SQL ports select into this shape and the memory port keeps it, so reading back
 * goes through one set of checks. Values are `unknown` because another program may have
 * written the database.
 */
export type Row = { readonly id: string } & Readonly<Record<string, unknown>>;

/** Kept for readers of the older names: every table's row has the one shape. */
export type SessionRow = Row;
export type MessageRow = Row;
export type ToolCallRow = Row;
export type QuestionRow = Row;
export type SettingRow = Row;

function corrupt(adapter: string, table: TableName, row: Row, column: string, problem: string): never {
  throw new AgentStorageError('CORRUPT_DATA', `${table} row ${row.id} column ${column} ${problem}`, {
    adapter,
    field: column,
  });
}

/**
 * Stored text a driver handed over as bytes that are not UTF-8, so not text at all (the SQLite
 * dialect's `readBytes`: libsql selects text as bytes, since its own decoding aborts the process
 * on such bytes). The decoder reports it like any other value that is not text.
 */
export class NotUtf8 {
  constructor(readonly bytes: number) {}
}

function show(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v.length > 60 ? `${v.slice(0, 60)}…` : v);
  if (typeof v === 'bigint') return `${v}n`;
  if (v instanceof Uint8Array) return `a ${v.length}-byte blob`;
  if (v instanceof ArrayBuffer) return `a ${v.byteLength}-byte blob`;
  if (v instanceof NotUtf8)
    return `text that is not valid UTF-8 (${v.bytes} byte${v.bytes === 1 ? '' : 's'})`;
  return String(v);
}

/** Raises CORRUPT_DATA for a text cell that is not a string. */
function notText(adapter: string, table: TableName, row: Row, column: string, v: unknown): never {
  return corrupt(
    adapter,
    table,
    row,
    column,
    v instanceof NotUtf8 ? `holds ${show(v)}` : `holds ${show(v)}, not text`,
  );
}

/** `-?[0-9]+`, by char codes: two ids a row, so this runs 20,000 times in a 10,000-message read. */
function isDecimal(v: string): boolean {
  const end = v.length;
  let i = v.charCodeAt(0) === 45 ? 1 : 0;
  if (i >= end) return false;
  for (; i < end; i++) {
    const c = v.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}

type Reader = (adapter: string, table: TableName, row: Row, column: string) => unknown;

/**
 * One checker per column type. Free functions taking adapter, table and row as arguments
 * rather than a reader object per row: a 10,000-row read would otherwise allocate 10,000
 * readers, which showed up as garbage-collection time in the benchmark.
 */
const READERS = {
  id(adapter, table, row, column) {
    const v = row[column];
    if (typeof v !== 'string' || !isDecimal(v))
      corrupt(adapter, table, row, column, `holds ${show(v)}, not an id`);
    return v;
  },
  /**
   * Any string: one holding U+0000 (SQLite stores it; the contract refuses it only as input,
   * since Postgres cannot store it) or a lone surrogate is still a string, read back as stored
   * and never cut. Bytes that are not UTF-8 are not text (`NotUtf8`, where a driver lets them
   * be seen).
   */
  text(adapter, table, row, column) {
    const v = row[column];
    if (typeof v !== 'string') notText(adapter, table, row, column, v);
    return v;
  },
  integer(adapter, table, row, column) {
    const v = row[column];
    if (typeof v !== 'number' || !Number.isSafeInteger(v))
      corrupt(adapter, table, row, column, `holds ${show(v)}, not a safe integer`);
    return v;
  },
  /**
   * JSON text. SQL NULL reads as JSON `null` (nocodo leaves config NULL or writes 'null').
   * Valid JSON the contract cannot hold (a number past a double's range, which would read as
   * ±Infinity; nesting past 512 levels) is corrupt too: a keyed retry could not compare it.
   */
  json(adapter, table, row, column) {
    const v = row[column];
    if (v === null) return null;
    if (typeof v !== 'string') corrupt(adapter, table, row, column, `holds ${show(v)}, not JSON text`);
    let value: JsonValue;
    try {
      value = JSON.parse(v) as JsonValue;
    } catch {
      return corrupt(adapter, table, row, column, `holds ${show(v)}, which is not valid JSON`);
    }
    const problem = storedJsonProblem(v, value);
    if (problem !== undefined)
      corrupt(adapter, table, row, column, `holds JSON the contract cannot represent: ${problem}`);
    return value;
  },
} satisfies Record<Exclude<Column['type'], 'enum'>, Reader>;

/** A value the contract knows for an `enum` column (a status, a role), never remapped. */
function oneOf(
  adapter: string,
  table: TableName,
  row: Row,
  column: string,
  allowed: readonly string[],
): string {
  const v = row[column];
  // A value the contract knows is text it can represent; any other is checked as text first.
  if (typeof v === 'string' && allowed.includes(v)) return v;
  READERS.text(adapter, table, row, column);
  return corrupt(adapter, table, row, column, `holds ${show(v)}, not one of ${allowed.join(', ')}`);
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

type Decoder<T> = (adapter: string, row: Row) => T;

/**
 * The decoder as a loop over the columns: what runs where code generation is refused (a
 * Content-Security-Policy without `unsafe-eval`, Cloudflare Workers), and the reference the
 * generated one is tested against.
 */
export function interpretedDecoder<T>(table: Table): Decoder<T> {
  const cells = table.columns.map((c) => {
    const allowed = c.values ?? [];
    const read: Reader = c.type === 'enum' ? (a, t, r, col) => oneOf(a, t, r, col, allowed) : READERS[c.type];
    const nullable = c.nullable && c.type !== 'json';
    return [c.column, c.field, read, nullable] as const;
  });
  const name = table.name;
  return (adapter, row) => {
    const out: Record<string, unknown> = {};
    for (const [column, field, read, nullable] of cells)
      out[field] = nullable && row[column] === null ? null : read(adapter, name, row, column);
    return out as T;
  };
}

/**
 * The same decoder generated as source (from the schema's own names only, each checked to be
 * an identifier) so that it builds one object literal per row with constant property names:
 * the loop with computed keys measured three to four times slower per row (50 rows: 14 µs
 * against 4 µs), a tenth of a page read on SQLite. Throws `EvalError` where code generation
 * is refused.
 */
export function generatedDecoder<T>(table: Table): Decoder<T> {
  const cells = table.columns.map((c, i) => {
    if (!IDENTIFIER.test(c.field) || !IDENTIFIER.test(c.column))
      throw new Error(`bad name in the schema: ${c.field}`);
    const args = `a, t, row, ${JSON.stringify(c.column)}`;
    const read = c.type === 'enum' ? `oneOf(${args}, values[${i}])` : `R.${c.type}(${args})`;
    const value = c.nullable && c.type !== 'json' ? `row.${c.column} === null ? null : ${read}` : read;
    return `${c.field}: ${value}`;
  });
  const values = table.columns.map((c) => c.values ?? []);
  // Source built from the static schema above, never from data.
  const make = new Function('R', 'oneOf', 'values', 't', `return (a, row) => ({ ${cells.join(', ')} });`);
  return make(READERS, oneOf, values, table.name) as Decoder<T>;
}

/**
 * A decoder for `table`'s rows, made from the schema: each column read by its type's checker
 * (`null` passes where the column is nullable; a JSON column reads NULL as JSON null), raising
 * `CORRUPT_DATA` naming adapter, table, row and column. Generated where the runtime allows it.
 */
function decoder<T>(table: Table): Decoder<T> {
  try {
    return generatedDecoder<T>(table);
  } catch (e) {
    if (e instanceof EvalError) return interpretedDecoder<T>(table);
    throw e;
  }
}

export const decodeSession = decoder<Session>(SCHEMA.sessions);
export const decodeMessage = decoder<Message>(SCHEMA.messages);
export const decodeToolCall = decoder<ToolCall>(SCHEMA.toolCalls);
export const decodeQuestion = decoder<Question>(SCHEMA.questions);
export const decodeSetting = decoder<Setting>(SCHEMA.settings);
