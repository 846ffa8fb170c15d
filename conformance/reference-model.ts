import { AgentStorageError } from '../src/contract/errors.js';
import { type AgentStorage, ALL_CAPABILITIES, type OptionalCapability } from '../src/contract/storage.js';
import type {
  Answer,
  Batch,
  BatchResult,
  JsonValue,
  MessageRole,
  NewMessage,
  NewQuestion,
  NewSession,
  NewSetting,
  NewToolCall,
  Page,
  PageQuery,
  SessionDeleteQuery,
  SessionQuery,
  SessionStatus,
  SessionUpdate,
  SettingValue,
  ToolCallStatus,
  ToolCallUpdate,
} from '../src/contract/types.js';
import {
  type CursorPosition,
  encodeCursor,
  type SessionQueryRecord,
  type ValidationContext,
  validateAnswers,
  validateBatch,
  validateExpectedStatus,
  validateIdArgument,
  validateNewMessage,
  validateNewSession,
  validateNewToolCall,
  validatePageQuery,
  validateQuestions,
  validateSessionDeleteQuery,
  validateSessionQuery,
  validateSessionUpdate,
  validateSettings,
  validateSettingValues,
  validateToolCallUpdate,
} from '../src/contract/validation.js';
import type { ConformanceTarget } from './types.js';

/**
 * The reference model of the `AgentStorage` contract (docs/contract.md): what a store must
 * answer, written as plainly as possible so that it can be read as the spec. The
 * model-based property (`conformance/properties.ts`) runs random command sequences against
 * an adapter and this model side by side and demands the same answers; the interleaving
 * property (`conformance/interleavings.ts`) asks whether concurrent results are explained
 * by running this model in some sequential order.
 *
 * What is the model's own, simple code: the tables (arrays in insertion order), defaults,
 * ordering, NOT_FOUND and CONFLICT, what "pending" means, copies, idempotent creates,
 * listing and its filters, keyset pages, cascading deletes, batches, conditional updates,
 * questions and settings, and the list of fields each record has. What it borrows: the
 * validators of `src/contract/validation.ts`, the contract's single source of truth for
 * which input is `INVALID_INPUT` (and `encodeCursor`, the wire shape those validators
 * accept for a cursor). On top of them it checks input keys against its own field lists,
 * by own key ("any other field rejects with INVALID_INPUT").
 *
 * Judgement calls the contract text leaves open, made the way every SQL backend behaves:
 * integer fields (timestamps, executionTimeMs) have no negative zero, so `-0` reads back
 * as `0`. Where one call has several faults (a batch with an unknown session in one item
 * and a key conflict in another), the contract does not say which is reported: the model
 * throws the first it finds and lists the others' codes as acceptable too
 * (`acceptableCodes`). `INVALID_INPUT` always comes first ("validation first").
 *
 * What an adapter declares can change the contract (`ModelOptions.capabilities`): an
 * operation of an undeclared capability is `NOT_SUPPORTED`; with `idempotency`, repeated
 * creates return the first id or CONFLICT.
 *
 * Ids are the model's own (`session-1`, `message-1`, `toolcall-1`, `question-1`,
 * `setting-1`): one counter per table, so the number is the insertion order, which breaks
 * ties. They are opaque, so a comparison with an adapter maps the adapter's ids to these
 * by creation order. Cursors the model issues are `encodeCursor({ key, id })` of the row at
 * the page's edge; comparisons with an adapter map the adapter's cursors to the model's.
 *
 * Errors are `AgentStorageError`s of adapter `model`, so the model can itself be run
 * through the conformance suite (`modelTarget()`).
 */

const ADAPTER = 'model';

/** The records, as the contract's operations return them (docs/contract.md, "Records"). */
export interface ModelSession {
  id: string;
  agentName: string;
  provider: string;
  model: string;
  systemPrompt: string | null;
  userPrompt: string;
  config: JsonValue;
  status: SessionStatus;
  startedAt: number;
  endedAt: number | null;
  result: string | null;
  error: string | null;
}

export interface ModelMessage {
  id: string;
  sessionId: string;
  role: MessageRole;
  content: string;
  createdAt: number;
  /** Where the contract has idempotency keys: the caller's key, unique within the session, or `null`. */
  clientKey?: string | null;
}

export interface ModelToolCall {
  id: string;
  sessionId: string;
  messageId: string | null;
  toolCallId: string;
  toolName: string;
  request: JsonValue;
  response: JsonValue | null;
  status: ToolCallStatus;
  executionTimeMs: number | null;
  createdAt: number;
  completedAt: number | null;
  errorDetails: string | null;
  /** The caller's idempotency key, unique within the session, or `null`. */
  clientKey: string | null;
}

export interface ModelQuestion {
  id: string;
  sessionId: string;
  /** The id of a tool call of the same session, or `null`. */
  toolCallId: string | null;
  questionId: string;
  question: string;
  description: string | null;
  responseType: string;
  answer: string | null;
  createdAt: number;
  answeredAt: number | null;
}

export interface ModelSetting {
  id: string;
  sessionId: string;
  toolCallId: string | null;
  settingKey: string;
  settingName: string;
  description: string | null;
  settingType: string;
  settingValue: string | null;
  createdAt: number;
  updatedAt: number | null;
}

/** The fields each record has (docs/contract.md, "Records"), in declaration order. */
export const SESSION_FIELDS = [
  'agentName',
  'provider',
  'model',
  'systemPrompt',
  'userPrompt',
  'config',
  'status',
  'startedAt',
  'endedAt',
  'result',
  'error',
] as const;
export const MESSAGE_FIELDS = ['sessionId', 'role', 'content', 'createdAt'] as const;
export const TOOL_CALL_FIELDS = [
  'sessionId',
  'messageId',
  'toolCallId',
  'toolName',
  'request',
  'response',
  'status',
  'executionTimeMs',
  'createdAt',
  'completedAt',
  'errorDetails',
  'clientKey',
] as const;
export const SESSION_MUTABLE = ['status', 'endedAt', 'result', 'error'] as const;
export const TOOL_CALL_MUTABLE = [
  'status',
  'response',
  'executionTimeMs',
  'completedAt',
  'errorDetails',
] as const;
/** A question and a setting as returned (after `id`). */
export const QUESTION_FIELDS = [
  'sessionId',
  'toolCallId',
  'questionId',
  'question',
  'description',
  'responseType',
  'answer',
  'createdAt',
  'answeredAt',
] as const;
export const SETTING_FIELDS = [
  'sessionId',
  'toolCallId',
  'settingKey',
  'settingName',
  'description',
  'settingType',
  'settingValue',
  'createdAt',
  'updatedAt',
] as const;
/** What the inputs of the question and setting operations take. */
export const NEW_QUESTION_FIELDS = [
  'toolCallId',
  'questionId',
  'question',
  'description',
  'responseType',
  'createdAt',
] as const;
export const ANSWER_FIELDS = ['questionId', 'answer', 'answeredAt'] as const;
export const NEW_SETTING_FIELDS = [
  'toolCallId',
  'settingKey',
  'settingName',
  'description',
  'settingType',
  'settingValue',
  'createdAt',
] as const;
export const SETTING_VALUE_FIELDS = ['settingKey', 'value', 'updatedAt'] as const;

