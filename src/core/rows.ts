import { AgentStorageError } from '../contract/errors.js';
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

function show(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v.length > 60 ? `${v.slice(0, 60)}…` : v);
  if (typeof v === 'bigint') return `${v}n`;
  if (v instanceof Uint8Array) return `a ${v.length}-byte blob`;
  return String(v);
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
const READERS: Record<Column['type'], Reader> = {
  id(adapter, table, row, column) {
    const v = row[column];
    if (typeof v !== 'string' || !isDecimal(v))
      corrupt(adapter, table, row, column, `holds ${show(v)}, not an id`);
    return v;
  },
  text(adapter, table, row, column) {
    const v = row[column];
    if (typeof v !== 'string') corrupt(adapter, table, row, column, `holds ${show(v)}, not text`);
    return v;
  },
  integer(adapter, table, row, column) {
    const v = row[column];
    if (typeof v !== 'number' || !Number.isSafeInteger(v))
      corrupt(adapter, table, row, column, `holds ${show(v)}, not a safe integer`);
    return v;
  },
  /** JSON text. SQL NULL reads as JSON `null` (nocodo leaves config NULL or writes 'null'). */
  json(adapter, table, row, column) {
    const v = row[column];
    if (v === null) return null;
    if (typeof v !== 'string') corrupt(adapter, table, row, column, `holds ${show(v)}, not JSON text`);
    try {
      return JSON.parse(v) as JsonValue;
    } catch {
      return corrupt(adapter, table, row, column, `holds ${show(v)}, which is not valid JSON`);
    }
  },
  enum: () => undefined, // replaced per column (its values) in `decoder`
};

/**
 * A decoder for `table`'s rows, made from the schema: each column read by its type's checker
 * (`null` passes where the column is nullable, and a JSON column reads NULL as JSON null),
 * raising `CORRUPT_DATA` naming adapter, table, row and column.
 */
function decoder<T>(table: Table): (adapter: string, row: Row) => T {
  const cells = table.columns.map((c): [string, string, Reader] => {
    let read = READERS[c.type];
    if (c.type === 'enum') {
      const allowed = c.values as readonly string[];
      read = (adapter, t, row, column) => {
        const v = READERS.text(adapter, t, row, column) as string;
        if (!allowed.includes(v))
          corrupt(adapter, t, row, column, `holds ${show(v)}, not one of ${allowed.join(', ')}`);
        return v;
      };
    }
    if (c.nullable && c.type !== 'json') {
      const strict = read;
      read = (adapter, t, row, column) => (row[column] === null ? null : strict(adapter, t, row, column));
    }
    return [c.column, c.field, read];
  });
  const name = table.name;
  return (adapter, row) => {
    const out: Record<string, unknown> = {};
    for (const [column, field, read] of cells) out[field] = read(adapter, name, row, column);
    return out as T;
  };
}

export const decodeSession = decoder<Session>(SCHEMA.sessions);
export const decodeMessage = decoder<Message>(SCHEMA.messages);
export const decodeToolCall = decoder<ToolCall>(SCHEMA.toolCalls);
export const decodeQuestion = decoder<Question>(SCHEMA.questions);
export const decodeSetting = decoder<Setting>(SCHEMA.settings);
