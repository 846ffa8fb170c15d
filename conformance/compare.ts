import { acceptableCodes } from './reference-model.js';

/**
 * What the model-based property (`properties.ts`) and the interleaving property
 * (`interleavings.ts`) share: exact rendering, the contract's view of a record (ids mapped
 * to the model's), outcomes of a call on either side, and the id mapping. What each
 * operation is (how it is called, what its answer holds) is in `operations.ts`.
 */

/** The tables whose rows have ids a caller sees. */
export type RecordTable = 'sessions' | 'messages' | 'toolCalls' | 'questions' | 'settings';

/** Ids of one table: the model's in creation order, and the mapping to the adapter's. */
export class IdTable {
  readonly order: string[] = [];
  readonly toReal = new Map<string, string>();
  readonly toModel = new Map<string, string>();

  bind(modelId: string, realId: string): void {
    this.order.push(modelId);
    this.toReal.set(modelId, realId);
    this.toModel.set(realId, modelId);
  }

  clone(): IdTable {
    const copy = new IdTable();
    for (const id of this.order) copy.bind(id, this.toReal.get(id) as string);
    return copy;
  }
}

export type IdTables = Record<RecordTable, IdTable>;

export function newIdTables(): IdTables {
  return {
    sessions: new IdTable(),
    messages: new IdTable(),
    toolCalls: new IdTable(),
    questions: new IdTable(),
    settings: new IdTable(),
  };
}

export function cloneIdTables(ids: IdTables): IdTables {
  return {
    sessions: ids.sessions.clone(),
    messages: ids.messages.clone(),
    toolCalls: ids.toolCalls.clone(),
    questions: ids.questions.clone(),
    settings: ids.settings.clone(),
  };
}

