import type { Column, TableName } from '../core/schema.js';
import type { SqlValue } from './executor.js';

/**
 * One SQL statement with named parameters: its text for a dialect, the field each placeholder
 * stands for, and how to bind them; how statements are built, and memoised per shape.
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

/** A step of the walk to a shaped statement: the statement of the parts so far, and the next part's steps. */
interface ShapeNode {
  statement?: Statement;
  next: Map<string | number, ShapeNode>;
}

/** The step under `key`, made on first use. */
function step<K>(next: Map<K, ShapeNode>, key: K): ShapeNode {
  let node = next.get(key);
  if (node === undefined) {
    node = { next: new Map() };
    next.set(key, node);
  }
  return node;
}

/**
 * A memo of statements made once per shape, found by walking the shape's parts (constant
 * strings and numbers, whose hashes V8 keeps) instead of a key string built, and hashed, on
 * every call: `shaped(make, 'page', table, direction)`.
 */
export function shapeMemo(): (make: () => Statement, ...parts: (string | number)[]) => Statement {
  const memo: ShapeNode = { next: new Map() };
  return (make, ...parts) => {
    let node = memo;
    for (const part of parts) node = step(node.next, part);
    node.statement ??= make();
    return node.statement;
  };
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
export type Placeholder = (name: string, type?: Column['type']) => string;

export function build(syntax: SqlSyntax, write: (p: Placeholder) => string): Statement {
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
