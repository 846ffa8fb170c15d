import { AgentStorageError } from '../contract/errors.js';
import type { SessionStatus } from '../contract/types.js';
import type * as v from '../contract/validation.js';
import { compareIds } from '../core/ids.js';
import type { PageRequest, PortInspection, StoragePort } from '../core/port.js';
import type { Row } from '../core/rows.js';
import { SCHEMA, type TableName } from '../core/schema.js';
import type { SqlDialect } from './dialect.js';
import type { SqlExecutor } from './executor.js';
import {
  bind,
  type ChildKind,
  type ListName,
  type Statement,
  type Statements,
  statements,
  updateParams,
} from './statements.js';

const code = (e: unknown) => (e instanceof AgentStorageError ? e.code : undefined);
const TABLE_OF: Record<ListName, typeof SCHEMA.messages | typeof SCHEMA.toolCalls> = {
  messages: SCHEMA.messages,
  toolCalls: SCHEMA.toolCalls,
};
const PENDING: Record<ChildKind | 'toolCalls', string> = {
  questions: 'x.answer IS NULL',
  settings: 'x.setting_value IS NULL',
  toolCalls: "x.status = 'pending'",
};

const built = new WeakMap<SqlDialect, Statements>();
function statementsOf(dialect: SqlDialect): Statements {
  let st = built.get(dialect);
  if (st === undefined) {
    st = statements(dialect.syntax);
    built.set(dialect, st);
  }
  return st;
}

/**
 * An insert's outcome: its id, or what stopped it — a missing parent (no row back, or a
 * foreign-key failure when the parent went away after the INSERT … SELECT found it), or,
 * where the table has a unique key, a taken key.
 */
function inserted<K extends boolean>(
  insert: Promise<{ id: string } | undefined>,
  keyed: K,
): Promise<string | 'no-parent' | (K extends true ? 'duplicate' : never)> {
  // One `then`, not an async function's extra turns of the microtask queue (why: `Operations.run`).
  return insert.then(
    (row) => row?.id ?? 'no-parent',
    (e: unknown) => {
      if (code(e) === 'NOT_FOUND') return 'no-parent';
      if (keyed && code(e) === 'CONFLICT') return 'duplicate' as never;
      throw e;
    },
  );
}

/**
 * The storage port over any `SqlExecutor` and `SqlDialect`: one statement per call (the
 * parents' existence is checked inside each INSERT), units as transactions. Statements come
 * from the schema with named parameters; the dialect supplies only its syntax and a batch
 * insert.
 */
export class SqlPort implements StoragePort {
  readonly adapter: string;
  readonly persistent: boolean;
  readonly executor: SqlExecutor;
  readonly dialect: SqlDialect;
  readonly #st: Statements;

  constructor(executor: SqlExecutor, dialect: SqlDialect, options: { adapter: string; persistent: boolean }) {
    this.executor = executor;
    this.dialect = dialect;
    this.adapter = options.adapter;
    this.persistent = options.persistent;
    this.#st = statementsOf(dialect);
  }

  atomically<T>(fn: (unit: StoragePort) => Promise<T>): Promise<T> {
    return this.executor.transaction((tx) =>
      fn(new SqlPort(tx, this.dialect, { adapter: this.adapter, persistent: this.persistent })),
    );
  }