/** Default and maximum `limit` of the paged reads, as docs/contract.md states them. */
export const MODEL_PAGE_LIMIT = { default: 50, max: 1000 } as const;

/**
 * Whether this version of the contract has idempotency keys on messages (`clientKey`,
 * with capability `idempotency`). Asked of the shared validator, the contract's source of
 * truth for which fields a call takes.
 */
export const CONTRACT_HAS_CLIENT_KEYS: boolean = (() => {
  try {
    validateNewMessage({ adapter: ADAPTER, clock: () => 0 }, {
      sessionId: '1',
      role: 'user',
      content: '',
      clientKey: 'k',
    } as NewMessage);
    return true;
  } catch {
    return false;
  }
})();

/** The fields of a message record (and of `createMessage`'s input) in this version of the contract. */
export const MESSAGE_RECORD_FIELDS: readonly string[] = CONTRACT_HAS_CLIENT_KEYS
  ? [...MESSAGE_FIELDS, 'clientKey']
  : MESSAGE_FIELDS;

/** A deep copy of a JSON value that keeps key order, `-0` and own `__proto__` keys. */
export function cloneJson(value: JsonValue): JsonValue {
  if (Array.isArray(value)) return value.map(cloneJson);
  if (value !== null && typeof value === 'object') {
    // fromEntries defines own properties, so a "__proto__" key stays a key.
    return Object.fromEntries(Object.keys(value).map((k) => [k, cloneJson(value[k] as JsonValue)]));
  }
  return value;
}

/** An integer column has no negative zero: every SQL backend stores -0 as 0. */
function integer(value: number): number {
  return value === 0 ? 0 : value;
}

function orNull<T>(value: T | null | undefined): T | null {
  return value === undefined ? null : value;
}

/** JSON equality as the contract sees it: key order and -0 count (the stored text would differ). */
function sameJson(a: JsonValue, b: JsonValue): boolean {
  if (Array.isArray(a) || Array.isArray(b)) {
    return (
      Array.isArray(a) &&
      Array.isArray(b) &&
      a.length === b.length &&
      a.every((v, i) => sameJson(v, b[i] as JsonValue))
    );
  }
  if (a !== null && b !== null && typeof a === 'object' && typeof b === 'object') {
    const ka = Object.keys(a);
    const kb = Object.keys(b);
    return (
      ka.length === kb.length &&
      ka.every((k, i) => k === kb[i] && sameJson(a[k] as JsonValue, b[k] as JsonValue))
    );
  }
  return Object.is(a, b);
}

/** The optional capabilities, as a set of flags. */
export type ModelCapabilities = Record<OptionalCapability, boolean>;

const NO_CAPABILITIES: ModelCapabilities = Object.freeze({
  listSessions: false,
  paging: false,
  deleteSession: false,
  batch: false,
  idempotency: false,
  conditionalUpdate: false,
  questions: false,
  settings: false,
});

/**
 * Options of the model. The contract makes some behaviour depend on a capability the
 * adapter declares; the model is told which.
 */
export interface ModelOptions {
  /**
   * The optional capabilities the model declares (and whose rules it applies): `'all'`,
   * or flags (missing ones are `false`). Default: none. An operation of an undeclared
   * capability rejects with NOT_SUPPORTED.
   */
  capabilities?: 'all' | Partial<ModelCapabilities> | undefined;
  /**
   * Shorthand for `capabilities.idempotency` (wins over it when set): a create that repeats
   * a message's or a tool call's `clientKey` within its session returns the first id and
   * writes nothing when the payload is the same, else rejects with CONFLICT.
   * Without it, a `clientKey` is NOT_SUPPORTED (where the contract has them at all:
   * `CONTRACT_HAS_CLIENT_KEYS`).
   */
  idempotency?: boolean | undefined;
}

/** The capability flags `options` declares. */
export function modelCapabilities(options: ModelOptions = {}): ModelCapabilities {
  const declared = options.capabilities === 'all' ? ALL_CAPABILITIES : (options.capabilities ?? {});
  const out = { ...NO_CAPABILITIES };
  for (const key of Object.keys(out) as OptionalCapability[]) out[key] = declared[key] === true;
  if (options.idempotency !== undefined) out.idempotency = options.idempotency;
  return out;
}

/** Stable by `createdAt`; equal `createdAt` keep the order of the input (insertion order). */
function byCreatedAt<T extends { createdAt: number }>(rows: readonly T[]): T[] {
  return rows.toSorted((a, b) => (a.createdAt < b.createdAt ? -1 : a.createdAt > b.createdAt ? 1 : 0));
}

type ModelTable = 'sessions' | 'messages' | 'toolCalls' | 'questions' | 'settings';
const ID_PREFIX: Record<ModelTable, string> = {
  sessions: 'session',
  messages: 'message',
  toolCalls: 'toolcall',
  questions: 'question',
  settings: 'setting',
};

/** The insertion number of a model id of `table` (`message-7` → 7), or `undefined`. */
function seqOf(table: ModelTable, id: string): number | undefined {
  const match = new RegExp(`^${ID_PREFIX[table]}-([1-9][0-9]*)$`).exec(id);
  return match === null ? undefined : Number(match[1]);
}

/** A position in a keyset order: the sort key, then the insertion number. */
interface Position {
  key: number;
  seq: number;
}

