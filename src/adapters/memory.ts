import type { StorageOptions } from '../contract/storage.js';
import type { SessionStatus } from '../contract/types.js';
import type * as v from '../contract/validation.js';
import { StorageEngine } from '../core/engine.js';
import { Gate, gated } from '../core/gate.js';
import type { PageRequest, StoragePort } from '../core/port.js';
import { columnOf, SCHEMA, type Table, type TableName } from '../core/schema.js';
import { badUrl, checkOptions } from './url-options.js';

/** A stored row: the memory port changes its cells in place, so not read-only here. */
export type Row = { id: string } & Record<string, unknown>;

/** The stored rows by table, in the shape the SQL adapters select, so one decoder checks both. */
export type MemoryTables = Readonly<Record<TableName, Map<string, Row>>>;

/** Contract order of a session's children: createdAt, then insertion (ids are one counter's decimal text). */
const position = (a: Row, b: Row) =>
  Number(a.created_at) - Number(b.created_at) || Number(a.id) - Number(b.id);

/** A record's fields as the table's columns (`{ agentName }` → `{ agent_name }`), for the columns given. */
function toRow(table: Table, record: object, extra: Record<string, unknown>): Row {
  const row: Record<string, unknown> = { ...extra };
  for (const c of table.columns) {
    if (c.column in row) continue;
    row[c.column] = (record as Record<string, unknown>)[c.field] ?? null;
  }
  return row as Row;
}

/** Whether a session row passes a listing's filters (its cursor aside), as the SQL WHERE does. */
function matches(r: Row, q: v.SessionQueryRecord): boolean {
  return (
    (q.statuses === null || q.statuses.includes(r.status as SessionStatus)) &&
    (q.agentName === null || r.agent_name === q.agentName) &&
    (q.provider === null || r.provider === q.provider) &&
    (q.model === null || r.model === q.model) &&
    (q.startedFrom === null || Number(r.started_at) >= q.startedFrom) &&
    (q.startedBefore === null || Number(r.started_at) < q.startedBefore) &&
    (q.endedBefore === null || (r.ended_at !== null && Number(r.ended_at) < q.endedBefore))
  );
}

/**
 * The port over maps in this process: rows kept as the SQL adapters store them (JSON as
 * text, ids as decimal text), so what reads back is decoded by the same code. A unit is
 * atomic because `memoryPort()` gates every other call while it runs, and all or nothing
 * because each change it makes is undone, newest first, when it fails.
 */
export class MemoryPort implements StoragePort {
  readonly adapter = 'memory';
  readonly persistent = false;
  readonly tables: MemoryTables = {
    agent_sessions: new Map(),
    agent_messages: new Map(),
    agent_tool_calls: new Map(),
    project_requirements_qna: new Map(),
    project_settings: new Map(),
  };
  #lastId = 0;
  /** While a unit runs: how to undo each change it made. */
  #undo: (() => void)[] | null = null;

  async atomically<T>(fn: (unit: StoragePort) => Promise<T>): Promise<T> {
    const undo: (() => void)[] = [];
    this.#undo = undo;
    try {
      return await fn(this);
    } catch (e) {
      for (const step of undo.reverse()) step();
      throw e;
    } finally {
      this.#undo = null;
    }
  }

  async insertSession(s: v.SessionRecord): Promise<string> {
    return this.#insert('agent_sessions', toRow(SCHEMA.sessions, s, {}));
  }

  async session(id: string) {
    return this.tables.agent_sessions.get(id);
  }

  async updateSession(id: string, update: v.UpdateRecord, expected: readonly SessionStatus[] | null) {
    const row = this.tables.agent_sessions.get(id);
    if (row === undefined || (expected !== null && !expected.includes(row.status as SessionStatus))) return 0;
    return this.#update(SCHEMA.sessions, row, update);
  }

  async listSessions(q: v.SessionQueryRecord) {
    const keep = (r: Row) =>
      matches(r, q) &&
      (q.cursor === null ||
        Number(r.started_at) < q.cursor.key ||
        (Number(r.started_at) === q.cursor.key && Number(r.id) < Number(q.cursor.id)));
    return [...this.tables.agent_sessions.values()]
      .filter(keep)
      .sort((a, b) => Number(b.started_at) - Number(a.started_at) || Number(b.id) - Number(a.id))
      .slice(0, q.limit + 1);
  }

