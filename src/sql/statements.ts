import { type Column, columnOf, SCHEMA, type Table, type TableName } from '../core/schema.js';
import type { SqlValue } from './executor.js';

/**
 * Every statement the SQL port runs, generated from the schema (`src/core/schema.ts`) for a
 * dialect's syntax. Parameters are bound by **name**: a statement records the field each
 * placeholder stands for, in the order they appear, and `bind` picks the values from a
 * record. So a statement's text and its parameters cannot drift apart across files, and a
 * field may appear twice (numbered placeholders reuse `$n`; SQLite's `?` binds it again).
 */

/** How a dialect writes what differs in these statements. */
export interface SqlSyntax {
  /** The `index`-th placeholder (1-based) for a value of `type`: `?`, or `$3::bigint`. */
  param(index: number, type: Column['type']): string;
  /** A table's name as SQL writes it (schema-qualified on Postgres). */
  table(name: TableName): string;
  /** An id column selected as decimal text (ids are 64-bit; JS numbers would round them). */
  idText(column: string): string;
  /**
   * How an insert returns the id it assigned, when not as `idText('id')`: every table's id is
   * an INTEGER PRIMARY KEY, so an assigned id is an integer, and guards `idText` may carry for
   * ids another program wrote (`bytesDialect`) only cost time here (12 µs an insert on libsql).
   */
  readonly insertedId?: string | undefined;
  /** Placeholders are numbered (`$1`): a field used twice in a statement is bound once. */
  readonly numbered: boolean;
  /** How a text column is selected, when not as itself (a driver that cannot read some text back as stored). */
  readonly textOut?: ((column: string) => string) | undefined;
  /**
   * How every other column but an id is selected (enum, JSON, integer; text too, without
   * `textOut`), when not as itself: a driver that cannot even be handed some stored values
   * (libsql aborts the process on text that is not UTF-8, whatever the column).
   */
  readonly valueOut?: ((column: string, spec: Column) => string) | undefined;
  /**
   * What makes a SELECT lock the rows it reads until the transaction ends (` FOR NO KEY UPDATE`), for
   * a dialect whose writers run side by side; none where one writer runs at a time (SQLite).
   */
  readonly lockRows?: string | undefined;
}

export interface Statement {
  readonly text: string;
  /** The field each placeholder stands for, in order. */
  readonly names: readonly string[];
  /** The statement's parameters, picked from `values` by name (missing ones bind NULL). */
  readonly bind: (values: object) => SqlValue[];
}

/** The statement's parameters, picked from `values` by name (missing ones bind NULL). */
export function bind(statement: Statement, values: object): SqlValue[] {
  return statement.bind(values);
}

/** A step of the walk to an update statement: the statement for the fields so far, and the next field's steps. */
interface UpdateNode {
  statement?: Statement;
  next: Map<string | number, UpdateNode>;
}

/** The step under `key`, made on first use. */
function step<K>(next: Map<K, UpdateNode>, key: K): UpdateNode {
  let node = next.get(key);
  if (node === undefined) {
    node = { next: new Map() };
    next.set(key, node);
  }
  return node;
}

/**
 * The parameters of `update(table, update.fields, statuses.length)`, in its placeholders' order:
 * the values as given, the id, the statuses. Positional, and written here beside the statement
 * it binds: an update's values come as a list, and building a record of them only for `bind`
 * to read them back by name cost every tool call's completion.
 */
export function updateParams(
  update: { readonly values: readonly SqlValue[] },
  id: string,
  statuses: readonly string[] | null,
): SqlValue[] {
  const params = [...update.values, id];
  if (statuses !== null) params.push(...statuses);
  return params;
}

/**
 * `names`' values picked from a record, as a function made once per statement: a read of each
 * name written out (`v["role"]`) is one V8 inline cache per placeholder, where a loop over the
 * names reads through one megamorphic cache (≈ 0.5 µs more a statement, measured right after
 * a driver call, when every lookup misses the CPU's caches). Where code cannot be compiled at
 * run time (a page's Content-Security-Policy), the loop.
 */
function binder(names: readonly string[]): (values: object) => SqlValue[] {
  const loop = (values: object) =>
    names.map((n) => ((values as Record<string, SqlValue>)[n] ?? null) as SqlValue);
  try {
    const reads = names.map((n) => `v[${JSON.stringify(n)}] ?? null`).join(', ');
    return new Function('v', `return [${reads}];`) as (values: object) => SqlValue[];
  } catch (e) {
    if (e instanceof EvalError) return loop;
    throw e;
  }
}

/**
 * Builds one statement: `p(name, type)` writes a marker for a placeholder; the markers are
 * then numbered in the order they appear in the text (not the order `p` was called), and the
 * names recorded in that order.
 */
/** Writes a placeholder for a named parameter of the given column type. */
type Placeholder = (name: string, type?: Column['type']) => string;