function comparePositions(a: Position, b: Position): number {
  return a.key < b.key ? -1 : a.key > b.key ? 1 : a.seq - b.seq;
}

/** Codes a caller may also see when a call has several faults (see `acceptableCodes`). */
const alternativesOf = new WeakMap<object, readonly string[]>();

/**
 * The codes an error of the model stands for: its own, and those of the other faults of
 * the same call (the contract does not say which of several is reported).
 */
export function acceptableCodes(error: { code: string }): readonly string[] {
  return [error.code, ...(alternativesOf.get(error) ?? [])];
}

/**
 * The caller's input as the model reads it: a deep copy of its plain objects and arrays,
 * each own property read exactly once, so that validating and storing see the same values
 * whatever a getter would answer next. Everything else is kept as it is (class instances,
 * functions, cycles as cycles, holes as holes, extra array properties as properties), so the
 * checks that follow refuse what they would refuse in the original; a getter that throws
 * becomes one that throws the same error, read at the same point.
 */
function readOnce<T>(value: T, seen = new Map<object, unknown>()): T {
  if (typeof value !== 'object' || value === null) return value;
  try {
    return copyOnce(value, seen);
  } catch {
    // A Proxy whose trap throws (on its keys, its prototype, its length): refused, as any
    // object but a plain one is, under the name of the field that holds it.
    return new Unreadable() as T;
  }
}

/** What the model reads of a value a Proxy's trap would not let it look at. */
class Unreadable {}