  async deleteSession(id: string, matching?: v.SessionQueryRecord) {
    const row = this.tables.agent_sessions.get(id);
    if (row === undefined || (matching !== undefined && !matches(row, matching))) return false;
    this.tables.agent_sessions.delete(id);
    // What the foreign keys' ON DELETE CASCADE does in SQL.
    for (const name of [
      'agent_messages',
      'agent_tool_calls',
      'project_requirements_qna',
      'project_settings',
    ] as const) {
      const rows = this.tables[name];
      for (const [rowId, row] of rows) if (row.session_id === id) rows.delete(rowId);
    }
    return true;
  }

  async insertMessage(m: v.MessageRecord) {
    if (!this.tables.agent_sessions.has(m.sessionId)) return 'no-parent' as const;
    if (m.clientKey !== null && this.#byKey('agent_messages', m.sessionId, m.clientKey))
      return 'duplicate' as const;
    return this.#insert('agent_messages', toRow(SCHEMA.messages, m, {}));
  }

  async insertMessages(ms: readonly v.MessageRecord[]) {
    if (ms.some((m) => !this.tables.agent_sessions.has(m.sessionId))) return 'no-parent' as const;
    const ids: string[] = [];
    for (const m of ms) {
      const id = await this.insertMessage(m);
      if (id === 'duplicate' || id === 'no-parent') return id;
      ids.push(id);
    }
    return ids;
  }

  async messageByKey(sessionId: string, clientKey: string) {
    return this.#byKey('agent_messages', sessionId, clientKey) as Row | undefined;
  }

  /** Units run one at a time here (the gate): nothing to lock. */
  async lockSessions(_ids: readonly string[]) {}

  async messageSession(id: string) {
    return this.tables.agent_messages.get(id)?.session_id as string | undefined;
  }

  async messages(sessionId: string) {
    return this.#of('agent_messages', sessionId) as Row[];
  }

  async insertToolCall(t: v.ToolCallRecord) {
    const message = t.messageId === null ? undefined : this.tables.agent_messages.get(t.messageId);
    if (
      !this.tables.agent_sessions.has(t.sessionId) ||
      (t.messageId !== null && message?.session_id !== t.sessionId)
    )
      return 'no-parent' as const;
    if (t.clientKey !== null && this.#byKey('agent_tool_calls', t.sessionId, t.clientKey))
      return 'duplicate' as const;
    return this.#insert('agent_tool_calls', toRow(SCHEMA.toolCalls, t, {}));
  }

  async toolCallByKey(sessionId: string, clientKey: string) {
    return this.#byKey('agent_tool_calls', sessionId, clientKey) as Row | undefined;
  }

  async updateToolCall(id: string, update: v.UpdateRecord) {
    const row = this.tables.agent_tool_calls.get(id);
    return row === undefined ? 0 : this.#update(SCHEMA.toolCalls, row, update);
  }

  async toolCalls(sessionId: string, pendingOnly: boolean) {
    return (this.#of('agent_tool_calls', sessionId) as Row[]).filter(
      (r) => !pendingOnly || r.status === 'pending',
    );
  }

  async page(list: 'messages' | 'toolCalls', sessionId: string, q: PageRequest) {
    const rows = this.#of(list === 'messages' ? 'agent_messages' : 'agent_tool_calls', sessionId);
    const cursor = q.cursor;
    const cmp = (r: Row) =>
      cursor === null ? 0 : Number(r.created_at) - cursor.key || Number(r.id) - Number(cursor.id);
    if (q.direction === 'last') return rows.slice(-q.limit).reverse() as Row[];
    const picked =
      q.direction === 'before'
        ? rows.filter((r) => cmp(r) < 0).reverse()
        : q.direction === 'after'
          ? rows.filter((r) => cmp(r) > 0)
          : rows;
    return picked.slice(0, q.limit) as Row[];
  }

  async count(list: 'messages' | 'toolCalls', sessionId: string) {
    return this.#of(list === 'messages' ? 'agent_messages' : 'agent_tool_calls', sessionId).length;
  }

  async insertChild(
    kind: 'questions' | 'settings',
    sessionId: string,
    item: v.QuestionRecord | v.SettingRecord,
  ) {
    const call = item.toolCallId === null ? undefined : this.tables.agent_tool_calls.get(item.toolCallId);
    if (
      !this.tables.agent_sessions.has(sessionId) ||
      (item.toolCallId !== null && call?.session_id !== sessionId)
    )
      return 'no-parent' as const;
    const table = SCHEMA[kind];
    const value = kind === 'questions' ? { answer: null, answered_at: null } : { updated_at: null };
    return this.#insert(table.name, toRow(table, item, { session_id: sessionId, ...value }));
  }

  async children(kind: 'questions' | 'settings', sessionId: string, pendingOnly: boolean) {
    const table = SCHEMA[kind];
    const value = kind === 'questions' ? 'answer' : 'setting_value';
    return this.#of(table.name, sessionId).filter((r) => !pendingOnly || r[value] === null) as never;
  }

  async setValue(
    kind: 'questions' | 'settings',
    sessionId: string,
    key: string,
    set: { value: string; at: number },
    which: 'pending' | 'latest',
  ) {
    const [keyColumn, valueColumn, timeColumn] =
      kind === 'questions'
        ? ['question_id', 'answer', 'answered_at']
        : ['setting_key', 'setting_value', 'updated_at'];
    const rows = this.#of(SCHEMA[kind].name, sessionId).filter((r) => r[keyColumn] === key);
    const targets = which === 'pending' ? rows.filter((r) => r[valueColumn] === null) : rows.slice(-1);
    for (const row of targets)
      this.#set(SCHEMA[kind].name, row, { [valueColumn]: set.value, [timeColumn]: set.at });
    return targets.length;
  }

  async close(): Promise<void> {}

  readonly inspection = {
    rowCounts: async () => ({
      agent_sessions: this.tables.agent_sessions.size,
      agent_messages: this.tables.agent_messages.size,
      agent_tool_calls: this.tables.agent_tool_calls.size,
    }),
    writeRaw: async (table: TableName, id: string, column: string, value: string | null) => {
      const row = this.tables[table].get(id);
      if (row === undefined) throw new Error(`no ${table} row ${id}`);
      this.tables[table].set(id, { ...row, [column]: value });
    },
  };

  #insert(table: TableName, row: Row): string {
    this.#lastId += 1;
    const id = String(this.#lastId);
    const rows = this.tables[table];
    rows.set(id, { ...row, id });
    this.#undo?.push(() => rows.delete(id));
    return id;
  }

  #update(table: Table, row: Row, update: v.UpdateRecord): number {
    this.#set(
      table.name,
      row,
      Object.fromEntries(update.fields.map((field, i) => [columnOf(table, field).column, update.values[i]])),
    );
    return 1;
  }