function build(syntax: SqlSyntax, write: (p: Placeholder) => string): Statement {
  const wanted: [string, Column['type']][] = [];
  const marked = write((name, type = 'text') => `\uE000${wanted.push([name, type]) - 1}\uE000`);
  const names: string[] = [];
  const text = marked.replace(/\uE000(\d+)\uE000/g, (_, i: string) => {
    const [name, type] = wanted[Number(i)] as [string, Column['type']];
    const seen = syntax.numbered ? names.indexOf(name) : -1;
    if (seen >= 0) return syntax.param(seen + 1, type);
    names.push(name);
    return syntax.param(names.length, type);
  });
  return { text, names, bind: binder(names) };
}

/** `x.col`, ids as text, aliased back to the column name: the shape `src/core/rows.ts` decodes. */
export function selectList(syntax: SqlSyntax, table: Table, alias = 'x'): string {
  const { idText, textOut, valueOut } = syntax;
  return table.columns
    .map((c) => {
      const column = `${alias}.${c.column}`;
      if (c.type === 'id') return `${idText(column)} AS ${c.column}`;
      const out = c.type === 'text' ? (textOut ?? valueOut) : valueOut;
      return out ? `${out(column, c)} AS ${c.column}` : column;
    })
    .join(', ');
}

const typeOf = (table: Table, field: string) => columnOf(table, field).type;

export type ListName = 'messages' | 'toolCalls';
export type ChildKind = 'questions' | 'settings';

