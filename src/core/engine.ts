import { unixSeconds } from '../contract/clock.js';
import { AgentStorageError } from '../contract/errors.js';
import {
  type AgentStorage,
  ALL_CAPABILITIES,
  type Capabilities,
  type StorageOptions,
} from '../contract/storage.js';
import type * as t from '../contract/types.js';
import * as v from '../contract/validation.js';
import { appendBatch, batchSessions } from './batch.js';
import { insertChildren, setValues } from './child-lists.js';
import { badCursor, notFound, notSupported, parentMissing } from './failures.js';
import { createOnce, storedMessage, storedToolCall } from './idempotency.js';
import { isRowId } from './ids.js';
import { Operations } from './operations.js';
import { toPage } from './paging.js';
import type { StoragePort } from './port.js';
import { decodeMessage, decodeQuestion, decodeSession, decodeSetting, decodeToolCall } from './rows.js';

/** What the engine needs besides the port. */
export interface EngineOptions extends StorageOptions {
  /** Optional capabilities this store declares. Default: all of them. */
  capabilities?: Partial<Omit<Capabilities, 'persistent'>>;
}

const str = JSON.stringify;

const keyed = (x: { clientKey: string | null }) => x.clientKey !== null;

/**
 * The contract (`AgentStorage`) implemented once, over any `StoragePort`: every decision the
 * contract makes — what is valid, what NOT_FOUND and CONFLICT are, when a retry is the same
 * write, how pages and cursors work, CLOSED, NOT_SUPPORTED — lives here and nowhere else.
 * Every operation is `async`: a failure, whatever it is, rejects the promise; and every one
 * runs in `#call`, which close() waits for.
 */
export class StorageEngine implements AgentStorage {
  readonly adapter: string;
  readonly capabilities: Capabilities;
  /** The port this engine runs on (a SQL port exposes its executor and dialect). */
  readonly port: StoragePort;
  readonly #ctx: v.ValidationContext;
  readonly #operations: Operations;

  constructor(port: StoragePort, options: EngineOptions = {}) {
    this.port = port;
    this.adapter = port.adapter;
    this.capabilities = Object.freeze({
      persistent: port.persistent,
      ...ALL_CAPABILITIES,
      ...options.capabilities,
    });
    this.#ctx = { adapter: port.adapter, clock: options.clock ?? unixSeconds };
    this.#operations = new Operations(port.adapter);
  }

  // ---------------------------------------------------------------- sessions

  createSession(input: t.NewSession): Promise<string> {
    return this.#call(() => this.port.insertSession(v.validateNewSession(this.#ctx, input)));
  }

  getSession(id: string): Promise<t.Session | null> {
    return this.#call(async () => {
      if (!isRowId(v.validateIdArgument(this.#ctx, 'getSession', 'id', id))) return null;
      const row = await this.port.session(id);
      return row === undefined ? null : decodeSession(this.adapter, row);
    });
  }

  updateSession(id: string, update: t.SessionUpdate, options?: t.SessionUpdateOptions): Promise<void> {
    return this.#call(async () => {
      const record = v.validateSessionUpdate(this.#ctx, id, update);
      const expected = v.validateExpectedStatus(this.#ctx, options);
      if (expected !== null) this.#need('updateSession: expectedStatus', 'conditionalUpdate');
      if (isRowId(id) && (await this.port.updateSession(id, record, expected)) > 0) return;
      // Only now tell "no such session" from "not in the expected status".
      const row = isRowId(id) && expected !== null ? await this.port.session(id) : undefined;
      if (row === undefined) throw this.#notFound('updateSession', `session ${str(id)}`);
      const status = decodeSession(this.adapter, row).status;
      throw new AgentStorageError(
        'CONFLICT',
        `updateSession: session ${str(id)} is ${status}, not ${(expected ?? []).join(' or ')}`,
        { adapter: this.adapter },
      );
    });
  }

  listSessions(query?: t.SessionQuery): Promise<t.Page<t.Session>> {
    return this.#call(async () => {
      this.#need('listSessions', 'listSessions');
      const q = v.validateSessionQuery(this.#ctx, query);
      if (q.cursor !== null && !isRowId(q.cursor.id)) throw badCursor(this.adapter, 'listSessions', 'cursor');
      const rows = await this.port.listSessions(q);
      return toPage(
        rows.map((r) => decodeSession(this.adapter, r)),
        q.limit,
        'forward',
        'sessions',
        (s) => ({ key: s.startedAt, id: s.id }),
      );
    });
  }