  /**
   * Replaces the row with a changed copy, never changes it in place: a read that already
   * holds the row (and decodes it after an await) sees it as it was when it read it.
   */
  #set(table: TableName, row: Row, values: Record<string, unknown>): void {
    const rows = this.tables[table];
    rows.set(row.id, { ...row, ...values });
    this.#undo?.push(() => rows.set(row.id, row));
  }

  #of(table: TableName, sessionId: string): Row[] {
    return [...this.tables[table].values()].filter((r) => r.session_id === sessionId).sort(position);
  }

  #byKey(table: 'agent_messages' | 'agent_tool_calls', sessionId: string, key: string): Row | undefined {
    for (const row of this.tables[table].values())
      if (row.session_id === sessionId && row.client_key === key) return row;
    return undefined;
  }
}

/**
 * The contract without SQL: the engine over `MemoryPort`, gated so that a unit (a batch, a
 * list of answers) is atomic. Data lives as long as the object; `capabilities.persistent`
 * is false.
 */
export class MemoryAgentStorage extends StorageEngine {
  constructor(options: StorageOptions = {}) {
    super(gated(new MemoryPort(), new Gate()), options);
  }
}

/**
 * The raw rows behind a memory store, for tests that must see or damage what is stored
 * (the conformance suite's row counts and corrupt-data checks).
 */
export function memoryTables(store: MemoryAgentStorage): MemoryTables {
  return (store.port as MemoryPort).tables;
}

/** `memory:`: a fresh, empty store; it takes no options besides the clock. */
export async function openUrl(url: string, options: Readonly<Record<string, unknown>>) {
  // Schemes are case-insensitive (RFC 3986): MEMORY: is memory: too, as SQLITE: is sqlite:.
  if (!/^memory:(\/\/)?$/i.test(url))
    throw badUrl('memory', url, 'has more than the scheme; memory: takes nothing else');
  return new MemoryAgentStorage(checkOptions<StorageOptions>('memory', options, []));
}

export async function scratchTarget() {
  return (await import('../../conformance/targets.js')).memoryTarget();
}