/** The statements of one dialect. Fixed ones are built once; shaped ones once per shape (memoised). */
export function statements(syntax: SqlSyntax) {
  const t = (table: Table) => syntax.table(table.name);
  const S = SCHEMA;
  const order = 'ORDER BY x.created_at, x.id';
  const memo = new Map<string, Statement>();
  const updates = new Map<Table, UpdateNode>();
  const shaped = (key: string, make: () => Statement) => {
    let st = memo.get(key);
    if (st === undefined) {
      st = make();
      memo.set(key, st);
    }
    return st;
  };
  const returned = `${syntax.insertedId ?? syntax.idText('id')} AS id`;
  const insertColumns = (table: Table, skip: readonly string[]) =>
    table.columns.filter((c) => c.column !== 'id' && !skip.includes(c.column));

  return {
    insertSession: build(syntax, (p) => {
      const cols = insertColumns(S.sessions, []);
      return `INSERT INTO ${t(S.sessions)} (${cols.map((c) => c.column).join(', ')})
        VALUES (${cols.map((c) => p(c.field, c.type)).join(', ')}) RETURNING ${returned}`;
    }),
    session: build(
      syntax,
      (p) => `SELECT ${selectList(syntax, S.sessions)} FROM ${t(S.sessions)} x WHERE x.id = ${p('id', 'id')}`,
    ),
    deleteSession: build(syntax, (p) => `DELETE FROM ${t(S.sessions)} WHERE id = ${p('id', 'id')}`),
    /** The session, only while it still matches the listing's filters (a retention batch's delete). */
    deleteSessionMatching(shape: ListShape): Statement {
      return shaped(`delete:${shapeKey(shape)}`, () =>
        build(syntax, (p) =>
          [`DELETE FROM ${t(S.sessions)} WHERE id = ${p('id', 'id')}`, ...sessionFilters(shape, p, '')].join(
            ' AND ',
          ),
        ),
      );
    },

    /**
     * `UPDATE … SET <fields> WHERE id = :id [AND status IN (:s1, …)]`: its parameters are the
     * fields' values in the order given, the id, then the statuses (`updateParams`). Found by
     * walking the fields (no key string built per call: this is every tool call's completion).
     */
    update(table: Table, fields: readonly string[], statuses = 0): Statement {
      let node = step(updates, table);
      node = step(node.next, statuses);
      for (const field of fields) node = step(node.next, field);
      node.statement ??= build(syntax, (p) => {
        const sets = fields.map((f) => `${columnOf(table, f).column} = ${p(f, typeOf(table, f))}`).join(', ');
        const guard =
          statuses > 0
            ? ` AND status IN (${Array.from({ length: statuses }, (_, i) => p(`status${i}`)).join(', ')})`
            : '';
        return `UPDATE ${t(table)} SET ${sets} WHERE id = ${p('id', 'id')}${guard}`;
      });
      return node.statement;
    },

    /** Locks `count` sessions (`id0`…) for the transaction, in id order: one lock order for every caller. */
    lockSessions(count: number): Statement {
      return shaped(`lock:${count}`, () =>
        build(
          syntax,
          (p) =>
            `SELECT x.id FROM ${t(S.sessions)} x WHERE x.id IN (${Array.from({ length: count }, (_, i) => p(`id${i}`, 'id')).join(', ')}) ORDER BY x.id${syntax.lockRows ?? ''}`,
        ),
      );
    },

    /** Newest first; the filters given, ANDed; after the cursor; `limit` rows. */
    listSessions(shape: ListShape): Statement {
      return shaped(`list:${shapeKey(shape)}`, () =>
        build(syntax, (p) => {
          const where = sessionFilters(shape, p, 'x.');
          // A row value: Postgres turns it into one btree range (an OR would become a bitmap scan and a sort).
          if (shape.cursor)
            where.push(`(x.started_at, x.id) < (${p('cursorKey', 'integer')}, ${p('cursorId', 'id')})`);
          // Ordering names the table's columns (x.): a bare `id` would mean the text alias and sort "10" before "9".
          return `SELECT ${selectList(syntax, S.sessions)} FROM ${t(S.sessions)} x
            ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''}
            ORDER BY x.started_at DESC, x.id DESC LIMIT ${p('limit', 'integer')}`;
        }),
      );
    },

    /**
     * Inserts a message when its session exists (no row back when not). Where rows are locked
     * (`lockRows`), it locks its session first, as a batch does: a session's rows then take
     * their ids in the order they commit, so a reader continuing with `nextCursor` never
     * passes an id that a write still in progress holds (and would find behind it later).
     */
    insertMessage: build(syntax, (p) => {
      const cols = insertColumns(S.messages, ['session_id']);
      return `INSERT INTO ${t(S.messages)} (session_id, ${cols.map((c) => c.column).join(', ')})
        SELECT s.id, ${cols.map((c) => p(c.field, c.type)).join(', ')} FROM ${t(S.sessions)} s WHERE s.id = ${p('sessionId', 'id')}${syntax.lockRows ?? ''}
        RETURNING ${returned}`;
    }),
    messageByKey: build(
      syntax,
      (p) =>
        `SELECT ${selectList(syntax, S.messages)} FROM ${t(S.messages)} x WHERE x.session_id = ${p('sessionId', 'id')} AND x.client_key = ${p('clientKey')}`,
    ),
    messageSession: build(
      syntax,
      (p) =>
        `SELECT ${syntax.idText('session_id')} AS session_id FROM ${t(S.messages)} WHERE id = ${p('id', 'id')}`,
    ),

    /** Inserts a tool call when its session (and its message, in that session) exist; locks as `insertMessage` does. */
    insertToolCall: build(syntax, (p) => {
      const cols = insertColumns(S.toolCalls, ['session_id', 'message_id']);
      return `INSERT INTO ${t(S.toolCalls)} (session_id, message_id, ${cols.map((c) => c.column).join(', ')})
        SELECT s.id, ${p('messageId', 'id')}, ${cols.map((c) => p(c.field, c.type)).join(', ')}
        FROM ${t(S.sessions)} s WHERE s.id = ${p('sessionId', 'id')} AND (${p('messageId', 'id')} IS NULL OR EXISTS (
          SELECT 1 FROM ${t(S.messages)} m WHERE m.id = ${p('messageId', 'id')} AND m.session_id = s.id))${syntax.lockRows ?? ''}
        RETURNING ${returned}`;
    }),
    toolCallByKey: build(
      syntax,
      (p) =>
        `SELECT ${selectList(syntax, S.toolCalls)} FROM ${t(S.toolCalls)} x WHERE x.session_id = ${p('sessionId', 'id')} AND x.client_key = ${p('clientKey')}`,
    ),

    /** A session's rows in contract order: createdAt, ties in insertion order (id). */
    rows(table: Table, pending?: string): Statement {
      return shaped(`rows:${table.name}:${pending ?? ''}`, () =>
        build(syntax, (p) => {
          const filter = pending === undefined ? '' : ` AND ${pending}`;
          return `SELECT ${selectList(syntax, table)} FROM ${t(table)} x WHERE x.session_id = ${p('sessionId', 'id')}${filter} ${order}`;
        }),
      );
    },

    count(table: Table): Statement {
      return shaped(`count:${table.name}`, () =>
        build(
          syntax,
          (p) => `SELECT COUNT(*) AS n FROM ${t(table)} x WHERE x.session_id = ${p('sessionId', 'id')}`,
        ),
      );
    },

    /**
     * One keyset page of a session's rows in (createdAt, id) order: the first, or after the
     * cursor, or before it, or the last (both read descending; the engine reverses), `limit` rows.
     */
    page(table: Table, direction: 'first' | 'last' | 'after' | 'before'): Statement {
      return shaped(`page:${table.name}:${direction}`, () =>
        build(syntax, (p) => {
          const session = `x.session_id = ${p('sessionId', 'id')}`;
          if (direction === 'first')
            return `SELECT ${selectList(syntax, table)} FROM ${t(table)} x WHERE ${session} ${order} LIMIT ${p('limit', 'integer')}`;
          if (direction === 'last')
            return `SELECT ${selectList(syntax, table)} FROM ${t(table)} x WHERE ${session}
              ORDER BY x.created_at DESC, x.id DESC LIMIT ${p('limit', 'integer')}`;
          const [cmp, dir] = direction === 'after' ? ['>', 'ASC'] : ['<', 'DESC'];
          return `SELECT ${selectList(syntax, table)} FROM ${t(table)} x
            WHERE ${session} AND (x.created_at, x.id) ${cmp} (${p('cursorKey', 'integer')}, ${p('cursorId', 'id')})
            ORDER BY x.created_at ${dir}, x.id ${dir} LIMIT ${p('limit', 'integer')}`;
        }),
      );
    },

    /** A question or setting, when its session (and its tool call, in that session) exist. */
    insertChild(kind: ChildKind): Statement {
      const table = S[kind];
      return shaped(`child:${kind}`, () =>
        build(syntax, (p) => {
          const cols = insertColumns(table, ['session_id', 'tool_call_id', ...NOT_INSERTED[kind]]);
          return `INSERT INTO ${t(table)} (session_id, tool_call_id, ${cols.map((c) => c.column).join(', ')})
            SELECT s.id, ${p('toolCallId', 'id')}, ${cols.map((c) => p(c.field, c.type)).join(', ')}
            FROM ${t(S.sessions)} s WHERE s.id = ${p('sessionId', 'id')} AND (${p('toolCallId', 'id')} IS NULL OR EXISTS (
              SELECT 1 FROM ${t(S.toolCalls)} c WHERE c.id = ${p('toolCallId', 'id')} AND c.session_id = s.id))
            RETURNING ${returned}`;
        }),
      );
    },

    /**
     * Sets the value of a session's rows with a key: the `pending` ones (value NULL), or the
     * `latest` one (createdAt, then insertion). Names: value, at, sessionId, key.
     */
    setValue(kind: ChildKind, which: 'pending' | 'latest'): Statement {
      const table = S[kind];
      const [key, value, at] = CHILD_COLUMNS[kind];
      return shaped(`set:${kind}:${which}`, () =>
        build(syntax, (p) => {
          const set = `UPDATE ${t(table)} SET ${value} = ${p('value')}, ${at} = ${p('at', 'integer')}`;
          if (which === 'pending')
            return `${set} WHERE session_id = ${p('sessionId', 'id')} AND ${key} = ${p('key')} AND ${value} IS NULL`;
          return `${set} WHERE id = (SELECT l.id FROM ${t(table)} l WHERE l.session_id = ${p('sessionId', 'id')} AND l.${key} = ${p('key')}
            ORDER BY l.created_at DESC, l.id DESC LIMIT 1)`;
        }),
      );
    },
  };
}

