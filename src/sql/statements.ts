import { columnOf, SCHEMA, type Table } from '../core/schema.js';
import type { SqlValue } from './executor.js';
import { build, type Placeholder, type SqlSyntax, type Statement, shapeMemo } from './statement.js';

export { bind, type SqlSyntax, type Statement } from './statement.js';

/**
 * Every statement the SQL port runs, generated from the schema (`src/core/schema.ts`) for a
 * dialect's syntax. Parameters are bound by **name**: a statement records the field each
 * placeholder stands for, in the order they appear, and `bind` picks the values from a
 * record. So a statement's text and its parameters cannot drift apart across files, and a
 * field may appear twice (numbered placeholders reuse `$n`; SQLite's `?` binds it again).
 */

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
  const shaped = shapeMemo();
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
      return shaped(
        () =>
          build(syntax, (p) =>
            [
              `DELETE FROM ${t(S.sessions)} WHERE id = ${p('id', 'id')}`,
              ...sessionFilters(shape, p, ''),
            ].join(' AND '),
          ),
        'delete',
        shapeKey(shape),
      );
    },

    /**
     * `UPDATE … SET <fields> WHERE id = :id [AND status IN (:s1, …)]`: its parameters are the
     * fields' values in the order given, the id, then the statuses (`updateParams`). Found by
     * walking the fields (no key string built per call: this is every tool call's completion).
     */
    update(table: Table, fields: readonly string[], statuses = 0): Statement {
      return shaped(
        () =>
          build(syntax, (p) => {
            const sets = fields
              .map((f) => `${columnOf(table, f).column} = ${p(f, typeOf(table, f))}`)
              .join(', ');
            const guard =
              statuses > 0
                ? ` AND status IN (${Array.from({ length: statuses }, (_, i) => p(`status${i}`)).join(', ')})`
                : '';
            return `UPDATE ${t(table)} SET ${sets} WHERE id = ${p('id', 'id')}${guard}`;
          }),
        'update',
        table.name,
        statuses,
        ...fields,
      );
    },

    /** Locks `count` sessions (`id0`…) for the transaction, in id order: one lock order for every caller. */
    lockSessions(count: number): Statement {
      return shaped(
        () =>
          build(
            syntax,
            (p) =>
              `SELECT x.id FROM ${t(S.sessions)} x WHERE x.id IN (${Array.from({ length: count }, (_, i) => p(`id${i}`, 'id')).join(', ')}) ORDER BY x.id${syntax.lockRows ?? ''}`,
          ),
        'lock',
        count,
      );
    },

    /** Newest first; the filters given, ANDed; after the cursor; `limit` rows. */
    listSessions(shape: ListShape): Statement {
      return shaped(
        () =>
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
        'list',
        shapeKey(shape),
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
      return shaped(
        () =>
          build(syntax, (p) => {
            const filter = pending === undefined ? '' : ` AND ${pending}`;
            return `SELECT ${selectList(syntax, table)} FROM ${t(table)} x WHERE x.session_id = ${p('sessionId', 'id')}${filter} ${order}`;
          }),
        'rows',
        table.name,
        pending ?? '',
      );
    },

    count(table: Table): Statement {
      return shaped(
        () =>
          build(
            syntax,
            (p) => `SELECT COUNT(*) AS n FROM ${t(table)} x WHERE x.session_id = ${p('sessionId', 'id')}`,
          ),
        'count',
        table.name,
      );
    },

    /**
     * One keyset page of a session's rows in (createdAt, id) order: the first, or after the
     * cursor, or before it, or the last (both read descending; the engine reverses), `limit` rows.
     */
    page(table: Table, direction: 'first' | 'last' | 'after' | 'before'): Statement {
      return shaped(
        () =>
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
        'page',
        table.name,
        direction,
      );
    },

    /** A question or setting, when its session (and its tool call, in that session) exist. */
    insertChild(kind: ChildKind): Statement {
      const table = S[kind];
      return shaped(
        () =>
          build(syntax, (p) => {
            const cols = insertColumns(table, ['session_id', 'tool_call_id', ...NOT_INSERTED[kind]]);
            return `INSERT INTO ${t(table)} (session_id, tool_call_id, ${cols.map((c) => c.column).join(', ')})
            SELECT s.id, ${p('toolCallId', 'id')}, ${cols.map((c) => p(c.field, c.type)).join(', ')}
            FROM ${t(S.sessions)} s WHERE s.id = ${p('sessionId', 'id')} AND (${p('toolCallId', 'id')} IS NULL OR EXISTS (
              SELECT 1 FROM ${t(S.toolCalls)} c WHERE c.id = ${p('toolCallId', 'id')} AND c.session_id = s.id))
            RETURNING ${returned}`;
          }),
        'child',
        kind,
      );
    },

    /**
     * Sets the value of a session's rows with a key: the `pending` ones (value NULL), or the
     * `latest` one (createdAt, then insertion). Names: value, at, sessionId, key.
     */
    setValue(kind: ChildKind, which: 'pending' | 'latest'): Statement {
      const table = S[kind];
      const [key, value, at] = CHILD_COLUMNS[kind];
      return shaped(
        () =>
          build(syntax, (p) => {
            const set = `UPDATE ${t(table)} SET ${value} = ${p('value')}, ${at} = ${p('at', 'integer')}`;
            if (which === 'pending')
              return `${set} WHERE session_id = ${p('sessionId', 'id')} AND ${key} = ${p('key')} AND ${value} IS NULL`;
            return `${set} WHERE id = (SELECT l.id FROM ${t(table)} l WHERE l.session_id = ${p('sessionId', 'id')} AND l.${key} = ${p('key')}
            ORDER BY l.created_at DESC, l.id DESC LIMIT 1)`;
          }),
        'set',
        kind,
        which,
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

/** A listing's shape as one number: its status count and which filters are set. */
const shapeKey = (shape: ListShape) =>
  shape.statuses * 128 +
  (+shape.agentName | (+shape.provider << 1) | (+shape.model << 2) | (+shape.startedFrom << 3)) +
  ((+shape.startedBefore << 4) | (+shape.endedBefore << 5) | (+shape.cursor << 6));

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