  #get(st: Statement, values: object) {
    return this.executor.get<Row>(st.text, bind(st, values));
  }

  #all(st: Statement, values: object) {
    return this.executor.all<Row>(st.text, bind(st, values));
  }

  #run(st: Statement, values: object) {
    return this.executor.run(st.text, bind(st, values));
  }

  async insertSession(s: v.SessionRecord): Promise<string> {
    return ((await this.#get(this.#st.insertSession, s)) as Row).id;
  }

  session(id: string) {
    return this.#get(this.#st.session, { id });
  }

  updateSession(id: string, update: v.UpdateRecord, expected: readonly SessionStatus[] | null) {
    const st = this.#st.update(SCHEMA.sessions, update.fields, expected?.length ?? 0);
    return this.executor.run(st.text, updateParams(update, id, expected));
  }

  listSessions(q: v.SessionQueryRecord) {
    const values = {
      ...filterValues(q),
      cursorKey: q.cursor?.key,
      cursorId: q.cursor?.id,
      limit: q.limit + 1,
    };
    return this.#all(this.#st.listSessions(filterShape(q)), values);
  }

  async deleteSession(id: string, matching?: v.SessionQueryRecord) {
    // One statement: the foreign keys' ON DELETE CASCADE removes every child row with it.
    const deleted =
      matching === undefined
        ? await this.#run(this.#st.deleteSession, { id })
        : await this.#run(this.#st.deleteSessionMatching({ ...filterShape(matching), cursor: false }), {
            ...filterValues(matching),
            id,
          });
    return deleted > 0;
  }

  insertMessage(m: v.MessageRecord) {
    return inserted(this.#get(this.#st.insertMessage, m), true);
  }

  async insertMessages(ms: readonly v.MessageRecord[]) {
    const ids: string[] = [];
    try {
      for (const { sql, params } of this.dialect.insertMessages(ms)) {
        for (const row of await this.executor.all<{ id: string }>(sql, params)) ids.push(row.id);
      }
    } catch (e) {
      if (code(e) === 'NOT_FOUND') return 'no-parent' as const;
      if (code(e) === 'CONFLICT') return 'duplicate' as const;
      throw e;
    }
    // Ids grow in insertion order, which is input order; RETURNING itself promises no order.
    return ids.sort(compareIds);
  }

  messageByKey(sessionId: string, clientKey: string) {
    return this.#get(this.#st.messageByKey, { sessionId, clientKey });
  }

  async lockSessions(ids: readonly string[]) {
    if (this.dialect.syntax.lockRows === undefined || ids.length === 0) return;
    await this.#all(
      this.#st.lockSessions(ids.length),
      Object.fromEntries(ids.map((id, i) => [`id${i}`, id])),
    );
  }

  async messageSession(id: string) {
    return (await this.#get(this.#st.messageSession, { id }))?.session_id as string | undefined;
  }

  messages(sessionId: string) {
    return this.#all(this.#st.rows(SCHEMA.messages), { sessionId });
  }

  insertToolCall(t: v.ToolCallRecord) {
    return inserted(this.#get(this.#st.insertToolCall, t), true);
  }

  toolCallByKey(sessionId: string, clientKey: string) {
    return this.#get(this.#st.toolCallByKey, { sessionId, clientKey });
  }

  updateToolCall(id: string, update: v.UpdateRecord) {
    const st = this.#st.update(SCHEMA.toolCalls, update.fields);
    return this.executor.run(st.text, updateParams(update, id, null));
  }

  toolCalls(sessionId: string, pendingOnly: boolean) {
    return this.#all(this.#st.rows(SCHEMA.toolCalls, pendingOnly ? PENDING.toolCalls : undefined), {
      sessionId,
    });
  }

  page(list: ListName, sessionId: string, q: PageRequest) {
    return this.#all(this.#st.page(TABLE_OF[list], q.direction), {
      sessionId,
      cursorKey: q.cursor?.key,
      cursorId: q.cursor?.id,
      limit: q.limit,
    });
  }

  async count(list: ListName, sessionId: string) {
    return Number((await this.#get(this.#st.count(TABLE_OF[list]), { sessionId }))?.n ?? 0);
  }

  insertChild(kind: ChildKind, sessionId: string, item: v.QuestionRecord | v.SettingRecord) {
    return inserted(this.#get(this.#st.insertChild(kind), { ...item, sessionId }), false);
  }

  children(kind: ChildKind, sessionId: string, pendingOnly: boolean) {
    return this.#all(this.#st.rows(SCHEMA[kind], pendingOnly ? PENDING[kind] : undefined), { sessionId });
  }

  setValue(
    kind: ChildKind,
    sessionId: string,
    key: string,
    set: { value: string; at: number },
    which: 'pending' | 'latest',
  ) {
    return this.#run(this.#st.setValue(kind, which), { ...set, sessionId, key });
  }

  close(): Promise<void> {
    return this.executor.close();
  }

  /** Made when asked for (the suite's checks), not with every unit's port. */
  get inspection(): PortInspection {
    return {
      rowCounts: async () => {
        const count = async (t: TableName) =>
          Number(
            (
              await this.executor.get<{ n: unknown }>(
                `SELECT COUNT(*) AS n FROM ${this.dialect.syntax.table(t)}`,
                [],
              )
            )?.n,
          );
        return {
          agent_sessions: await count('agent_sessions'),
          agent_messages: await count('agent_messages'),
          agent_tool_calls: await count('agent_tool_calls'),
        };
      },
      writeRaw: (table: TableName, id: string, column: string, value: string | null) => {
        const { syntax, loosen } = this.dialect;
        const name = syntax.table(table);
        const update = `UPDATE ${name} SET ${column} = ${syntax.param(1, 'text')} WHERE id = ${syntax.param(2, 'id')}`;
        // One transaction holds one connection: a pooled driver must not loosen one and write on another.
        return this.executor.transaction(async (tx) => {
          const lift = loosen.column(name, column);
          if (lift) await tx.exec(lift);
          try {
            await tx.run(update, [value, id]);
          } finally {
            if (loosen.after) await tx.exec(loosen.after);
          }
        });
      },
    };
  }
}

/** Which of a listing's filters are set: the statement's shape. */
function filterShape(q: v.SessionQueryRecord) {
  return {
    statuses: q.statuses?.length ?? 0,
    agentName: q.agentName !== null,
    provider: q.provider !== null,
    model: q.model !== null,
    startedFrom: q.startedFrom !== null,
    startedBefore: q.startedBefore !== null,
    endedBefore: q.endedBefore !== null,
    cursor: q.cursor !== null,
  };
}

/** The filters' parameters, statuses numbered. */
function filterValues(q: v.SessionQueryRecord): Record<string, unknown> {
  const values: Record<string, unknown> = {
    agentName: q.agentName,
    provider: q.provider,
    model: q.model,
    startedFrom: q.startedFrom,
    startedBefore: q.startedBefore,
    endedBefore: q.endedBefore,
  };
  q.statuses?.forEach((s, i) => {
    values[`status${i}`] = s;
  });
  return values;
}