/** A question is created unanswered; a setting may come with its value, never with the time it was set. */
const NOT_INSERTED: Record<ChildKind, readonly string[]> = {
  questions: ['answer', 'answered_at'],
  settings: ['updated_at'],
};

/** Key, value and time columns of questions and settings. */
export const CHILD_COLUMNS: Record<ChildKind, [key: string, value: string, at: string]> = {
  questions: ['question_id', 'answer', 'answered_at'],
  settings: ['setting_key', 'setting_value', 'updated_at'],
};

const shapeKey = (shape: ListShape) =>
  `${shape.statuses}:${+shape.agentName}${+shape.provider}${+shape.model}${+shape.startedFrom}${+shape.startedBefore}${+shape.endedBefore}${+shape.cursor}`;

/** The conditions of a listing's filters (the cursor aside), on columns prefixed with `alias`. */
function sessionFilters(shape: ListShape, p: Placeholder, alias: string): string[] {
  const where: string[] = [];
  if (shape.statuses > 0)
    where.push(
      `${alias}status IN (${Array.from({ length: shape.statuses }, (_, i) => p(`status${i}`)).join(', ')})`,
    );
  for (const f of ['agentName', 'provider', 'model'] as const)
    if (shape[f]) where.push(`${alias}${columnOf(SCHEMA.sessions, f).column} = ${p(f)}`);
  if (shape.startedFrom) where.push(`${alias}started_at >= ${p('startedFrom', 'integer')}`);
  if (shape.startedBefore) where.push(`${alias}started_at < ${p('startedBefore', 'integer')}`);
  // NULL (still open) compares unknown, so an open session never matches.
  if (shape.endedBefore) where.push(`${alias}ended_at < ${p('endedBefore', 'integer')}`);
  return where;
}

/** Which filters a listing uses, hence which statement. */
export interface ListShape {
  statuses: number;
  agentName: boolean;
  provider: boolean;
  model: boolean;
  startedFrom: boolean;
  startedBefore: boolean;
  endedBefore: boolean;
  cursor: boolean;
}

export type Statements = ReturnType<typeof statements>;