function copyOnce<T extends object>(value: T, seen: Map<object, unknown>): T {
  const proto = Object.getPrototypeOf(value);
  const isArray = Array.isArray(value) && proto === Array.prototype;
  if (!isArray && proto !== Object.prototype && proto !== null) return value;
  const known = seen.get(value);
  if (known !== undefined) return known as T;
  const copy: Record<string, unknown> = isArray
    ? new Array((value as unknown[]).length)
    : Object.create(proto);
  seen.set(value, copy);
  for (const key of Object.keys(value)) {
    let read: unknown;
    try {
      read = (value as Record<string, unknown>)[key];
    } catch (e) {
      Object.defineProperty(copy, key, {
        enumerable: true,
        get() {
          throw e;
        },
      });
      continue;
    }
    // defineProperty, not assignment: a `__proto__` key must stay a key.
    Object.defineProperty(copy, key, {
      value: readOnce(read, seen),
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  // Symbol-keyed and non-enumerable properties are kept as they are (not read through): the
  // checks refuse them, on records as where JSON is expected.
  for (const key of Reflect.ownKeys(value)) {
    if (
      typeof key === 'string' &&
      (Object.prototype.propertyIsEnumerable.call(value, key) || (isArray && key === 'length'))
    )
      continue;
    Object.defineProperty(copy, key, Object.getOwnPropertyDescriptor(value, key) as PropertyDescriptor);
  }
  return copy as T;
}

/** Throws the first fault, listing the codes of the others as acceptable too. */
function throwFirst(faults: AgentStorageError[]): void {
  const [first, ...rest] = faults;
  if (first === undefined) return;
  const others = [...new Set(rest.map((f) => f.code))].filter((c) => c !== first.code);
  if (others.length > 0) alternativesOf.set(first, others);
  throw first;
}

export class ReferenceModel {
  /** The tables, each in insertion order. */
  readonly sessions: ModelSession[] = [];
  readonly messages: ModelMessage[] = [];
  readonly toolCalls: ModelToolCall[] = [];
  readonly questions: ModelQuestion[] = [];
  readonly settings: ModelSetting[] = [];
  readonly capabilities: ModelCapabilities;
  readonly #clock: () => number;
  readonly #ctx: ValidationContext;
  /** Rows ever inserted, per table: the next id's number (deleted rows keep theirs). */
  readonly #inserted: Record<ModelTable, number> = {
    sessions: 0,
    messages: 0,
    toolCalls: 0,
    questions: 0,
    settings: 0,
  };

  constructor(clock: () => number, options: ModelOptions = {}) {
    this.#clock = clock;
    this.#ctx = { adapter: ADAPTER, clock };
    this.capabilities = Object.freeze(modelCapabilities(options));
  }

  get idempotency(): boolean {
    return this.capabilities.idempotency;
  }

  /** An independent copy, state and counters included, reading the same clock (or another). */
  clone(clock: () => number = this.#clock): ReferenceModel {
    const copy = new ReferenceModel(clock, { capabilities: this.capabilities });
    copy.sessions.push(...this.sessions.map((s) => ({ ...s, config: cloneJson(s.config) })));
    copy.messages.push(...this.messages.map((m) => ({ ...m })));
    copy.toolCalls.push(...this.toolCalls.map(copyCall));
    copy.questions.push(...this.questions.map((q) => ({ ...q })));
    copy.settings.push(...this.settings.map((s) => ({ ...s })));
    Object.assign(copy.#inserted, this.#inserted);
    return copy;
  }

  // ------------------------------------------------------------ sessions

  createSession(input: NewSession): string {
    input = readOnce(input);
    validateNewSession(this.#ctx, input);
    this.#onlyFields('createSession', input, SESSION_FIELDS);
    const session: ModelSession = {
      id: this.#nextId('sessions'),
      agentName: input.agentName,
      provider: input.provider,
      model: input.model,
      systemPrompt: orNull(input.systemPrompt),
      userPrompt: input.userPrompt,
      config: input.config === undefined ? null : cloneJson(input.config),
      status: input.status ?? 'running',
      startedAt: integer(input.startedAt ?? this.#clock()),
      endedAt: input.endedAt == null ? null : integer(input.endedAt),
      result: orNull(input.result),
      error: orNull(input.error),
    };
    this.sessions.push(session);
    return session.id;
  }

  getSession(id: string): ModelSession | null {
    validateIdArgument(this.#ctx, 'getSession', 'id', id);
    const session = this.#session(id);
    return session === undefined ? null : { ...session, config: cloneJson(session.config) };
  }

  /** With `options.expectedStatus` (capability `conditionalUpdate`): only from that status, else CONFLICT. */
  updateSession(id: string, update: SessionUpdate, options?: { expectedStatus?: unknown }): void {
    update = readOnce(update);
    options = readOnce(options);
    validateSessionUpdate(this.#ctx, id, update);
    let expected: SessionStatus[] | null = null;
    if (this.capabilities.conditionalUpdate) {
      expected = validateExpectedStatus(this.#ctx, options);
    } else if (options?.expectedStatus !== undefined) {
      throw notSupported('updateSession: expectedStatus', 'conditionalUpdate');
    }
    this.#onlyFields('updateSession', update, SESSION_MUTABLE);
    const session = this.#session(id);
    if (session === undefined) throw notFound('updateSession', `session ${JSON.stringify(id)}`);
    if (expected !== null && !expected.includes(session.status)) {
      throw new AgentStorageError(
        'CONFLICT',
        `updateSession: session ${JSON.stringify(id)} is ${session.status}, not ${expected.join(' or ')}`,
        { adapter: ADAPTER },
      );
    }
    if (update.status !== undefined) session.status = update.status;
    if (update.endedAt !== undefined)
      session.endedAt = update.endedAt === null ? null : integer(update.endedAt);
    if (update.result !== undefined) session.result = update.result;
    if (update.error !== undefined) session.error = update.error;
  }

  /** Newest first (startedAt descending, ties newest inserted first), filters ANDed, keyset pages. */
  listSessions(query?: SessionQuery): Page<ModelSession> {
    query = readOnce(query);
    this.#need('listSessions', 'listSessions');
    const q = validateSessionQuery(this.#ctx, query);
    const after = q.cursor === null ? null : this.#position('listSessions', 'sessions', 'cursor', q.cursor);
    const position = (s: ModelSession): Position => ({ key: s.startedAt, seq: this.#seq('sessions', s.id) });
    const rows = this.#matching(q).filter((s) => after === null || comparePositions(position(s), after) < 0);
    const items = rows.slice(0, q.limit);
    const edge = items[items.length - 1];
    return {
      items: items.map((s) => ({ ...s, config: cloneJson(s.config) })),
      nextCursor:
        rows.length > q.limit && edge !== undefined
          ? this.#cursor('sessions', edge.startedAt, edge.id)
          : null,
    };
  }

  /** The sessions matching a listing's filters, newest first (startedAt, then insertion, descending). */
  #matching(q: SessionQueryRecord): ModelSession[] {
    const position = (s: ModelSession): Position => ({ key: s.startedAt, seq: this.#seq('sessions', s.id) });
    return this.sessions
      .filter(
        (s) =>
          (q.statuses === null || q.statuses.includes(s.status)) &&
          (q.agentName === null || s.agentName === q.agentName) &&
          (q.provider === null || s.provider === q.provider) &&
          (q.model === null || s.model === q.model) &&
          (q.startedFrom === null || s.startedAt >= q.startedFrom) &&
          (q.startedBefore === null || s.startedAt < q.startedBefore) &&
          (q.endedBefore === null || (s.endedAt !== null && s.endedAt < q.endedBefore)),
      )
      .toSorted((a, b) => comparePositions(position(b), position(a)));
  }

  /** The first `limit` matching sessions in listing order, each removed as deleteSession does. */
  deleteSessions(query: SessionDeleteQuery): number {
    query = readOnce(query);
    this.#need('deleteSessions', 'deleteSession');
    const q = validateSessionDeleteQuery(this.#ctx, query);
    const batch = this.#matching(q).slice(0, q.limit);
    for (const s of batch) this.deleteSession(s.id);
    return batch.length;
  }

  /** Removes the session and everything of it; `true` when it existed. */
  deleteSession(id: string): boolean {
    this.#need('deleteSession', 'deleteSession');
    validateIdArgument(this.#ctx, 'deleteSession', 'id', id);
    if (this.#session(id) === undefined) return false;
    remove(this.sessions, (s) => s.id === id);
    remove(this.messages, (m) => m.sessionId === id);
    remove(this.toolCalls, (c) => c.sessionId === id);
    remove(this.questions, (q) => q.sessionId === id);
    remove(this.settings, (s) => s.sessionId === id);
    return true;
  }

  // ------------------------------------------------------------ messages

  createMessage(input: NewMessage): string {
    input = readOnce(input);
    validateNewMessage(this.#ctx, input);
    this.#onlyFields('createMessage', input, MESSAGE_RECORD_FIELDS);
    const m = this.#messageInput(input);
    if (m.clientKey !== null && !this.idempotency)
      throw notSupported('createMessage: clientKey', 'idempotency');
    if (this.#session(m.sessionId) === undefined) {
      throw notFound('createMessage', `session ${JSON.stringify(m.sessionId)}`);
    }
    const first = this.#sameKeyMessage(m);
    if (first !== undefined) {
      if (!sameMessagePayload(first, m))
        throw conflict('createMessage', `a message with clientKey ${JSON.stringify(m.clientKey)}`);
      return first.id;
    }
    return this.#insertMessage(m);
  }

  getMessages(sessionId: string): ModelMessage[] {
    validateIdArgument(this.#ctx, 'getMessages', 'sessionId', sessionId);
    return this.#messagesOf(sessionId).map((m) => ({ ...m }));
  }

  getMessagesPage(sessionId: string, query?: PageQuery): Page<ModelMessage> {
    query = readOnce(query);
    this.#need('getMessagesPage', 'paging');
    const page = this.#page('getMessagesPage', 'messages', sessionId, query, (id) => this.#messagesOf(id));
    return { items: page.items.map((m) => ({ ...m })), nextCursor: page.nextCursor };
  }

  countMessages(sessionId: string): number {
    this.#need('countMessages', 'paging');
    validateIdArgument(this.#ctx, 'countMessages', 'sessionId', sessionId);
    return this.messages.filter((m) => m.sessionId === sessionId).length;
  }

  // ------------------------------------------------------------ tool calls

  createToolCall(input: NewToolCall): string {
    input = readOnce(input);
    validateNewToolCall(this.#ctx, input);
    this.#onlyFields('createToolCall', input, TOOL_CALL_FIELDS);
    const call = this.#toolCallInput(input);
    if (this.#session(call.sessionId) === undefined) {
      throw notFound('createToolCall', `session ${JSON.stringify(call.sessionId)}`);
    }
    if (call.messageId !== null && !this.#isMessageOf(call.messageId, call.sessionId)) {
      throw notFound('createToolCall', `message ${JSON.stringify(call.messageId)} in that session`);
    }
    if (call.clientKey !== null && !this.idempotency)
      throw notSupported('createToolCall: clientKey', 'idempotency');
    const first = this.#sameKeyCall(call.sessionId, call.clientKey);
    if (first !== undefined) {
      if (!sameCallPayload(first, call, call.messageId))
        throw conflict('createToolCall', `a tool call with clientKey ${JSON.stringify(call.clientKey)}`);
      return first.id;
    }
    return this.#insertToolCall(call, call.messageId);
  }

  updateToolCall(id: string, update: ToolCallUpdate): void {
    update = readOnce(update);
    validateToolCallUpdate(this.#ctx, id, update);
    this.#onlyFields('updateToolCall', update, TOOL_CALL_MUTABLE);
    const call = this.toolCalls.find((c) => c.id === id);
    if (call === undefined) throw notFound('updateToolCall', `tool call ${JSON.stringify(id)}`);
    if (update.status !== undefined) call.status = update.status;
    if (update.response !== undefined)
      call.response = update.response === null ? null : cloneJson(update.response);
    if (update.executionTimeMs !== undefined) {
      call.executionTimeMs = update.executionTimeMs === null ? null : integer(update.executionTimeMs);
    }
    if (update.completedAt !== undefined) {
      call.completedAt = update.completedAt === null ? null : integer(update.completedAt);
    }
    if (update.errorDetails !== undefined) call.errorDetails = update.errorDetails;
  }

  getToolCalls(sessionId: string): ModelToolCall[] {
    validateIdArgument(this.#ctx, 'getToolCalls', 'sessionId', sessionId);
    return this.#callsOf(sessionId).map(copyCall);
  }

  getPendingToolCalls(sessionId: string): ModelToolCall[] {
    validateIdArgument(this.#ctx, 'getPendingToolCalls', 'sessionId', sessionId);
    return this.#callsOf(sessionId)
      .filter((c) => c.status === 'pending')
      .map(copyCall);
  }

  getToolCallsPage(sessionId: string, query?: PageQuery): Page<ModelToolCall> {
    query = readOnce(query);
    this.#need('getToolCallsPage', 'paging');
    const page = this.#page('getToolCallsPage', 'toolCalls', sessionId, query, (id) => this.#callsOf(id));
    return { items: page.items.map(copyCall), nextCursor: page.nextCursor };
  }

  countToolCalls(sessionId: string): number {
    this.#need('countToolCalls', 'paging');
    validateIdArgument(this.#ctx, 'countToolCalls', 'sessionId', sessionId);
    return this.toolCalls.filter((c) => c.sessionId === sessionId).length;
  }

  // ------------------------------------------------------------ batches

  /**
   * Messages, then tool calls, all or nothing; a tool call's `messageIndex` names a message
   * of the batch. With idempotency, stored keys with the same payload are reused (a retried
   * batch writes nothing), other payloads are CONFLICT, and so is a call linked to a new
   * message of the batch whose toolCallId is stored. (A key repeated within the batch is
   * INVALID_INPUT, by the shared validator; were it not, the model would say CONFLICT.)
   */
  appendBatch(batch: Batch): BatchResult {
    batch = readOnce(batch);
    this.#need('appendBatch', 'batch');
    validateBatch(this.#ctx, batch);
    const messageInputs = batch.messages ?? [];
    const callInputs = batch.toolCalls ?? [];
    messageInputs.forEach((m, i) => {
      this.#onlyFields('appendBatch', m, MESSAGE_RECORD_FIELDS, `messages[${i}].`);
    });
    callInputs.forEach((c, i) => {
      this.#onlyFields('appendBatch', c, [...TOOL_CALL_FIELDS, 'messageIndex'], `toolCalls[${i}].`);
    });
    const messages = messageInputs.map((m) => this.#messageInput(m));
    const calls = callInputs.map((c) => ({
      ...this.#toolCallInput(c),
      messageIndex: (c as { messageIndex?: number }).messageIndex ?? null,
    }));
    if (!this.idempotency && [...messages, ...calls].some((x) => x.clientKey !== null)) {
      throw notSupported('appendBatch: clientKey', 'idempotency');
    }

    // Every fault, in input order; nothing is written when there is one.
    const faults: AgentStorageError[] = [];
    const reused: (string | undefined)[] = [];
    const keys = new Set<string>();
    messages.forEach((m, i) => {
      if (this.#session(m.sessionId) === undefined) {
        faults.push(notFound('appendBatch', `session ${JSON.stringify(m.sessionId)}`));
        return;
      }
      if (m.clientKey === null) return;
      const key = JSON.stringify([m.sessionId, m.clientKey]);
      if (keys.has(key))
        faults.push(conflict('appendBatch', `messages[${i}].clientKey, repeated in the batch,`));
      keys.add(key);
      const first = this.#sameKeyMessage(m);
      if (first === undefined) return;
      if (sameMessagePayload(first, m)) reused[i] = first.id;
      else faults.push(conflict('appendBatch', `a message with clientKey ${JSON.stringify(m.clientKey)}`));
    });
    const callKeys = new Set<string>();
    calls.forEach((c, i) => {
      if (this.#session(c.sessionId) === undefined) {
        faults.push(notFound('appendBatch', `session ${JSON.stringify(c.sessionId)}`));
        return;
      }
      if (c.messageId !== null && !this.#isMessageOf(c.messageId, c.sessionId)) {
        faults.push(notFound('appendBatch', `message ${JSON.stringify(c.messageId)} in that session`));
        return;
      }
      if (!this.idempotency || c.clientKey === null) return;
      const key = JSON.stringify([c.sessionId, c.clientKey]);
      const first = this.#sameKeyCall(c.sessionId, c.clientKey);
      // A call pointing at a new message of this batch cannot be the stored one.
      const messageId = c.messageIndex === null ? c.messageId : (reused[c.messageIndex] ?? '<new message>');
      if (first === undefined && callKeys.has(key)) {
        // Two new calls with one key: the batch contradicts itself.
        faults.push(conflict('appendBatch', `toolCalls[${i}].clientKey, repeated in the batch,`));
      } else if (first !== undefined && !sameCallPayload(first, c, messageId)) {
        faults.push(conflict('appendBatch', `a tool call with clientKey ${JSON.stringify(c.clientKey)}`));
      }
      callKeys.add(key);
    });
    throwFirst(faults);

    const messageIds = messages.map((m, i) => reused[i] ?? this.#insertMessage(m));
    const toolCallIds = calls.map((c) => {
      const messageId = c.messageIndex === null ? c.messageId : (messageIds[c.messageIndex] as string);
      const first = this.#sameKeyCall(c.sessionId, c.clientKey);
      return first?.id ?? this.#insertToolCall(c, messageId);
    });
    return { messageIds, toolCallIds };
  }

  // ------------------------------------------------------------ questions and settings

  createQuestions(sessionId: string, questions: NewQuestion[]): string[] {
    questions = readOnce(questions);
    this.#need('createQuestions', 'questions');
    validateQuestions(this.#ctx, sessionId, questions);
    questions.forEach((q, i) => {
      this.#onlyFields('createQuestions', q, NEW_QUESTION_FIELDS, `questions[${i}].`);
    });
    this.#checkChildren(
      'createQuestions',
      sessionId,
      questions.map((q) => orNull(q.toolCallId)),
    );
    return questions.map((q) => {
      const question: ModelQuestion = {
        id: this.#nextId('questions'),
        sessionId,
        toolCallId: orNull(q.toolCallId),
        questionId: q.questionId,
        question: q.question,
        description: orNull(q.description),
        responseType: q.responseType ?? 'text',
        answer: null,
        createdAt: integer(q.createdAt ?? this.#clock()),
        answeredAt: null,
      };
      this.questions.push(question);
      return question.id;
    });
  }

  getQuestions(sessionId: string): ModelQuestion[] {
    this.#need('getQuestions', 'questions');
    validateIdArgument(this.#ctx, 'getQuestions', 'sessionId', sessionId);
    return byCreatedAt(this.questions.filter((q) => q.sessionId === sessionId)).map((q) => ({ ...q }));
  }

  getPendingQuestions(sessionId: string): ModelQuestion[] {
    this.#need('getPendingQuestions', 'questions');
    validateIdArgument(this.#ctx, 'getPendingQuestions', 'sessionId', sessionId);
    return byCreatedAt(this.questions.filter((q) => q.sessionId === sessionId && q.answer === null)).map(
      (q) => ({ ...q }),
    );
  }

  /**
   * By questionId, all or nothing: to the session's unanswered questions with that id, or,
   * when none is unanswered, to the latest one (answering again replaces the last answer).
   */
  answerQuestions(sessionId: string, answers: Answer[]): void {
    answers = readOnce(answers);
    this.#need('answerQuestions', 'questions');
    validateAnswers(this.#ctx, sessionId, answers);
    answers.forEach((a, i) => {
      this.#onlyFields('answerQuestions', a, ANSWER_FIELDS, `answers[${i}].`);
    });
    const targets = byKeys(
      'answerQuestions',
      'question',
      sessionId,
      this.questions,
      (q) => q.questionId,
      answers,
      (a) => a.questionId,
    );
    answers.forEach((a, i) => {
      const at = integer(a.answeredAt ?? this.#clock());
      for (const question of pendingOrLatest(targets[i] as ModelQuestion[], (q) => q.answer === null)) {
        question.answer = a.answer;
        question.answeredAt = at;
      }
    });
  }

  createSettings(sessionId: string, settings: NewSetting[]): string[] {
    settings = readOnce(settings);
    this.#need('createSettings', 'settings');
    validateSettings(this.#ctx, sessionId, settings);
    settings.forEach((s, i) => {
      this.#onlyFields('createSettings', s, NEW_SETTING_FIELDS, `settings[${i}].`);
    });
    this.#checkChildren(
      'createSettings',
      sessionId,
      settings.map((s) => orNull(s.toolCallId)),
    );
    return settings.map((s) => {
      const setting: ModelSetting = {
        id: this.#nextId('settings'),
        sessionId,
        toolCallId: orNull(s.toolCallId),
        settingKey: s.settingKey,
        settingName: s.settingName,
        description: orNull(s.description),
        settingType: s.settingType ?? 'text',
        settingValue: orNull(s.settingValue),
        createdAt: integer(s.createdAt ?? this.#clock()),
        updatedAt: null,
      };
      this.settings.push(setting);
      return setting.id;
    });
  }

  getSettings(sessionId: string): ModelSetting[] {
    this.#need('getSettings', 'settings');
    validateIdArgument(this.#ctx, 'getSettings', 'sessionId', sessionId);
    return byCreatedAt(this.settings.filter((s) => s.sessionId === sessionId)).map((s) => ({ ...s }));
  }

  getPendingSettings(sessionId: string): ModelSetting[] {
    this.#need('getPendingSettings', 'settings');
    validateIdArgument(this.#ctx, 'getPendingSettings', 'sessionId', sessionId);
    return byCreatedAt(this.settings.filter((s) => s.sessionId === sessionId && s.settingValue === null)).map(
      (s) => ({ ...s }),
    );
  }

  /** By settingKey, all or nothing, as answers: the pending settings with that key, else the latest. */
  setSettingValues(sessionId: string, values: SettingValue[]): void {
    values = readOnce(values);
    this.#need('setSettingValues', 'settings');
    validateSettingValues(this.#ctx, sessionId, values);
    values.forEach((v, i) => {
      this.#onlyFields('setSettingValues', v, SETTING_VALUE_FIELDS, `values[${i}].`);
    });
    const targets = byKeys(
      'setSettingValues',
      'setting',
      sessionId,
      this.settings,
      (s) => s.settingKey,
      values,
      (v) => v.settingKey,
    );
    values.forEach((v, i) => {
      const at = integer(v.updatedAt ?? this.#clock());
      for (const setting of pendingOrLatest(targets[i] as ModelSetting[], (s) => s.settingValue === null)) {
        setting.settingValue = v.value;
        setting.updatedAt = at;
      }
    });
  }

  // ------------------------------------------------------------ helpers

  #need(op: string, capability: OptionalCapability): void {
    if (!this.capabilities[capability]) throw notSupported(op, capability);
  }

  #nextId(table: ModelTable): string {
    this.#inserted[table] += 1;
    return `${ID_PREFIX[table]}-${this.#inserted[table]}`;
  }

  #seq(table: ModelTable, id: string): number {
    return seqOf(table, id) as number;
  }

  #session(id: string): ModelSession | undefined {
    return this.sessions.find((s) => s.id === id);
  }

  #isMessageOf(messageId: string, sessionId: string): boolean {
    return this.messages.some((m) => m.id === messageId && m.sessionId === sessionId);
  }

  #messagesOf(sessionId: string): ModelMessage[] {
    return byCreatedAt(this.messages.filter((m) => m.sessionId === sessionId));
  }

  #callsOf(sessionId: string): ModelToolCall[] {
    return byCreatedAt(this.toolCalls.filter((c) => c.sessionId === sessionId));
  }

  /** A create's input as stored: defaults applied, the clock read once. */
  #messageInput(input: NewMessage): MessageInput {
    return {
      sessionId: input.sessionId,
      role: input.role,
      content: input.content,
      createdAt: input.createdAt === undefined ? undefined : integer(input.createdAt),
      clientKey: orNull((input as { clientKey?: string | null }).clientKey),
    };
  }

  #toolCallInput(input: NewToolCall): ToolCallInput {
    return { ...input, messageId: orNull(input.messageId), clientKey: orNull(input.clientKey) };
  }

  #sameKeyMessage(m: MessageInput): ModelMessage | undefined {
    if (m.clientKey === null || !this.idempotency) return undefined;
    return this.messages.find((x) => x.sessionId === m.sessionId && x.clientKey === m.clientKey);
  }

  #sameKeyCall(sessionId: string, clientKey: string | null): ModelToolCall | undefined {
    if (!this.idempotency || clientKey === null) return undefined;
    return this.toolCalls.find((c) => c.sessionId === sessionId && c.clientKey === clientKey);
  }

  #insertMessage(m: MessageInput): string {
    const message: ModelMessage = {
      id: this.#nextId('messages'),
      sessionId: m.sessionId,
      role: m.role,
      content: m.content,
      createdAt: m.createdAt ?? integer(this.#clock()),
      ...(CONTRACT_HAS_CLIENT_KEYS ? { clientKey: m.clientKey } : {}),
    };
    this.messages.push(message);
    return message.id;
  }

  #insertToolCall(input: ToolCallInput, messageId: string | null): string {
    const call: ModelToolCall = {
      id: this.#nextId('toolCalls'),
      sessionId: input.sessionId,
      messageId,
      toolCallId: input.toolCallId,
      toolName: input.toolName,
      request: cloneJson(input.request),
      response: input.response == null ? null : cloneJson(input.response),
      status: input.status ?? 'pending',
      executionTimeMs: input.executionTimeMs == null ? null : integer(input.executionTimeMs),
      createdAt: integer(input.createdAt ?? this.#clock()),
      completedAt: input.completedAt == null ? null : integer(input.completedAt),
      errorDetails: orNull(input.errorDetails),
      clientKey: orNull(input.clientKey),
    };
    this.toolCalls.push(call);
    return call.id;
  }

  /**
   * Questions and settings: nothing to write is never a fault; otherwise the session must
   * exist and a toolCallId must be one of its tool calls. Keys may repeat.
   */
  #checkChildren(op: string, sessionId: string, toolCallIds: (string | null)[]): void {
    if (toolCallIds.length === 0) return;
    if (this.#session(sessionId) === undefined) throw notFound(op, `session ${JSON.stringify(sessionId)}`);
    const faults: AgentStorageError[] = [];
    for (const toolCallId of toolCallIds) {
      if (
        toolCallId !== null &&
        !this.toolCalls.some((c) => c.id === toolCallId && c.sessionId === sessionId)
      ) {
        faults.push(notFound(op, `tool call ${JSON.stringify(toolCallId)} in that session`));
      }
    }
    throwFirst(faults);
  }

  /** A keyset page of `rows` (in contract order) after or before a cursor, as the contract describes. */
  #page<T extends { id: string; createdAt: number }>(
    op: string,
    table: 'messages' | 'toolCalls',
    sessionId: string,
    query: PageQuery | undefined,
    rowsOf: (sessionId: string) => T[],
  ): Page<T> {
    const q = validatePageQuery(this.#ctx, op, table, sessionId, query);
    const after = q.after === null ? null : this.#position(op, table, 'after', q.after);
    const before = q.before === null ? null : this.#position(op, table, 'before', q.before);
    const position = (row: T): Position => ({ key: row.createdAt, seq: this.#seq(table, row.id) });
    const rows = rowsOf(sessionId);
    const scope = `${table}:${sessionId}`;
    if (before !== null || q.fromEnd) {
      const earlier = before === null ? rows : rows.filter((r) => comparePositions(position(r), before) < 0);
      const items = earlier.slice(Math.max(0, earlier.length - q.limit));
      const edge = items[0];
      return {
        items,
        nextCursor:
          earlier.length > q.limit && edge !== undefined
            ? this.#cursor(scope, edge.createdAt, edge.id)
            : null,
      };
    }
    const later = after === null ? rows : rows.filter((r) => comparePositions(position(r), after) > 0);
    const items = later.slice(0, q.limit);
    const edge = items[items.length - 1];
    return {
      items,
      nextCursor:
        later.length > q.limit && edge !== undefined ? this.#cursor(scope, edge.createdAt, edge.id) : null,
    };
  }

  /** A cursor in the shared wire format, scoped to its list (`sessions`, `messages:<sessionId>`...). */
  #cursor(scope: string, key: number, id: string): string {
    return encodeCursor(scope, { key, id });
  }

  /** The position a cursor of this model names; a cursor of another table or store is INVALID_INPUT. */
  #position(op: string, table: ModelTable, field: string, cursor: CursorPosition): Position {
    const seq = seqOf(table, cursor.id);
    if (seq === undefined) {
      throw new AgentStorageError('INVALID_INPUT', `${op}: ${field} is not a cursor this storage issued`, {
        adapter: ADAPTER,
        field,
      });
    }
    return { key: cursor.key, seq };
  }

  /**
   * The contract: "Any other field (an immutable one, or one the record does not have)
   * rejects with INVALID_INPUT naming it". Checked against the plain field lists above,
   * by own keys, so `constructor` or `__proto__` are fields like any other.
   */
  #onlyFields(op: string, input: object, fields: readonly string[], path = ''): void {
    for (const key of Object.keys(input)) {
      if (!fields.includes(key)) {
        throw new AgentStorageError('INVALID_INPUT', `${op}: ${path}${key} is not a field this call takes`, {
          adapter: ADAPTER,
          field: `${path}${key}`,
        });
      }
    }
  }
}

/** A message create as the model compares and stores it. */
interface MessageInput {
  sessionId: string;
  role: MessageRole;
  content: string;
  /** `undefined` when omitted (a retry then matches any stored createdAt). */
  createdAt: number | undefined;
  clientKey: string | null;
}

type ToolCallInput = NewToolCall & { messageId: string | null; clientKey: string | null };

/** A retry is the same write when what the caller fixed at creation matches. */
function sameMessagePayload(stored: ModelMessage, m: MessageInput): boolean {
  return (
    stored.role === m.role &&
    stored.content === m.content &&
    (m.createdAt === undefined || stored.createdAt === m.createdAt)
  );
}

/** Only what the caller fixed at creation counts, not what updates changed since. */
function sameCallPayload(stored: ModelToolCall, input: NewToolCall, messageId: string | null): boolean {
  return (
    stored.messageId === messageId &&
    stored.toolCallId === input.toolCallId &&
    stored.toolName === input.toolName &&
    sameJson(stored.request, input.request) &&
    (input.createdAt === undefined || stored.createdAt === integer(input.createdAt))
  );
}

function copyCall(c: ModelToolCall): ModelToolCall {
  return {
    ...c,
    request: cloneJson(c.request),
    response: c.response === null ? null : cloneJson(c.response),
  };
}

function remove<T>(rows: T[], gone: (row: T) => boolean): void {
  for (let i = rows.length - 1; i >= 0; i--) if (gone(rows[i] as T)) rows.splice(i, 1);
}

function conflict(op: string, what: string): AgentStorageError {
  return new AgentStorageError('CONFLICT', `${op}: ${what} already exists with a different payload`, {
    adapter: ADAPTER,
  });
}

/** The session's row for each item's key, all found before anything changes; a missing one is NOT_FOUND. */
/** For each item, every row of the session with its key (in contract order); NOT_FOUND when there is none. */
function byKeys<R extends { sessionId: string; createdAt: number; id: string }, I>(
  op: string,
  what: string,
  sessionId: string,
  rows: readonly R[],
  rowKey: (row: R) => string,
  items: readonly I[],
  itemKey: (item: I) => string,
): R[][] {
  return items.map((item) => {
    const key = itemKey(item);
    const found = byCreatedAt(rows.filter((r) => r.sessionId === sessionId && rowKey(r) === key));
    if (found.length === 0)
      throw notFound(op, `${what} ${JSON.stringify(key)} in session ${JSON.stringify(sessionId)}`);
    return found;
  });
}

/** The rows a value goes to: those still pending, else the latest one. */
function pendingOrLatest<R>(rows: readonly R[], pending: (row: R) => boolean): R[] {
  const waiting = rows.filter(pending);
  return waiting.length > 0 ? waiting : [rows[rows.length - 1] as R];
}

function notFound(op: string, what: string): AgentStorageError {
  return new AgentStorageError('NOT_FOUND', `${op}: no ${what}`, { adapter: ADAPTER });
}

function notSupported(what: string, capability: OptionalCapability): AgentStorageError {
  return new AgentStorageError('NOT_SUPPORTED', `${what} needs capability ${capability}`, {
    adapter: ADAPTER,
  });
}

/** Every operation of the contract, by name (what `modelStorage` serves). */
const OPERATIONS = [
  'createSession',
  'getSession',
  'updateSession',
  'listSessions',
  'deleteSession',
  'deleteSessions',
  'createMessage',
  'getMessages',
  'getMessagesPage',
  'countMessages',
  'createToolCall',
  'updateToolCall',
  'getToolCalls',
  'getPendingToolCalls',
  'getToolCallsPage',
  'countToolCalls',
  'appendBatch',
  'createQuestions',
  'getQuestions',
  'getPendingQuestions',
  'answerQuestions',
  'createSettings',
  'getSettings',
  'getPendingSettings',
  'setSettingValues',
] as const satisfies readonly (keyof AgentStorage & keyof ReferenceModel)[];

// Every operation of the contract is served: a new one the list forgets fails to compile here.
const _allServed: Exclude<
  keyof AgentStorage,
  (typeof OPERATIONS)[number] | 'adapter' | 'capabilities' | 'close'
> extends never
  ? true
  : never = true;
void _allServed;

/**
 * The model behind the `AgentStorage` interface (async, with `close()`), so the conformance
 * suite itself can check the model: `runConformance(modelTarget())`. It declares the
 * capabilities of `options` (`persistent` is always false); operations of the others
 * reject with NOT_SUPPORTED.
 */
export function modelStorage(
  clock: () => number,
  options: ModelOptions = {},
): AgentStorage & { readonly model: ReferenceModel } {
  const model = new ReferenceModel(clock, options);
  let closed = false;
  const open = <T>(call: () => T): Promise<T> => {
    if (closed) {
      return Promise.reject(new AgentStorageError('CLOSED', 'the storage was closed', { adapter: ADAPTER }));
    }
    try {
      return Promise.resolve(call());
    } catch (e) {
      return Promise.reject(e);
    }
  };
  const store: Record<string, unknown> = {
    adapter: ADAPTER,
    capabilities: Object.freeze({ persistent: false, ...model.capabilities }),
    model,
    close: async () => {
      closed = true;
    },
  };
  for (const name of OPERATIONS) {
    const method = model[name] as (...args: unknown[]) => unknown;
    store[name] = (...args: unknown[]) => open(() => method.apply(model, args));
  }
  return store as unknown as AgentStorage & { readonly model: ReferenceModel };
}

/**
 * The model as a conformance target (no inspect hooks: it has no rows to damage). Declares
 * every optional capability unless `options` says otherwise.
 */
export function modelTarget(options: ModelOptions = { capabilities: 'all' }): ConformanceTarget {
  return { name: 'model', create: async ({ clock }) => modelStorage(clock, options) };
}