  deleteSessions(query: t.SessionDeleteQuery): Promise<number> {
    return this.#call(async () => {
      this.#need('deleteSessions', 'deleteSession');
      const q = v.validateSessionDeleteQuery(this.#ctx, query);
      // The listing picks the batch; each session then goes in its own atomic delete, so a
      // batch never holds one long transaction. That delete checks the filters again: one
      // changed meanwhile (a failed run retried, now running) no longer matches and stays,
      // and one deleted meanwhile by another caller is not counted.
      const rows = await this.port.listSessions(q);
      let deleted = 0;
      for (const row of rows.slice(0, q.limit)) if (await this.port.deleteSession(row.id, q)) deleted++;
      return deleted;
    });
  }

  deleteSession(id: string): Promise<boolean> {
    return this.#call(async () => {
      this.#need('deleteSession', 'deleteSession');
      if (!isRowId(v.validateIdArgument(this.#ctx, 'deleteSession', 'id', id))) return false;
      return this.port.deleteSession(id);
    });
  }

  // ---------------------------------------------------------------- messages

  createMessage(input: t.NewMessage): Promise<string> {
    return this.#call(() => {
      const m = v.validateNewMessage(this.#ctx, input);
      if (m.clientKey !== null) this.#need('createMessage: clientKey', 'idempotency');
      return createOnce(
        this.adapter,
        'createMessage',
        () => (isRowId(m.sessionId) ? this.port.insertMessage(m) : 'no-parent'),
        () => this.#notFound('createMessage', `session ${str(m.sessionId)}`),
        () => storedMessage(this.port, 'createMessage', m),
      );
    });
  }

  getMessages(sessionId: string): Promise<t.Message[]> {
    return this.#rowsOf('getMessages', sessionId, (id) => this.port.messages(id), decodeMessage);
  }

  getMessagesPage(sessionId: string, query?: t.PageQuery): Promise<t.Page<t.Message>> {
    return this.#page('getMessagesPage', 'messages', sessionId, query, (r) =>
      decodeMessage(this.adapter, r as never),
    );
  }

  countMessages(sessionId: string): Promise<number> {
    return this.#count('countMessages', 'messages', sessionId);
  }

  // ---------------------------------------------------------------- tool calls

  createToolCall(input: t.NewToolCall): Promise<string> {
    return this.#call(() => {
      const t = v.validateNewToolCall(this.#ctx, input);
      if (t.clientKey !== null) this.#need('createToolCall: clientKey', 'idempotency');
      const known = isRowId(t.sessionId) && (t.messageId === null || isRowId(t.messageId));
      return createOnce(
        this.adapter,
        'createToolCall',
        () => (known ? this.port.insertToolCall(t) : 'no-parent'),
        () => parentMissing(this.adapter, 'createToolCall', t),
        () => storedToolCall(this.port, 'createToolCall', t),
      );
    });
  }

  updateToolCall(id: string, update: t.ToolCallUpdate): Promise<void> {
    return this.#call(() => {
      const record = v.validateToolCallUpdate(this.#ctx, id, update);
      const changed = isRowId(id) ? this.port.updateToolCall(id, record) : Promise.resolve(0);
      return changed.then((n) => {
        if (n === 0) throw this.#notFound('updateToolCall', `tool call ${str(id)}`);
      });
    });
  }

  getToolCalls(sessionId: string): Promise<t.ToolCall[]> {
    return this.#rowsOf('getToolCalls', sessionId, (id) => this.port.toolCalls(id, false), decodeToolCall);
  }

  getPendingToolCalls(sessionId: string): Promise<t.ToolCall[]> {
    return this.#rowsOf(
      'getPendingToolCalls',
      sessionId,
      (id) => this.port.toolCalls(id, true),
      decodeToolCall,
    );
  }

  getToolCallsPage(sessionId: string, query?: t.PageQuery): Promise<t.Page<t.ToolCall>> {
    return this.#page('getToolCallsPage', 'toolCalls', sessionId, query, (r) =>
      decodeToolCall(this.adapter, r as never),
    );
  }

  countToolCalls(sessionId: string): Promise<number> {
    return this.#count('countToolCalls', 'toolCalls', sessionId);
  }

  // ---------------------------------------------------------------- batches

  appendBatch(batch: t.Batch): Promise<t.BatchResult> {
    return this.#call(async () => {
      this.#need('appendBatch', 'batch');
      const b = v.validateBatch(this.#ctx, batch);
      // Every key is checked before any session: an undeclared capability outranks a missing row.
      if (b.messages.some(keyed) || b.toolCalls.some(keyed))
        this.#need('appendBatch: clientKey', 'idempotency');
      const sessions = batchSessions(b);
      for (const id of sessions) if (!isRowId(id)) throw this.#notFound('appendBatch', `session ${str(id)}`);
      if (b.messages.length === 0 && b.toolCalls.length === 0) return { messageIds: [], toolCallIds: [] };
      return appendBatch(this.port, b, sessions);
    });
  }

  // ---------------------------------------------------------------- questions and settings

  createQuestions(sessionId: string, questions: t.NewQuestion[]): Promise<string[]> {
    return this.#call(async () => {
      this.#need('createQuestions', 'questions');
      const list = v.validateQuestions(this.#ctx, sessionId, questions);
      return insertChildren(this.port, 'createQuestions', 'questions', sessionId, list);
    });
  }

  getQuestions(sessionId: string): Promise<t.Question[]> {
    return this.#children('getQuestions', 'questions', sessionId, false, decodeQuestion);
  }

  getPendingQuestions(sessionId: string): Promise<t.Question[]> {
    return this.#children('getPendingQuestions', 'questions', sessionId, true, decodeQuestion);
  }

  answerQuestions(sessionId: string, answers: t.Answer[]): Promise<void> {
    return this.#call(async () => {
      this.#need('answerQuestions', 'questions');
      const list = v.validateAnswers(this.#ctx, sessionId, answers);
      await setValues(
        this.port,
        'answerQuestions',
        'questions',
        sessionId,
        list.map((a) => ({ key: a.questionId, value: a.answer, at: a.answeredAt })),
      );
    });
  }

  createSettings(sessionId: string, settings: t.NewSetting[]): Promise<string[]> {
    return this.#call(async () => {
      this.#need('createSettings', 'settings');
      const list = v.validateSettings(this.#ctx, sessionId, settings);
      return insertChildren(this.port, 'createSettings', 'settings', sessionId, list);
    });
  }

  getSettings(sessionId: string): Promise<t.Setting[]> {
    return this.#children('getSettings', 'settings', sessionId, false, decodeSetting);
  }

  getPendingSettings(sessionId: string): Promise<t.Setting[]> {
    return this.#children('getPendingSettings', 'settings', sessionId, true, decodeSetting);
  }

  setSettingValues(sessionId: string, values: t.SettingValue[]): Promise<void> {
    return this.#call(async () => {
      this.#need('setSettingValues', 'settings');
      const list = v.validateSettingValues(this.#ctx, sessionId, values);
      await setValues(
        this.port,
        'setSettingValues',
        'settings',
        sessionId,
        list.map((s) => ({ key: s.settingKey, value: s.value, at: s.updatedAt })),
      );
    });
  }

  close(): Promise<void> {
    return this.#operations.close(() => this.port.close());
  }

  /**
   * Runs an operation a store adds beside the contract (migrations) as the contract's own
   * run: `CLOSED` once `close()` was called, and waited for by a `close()` called meanwhile.
   */
  protected track<T>(operation: () => Promise<T>): Promise<T> {
    return this.#call(operation);
  }

  #children<Row, T>(
    op: string,
    kind: 'questions' | 'settings',
    sessionId: string,
    pendingOnly: boolean,
    decode: (adapter: string, row: Row) => T,
  ): Promise<T[]> {
    return this.#rowsOf(
      op,
      sessionId,
      (id) => this.port.children(kind, id, pendingOnly) as Promise<Row[]>,
      decode,
      kind,
    );
  }

  /** A session's rows of one kind, decoded; `need`: the capability the operation is under, if any. */
  #rowsOf<Row, T>(
    op: string,
    sessionId: string,
    read: (id: string) => Promise<Row[]>,
    decode: (adapter: string, row: Row) => T,
    need?: 'questions' | 'settings',
  ): Promise<T[]> {
    return this.#call(async () => {
      if (need !== undefined) this.#need(op, need);
      if (!isRowId(v.validateIdArgument(this.#ctx, op, 'sessionId', sessionId))) return [];
      return (await read(sessionId)).map((r) => decode(this.adapter, r));
    });
  }

  #count(op: string, list: 'messages' | 'toolCalls', sessionId: string): Promise<number> {
    return this.#call(async () => {
      this.#need(op, 'paging');
      if (!isRowId(v.validateIdArgument(this.#ctx, op, 'sessionId', sessionId))) return 0;
      return this.port.count(list, sessionId);
    });
  }

  #page<T extends { id: string; createdAt: number }>(
    op: string,
    list: 'messages' | 'toolCalls',
    sessionId: string,
    query: t.PageQuery | undefined,
    decode: (row: unknown) => T,
  ): Promise<t.Page<T>> {
    return this.#call(async () => {
      this.#need(op, 'paging');
      const q = v.validatePageQuery(this.#ctx, op, list, sessionId, query);
      const cursor = q.after ?? q.before;
      if (cursor !== null && !isRowId(cursor.id))
        throw badCursor(this.adapter, op, q.after ? 'after' : 'before');
      const direction = q.after ? 'after' : q.before ? 'before' : q.fromEnd ? 'last' : 'first';
      const rows = isRowId(sessionId)
        ? await this.port.page(list, sessionId, { direction, cursor, limit: q.limit + 1 })
        : [];
      return toPage(
        rows.map(decode),
        q.limit,
        direction === 'before' || direction === 'last' ? 'backward' : 'forward',
        `${list}:${sessionId}`,
        (i) => ({ key: i.createdAt, id: i.id }),
      );
    });
  }

  // ---------------------------------------------------------------- checks, once

  #need(op: string, capability: keyof Omit<Capabilities, 'persistent'>): void {
    if (this.capabilities[capability] !== true) throw notSupported(this.adapter, op, capability);
  }

  #notFound(op: string, what: string): AgentStorageError {
    return notFound(this.adapter, op, what);
  }

  /** Every operation runs here: `CLOSED` after close(), and waited for by close(). */
  #call<T>(operation: () => Promise<T>): Promise<T> {
    return this.#operations.run(operation);
  }
}