/** A deep copy of plain input data (valid inputs only: no cycles), own `__proto__` keys kept. */
export function copyPlain<T>(value: T): T {
  if (Array.isArray(value)) return value.map(copyPlain) as T;
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value)) {
    Object.defineProperty(out, key, {
      value: copyPlain((value as Record<string, unknown>)[key]),
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return out as T;
}

/** Exact rendering: key order, -0, holes, cycles and non-JSON values all show. */
export function render(value: unknown, seen: Set<object> = new Set()): string {
  switch (typeof value) {
    case 'number':
      return Object.is(value, -0) ? '-0' : String(value);
    case 'string':
      return JSON.stringify(value);
    case 'boolean':
      return String(value);
    case 'undefined':
      return 'undefined';
    case 'bigint':
      return `${value}n`;
    case 'symbol':
      return String(value);
    case 'function':
      return '<function>';
  }
  if (value === null) return 'null';
  const o = value as Record<string, unknown>;
  if (seen.has(o)) return '<cycle>';
  seen.add(o);
  try {
    if (Array.isArray(o)) {
      const parts: string[] = [];
      for (let i = 0; i < o.length; i++) parts.push(i in o ? render(o[i], seen) : '<hole>');
      return `[${parts.join(',')}]`;
    }
    const proto = Object.getPrototypeOf(o) as { constructor?: { name?: string } } | null;
    const tag = proto === null || proto === Object.prototype ? '' : `${proto.constructor?.name ?? 'object'} `;
    return `${tag}{${Object.keys(o)
      .map((k) => `${JSON.stringify(k)}:${render(o[k], seen)}`)
      .join(',')}}`;
  } finally {
    seen.delete(o);
  }
}

export function clip(s: string, max = 600): string {
  return s.length > max ? `${s.slice(0, max)}… (${s.length} chars)` : s;
}

/** How an id in a result is shown: the model's own ids as they are, the adapter's through the mapping. */
export type MapId = (table: RecordTable, id: unknown) => unknown;

export const sameId: MapId = (_table, id) => id;

export function realIds(ids: IdTables): MapId {
  return (table, id) => {
    if (typeof id !== 'string') return `<${table} id that is not a string: ${render(id)}>`;
    return ids[table].toModel.get(id) ?? `<${table} id ${JSON.stringify(id)} the adapter never issued>`;
  };
}

/** A record's documented fields (after `id`), and which of them hold ids of which table. */
export interface Shape {
  table: RecordTable;
  keys: readonly string[];
  refs: Readonly<Record<string, RecordTable>>;
}

/**
 * A record as the contract sees it: its documented fields in a fixed order (field order
 * is not part of the contract; key order inside JSON values is), ids mapped to the model's.
 */
export function viewRecord(value: unknown, shape: Shape, mapId: MapId): string {
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    return `<not a record: ${render(value)}>`;
  const rec = value as Record<string, unknown>;
  const parts = shape.keys.map((key) => {
    const v = rec[key];
    let shown = v;
    const ref = shape.refs[key];
    if (key === 'id') shown = mapId(shape.table, v);
    else if (ref !== undefined && v !== null) shown = mapId(ref, v);
    return `${key}:${render(shown)}`;
  });
  const extra = Object.keys(rec).filter((k) => !shape.keys.includes(k));
  if (extra.length > 0) parts.push(`<fields the contract does not have: ${extra.join(', ')}>`);
  return `{${parts.join(',')}}`;
}

export function viewList(value: unknown, shape: Shape, mapId: MapId): string {
  if (!Array.isArray(value)) return `<not an array: ${render(value)}>`;
  return `[${value.map((v) => viewRecord(v, shape, mapId)).join(',\n  ')}]`;
}

/**
 * A page: its items, and whether there is a next cursor. Cursors are opaque, so only
 * null-or-not is compared; following them is compared by the pages they lead to.
 */
export function viewPage(value: unknown, shape: Shape, mapId: MapId): string {
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    return `<not a page: ${render(value)}>`;
  const page = value as Record<string, unknown>;
  const cursor = page.nextCursor;
  const shownCursor =
    cursor === null
      ? 'null'
      : typeof cursor === 'string' && cursor.length > 0
        ? '<a cursor>'
        : `<not a cursor: ${render(cursor)}>`;
  const extra = Object.keys(page).filter((k) => k !== 'items' && k !== 'nextCursor');
  return `{items:${viewList(page.items, shape, mapId)},nextCursor:${shownCursor}${
    extra.length > 0 ? `,<fields a page does not have: ${extra.join(', ')}>` : ''
  }}`;
}

export type Outcome =
  | { ok: true; value: unknown }
  | { ok: false; code: string; message: string; codes: readonly string[] };

function failure(e: unknown): Outcome | undefined {
  const err = e as { name?: unknown; code?: unknown; message?: unknown };
  if (err?.name === 'AgentStorageError' && typeof err.code === 'string') {
    return { ok: false, code: err.code, message: String(err.message), codes: acceptableCodes(err as never) };
  }
  return undefined;
}

/** The model's answer; anything but an AgentStorageError is a bug of the model itself. */
export function fromModel(call: () => unknown): Outcome {
  try {
    return { ok: true, value: call() };
  } catch (e) {
    const out = failure(e);
    if (out !== undefined) return out;
    throw new Error(
      `the reference model itself failed (a bug in conformance/reference-model.ts): ${String(e)}`,
    );
  }
}

export async function fromAdapter(call: () => Promise<unknown>): Promise<Outcome> {
  try {
    return { ok: true, value: await call() };
  } catch (e) {
    const err = e as { code?: unknown; message?: unknown };
    if (failure(e) !== undefined) {
      return {
        ok: false,
        code: err.code as string,
        message: String(err.message),
        codes: [err.code as string],
      };
    }
    return { ok: false, code: '<not an AgentStorageError>', message: String(err?.message ?? e), codes: [] };
  }
}

export function outcomeText(o: Outcome, view: (v: unknown) => string): string {
  if (o.ok) return `returns ${clip(view(o.value))}`;
  const also = o.codes.length > 1 ? ` (or ${o.codes.slice(1).join(' or ')})` : '';
  return `rejects with ${o.code}${also} (${clip(o.message, 200)})`;
}

/** Whether the adapter's answer is the model's: equal views when both resolve, an acceptable code when both reject. */
export function agree(
  model: Outcome,
  adapter: Outcome,
  view: (v: unknown, mapId: MapId) => string,
  ids: IdTables,
): boolean {
  if (model.ok) return adapter.ok && view(model.value, sameId) === view(adapter.value, realIds(ids));
  return !adapter.ok && model.codes.includes(adapter.code);
}

/**
 * Binds the ids a create returned: where the model answered with an existing row (an
 * idempotent repeat) the adapter must answer with that row's id; otherwise with a string no
 * other row of the table has. Returns a description of the disagreement, or `undefined`.
 */
export function bindIds(
  ids: IdTables,
  table: RecordTable,
  modelIds: readonly string[],
  real: unknown,
): string | undefined {
  if (!Array.isArray(real) || real.length !== modelIds.length) {
    return `expected ${modelIds.length} id(s), got ${render(real)}`;
  }
  const t = ids[table];
  for (const [i, modelId] of modelIds.entries()) {
    const id: unknown = real[i];
    const first = t.toReal.get(modelId);
    if (first !== undefined) {
      if (id !== first)
        return `expected the id of the existing row ${JSON.stringify(first)}, got ${render(id)}`;
      continue;
    }
    if (typeof id !== 'string') return `expected a new id (a string), got ${render(id)}`;
    if (t.toModel.has(id))
      return `expected a new id, got ${JSON.stringify(id)}, already the id of ${t.toModel.get(id)}`;
    t.bind(modelId, id);
  }
  return undefined;
}

/**
 * Mutates an object the adapter was given or returned, deeply, after the fact: the
 * contract says this never changes what is stored, and later reads will tell.
 */
export function scribble(value: unknown, seen: Set<object> = new Set()): void {
  if (value === null || typeof value !== 'object' || seen.has(value)) return;
  seen.add(value);
  if (Array.isArray(value)) {
    for (const v of value) scribble(v, seen);
    Reflect.set(value, value.length, 'scribbled');
    return;
  }
  if (value instanceof Map || value instanceof Date) return;
  for (const key of Object.keys(value)) {
    scribble((value as Record<string, unknown>)[key], seen);
    Reflect.set(value, key, 'scribbled');
  }
}
