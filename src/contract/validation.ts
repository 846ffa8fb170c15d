import { AgentStorageError } from './errors.js';
import { encodeJson, JsonEncodeError } from './json.js';
import {
  MESSAGE_ROLES,
  type MessageRole,
  PAGE_LIMIT,
  SESSION_STATUSES,
  type SessionStatus,
  TOOL_CALL_STATUSES,
  type ToolCallStatus,
} from './types.js';

/**
 * Validation shared by every adapter. Each function checks a caller's input
 * completely, applies defaults, encodes JSON to text, and returns a record
 * ready to write; it throws `INVALID_INPUT` naming the field before anything
 * is written. Adapters call these first and trust their output.
 */

/** A session as written: defaults applied, JSON encoded. */
export interface SessionRecord {
  agentName: string;
  provider: string;
  model: string;
  systemPrompt: string | null;
  userPrompt: string;
  config: string;
  status: SessionStatus;
  startedAt: number;
  endedAt: number | null;
  result: string | null;
  error: string | null;
}

export interface MessageRecord {
  sessionId: string;
  role: MessageRole;
  content: string;
  createdAt: number;
  clientKey: string | null;
  /** Whether `createdAt` was given (an idempotent retry compares it only then). */
  createdAtGiven: boolean;
}

export interface ToolCallRecord {
  /** Whether `createdAt` was given (an idempotent retry compares it only then). */
  createdAtGiven: boolean;
  sessionId: string;
  messageId: string | null;
  toolCallId: string;
  toolName: string;
  request: string;
  /** `null` when there is no response (SQL NULL), else encoded JSON. */
  response: string | null;
  status: ToolCallStatus;
  executionTimeMs: number | null;
  createdAt: number;
  completedAt: number | null;
  errorDetails: string | null;
  clientKey: string | null;
}

/** A validated update: the columns to set, in a fixed order, and their values. */
export interface UpdateRecord {
  /** Contract field names present in the update, in declaration order. */
  fields: string[];
  values: (string | number | null)[];
}

export interface ValidationContext {
  adapter: string;
  clock: () => number;
}

type Kind = 'text' | 'nonEmpty' | 'name' | 'timestamp' | 'duration' | 'json' | 'id';
interface FieldSpec {
  kind: Kind;
  nullable?: boolean;
  oneOf?: readonly string[];
  /** Omitted → this default; `'clock'` → the storage's clock. Absent → the field is required. */
  default?: null | string | 'clock';
}

const SESSION_FIELDS: Record<string, FieldSpec> = {
  agentName: { kind: 'name' },
  provider: { kind: 'name' },
  model: { kind: 'name' },
  systemPrompt: { kind: 'text', nullable: true, default: null },
  userPrompt: { kind: 'text' },
  config: { kind: 'json', default: null },
  status: { kind: 'text', oneOf: SESSION_STATUSES, default: 'running' },
  startedAt: { kind: 'timestamp', default: 'clock' },
  endedAt: { kind: 'timestamp', nullable: true, default: null },
  result: { kind: 'text', nullable: true, default: null },
  error: { kind: 'text', nullable: true, default: null },
};
const SESSION_MUTABLE = ['status', 'endedAt', 'result', 'error'];

const MESSAGE_FIELDS: Record<string, FieldSpec> = {
  sessionId: { kind: 'id' },
  role: { kind: 'text', oneOf: MESSAGE_ROLES },
  content: { kind: 'text' },
  createdAt: { kind: 'timestamp', default: 'clock' },
  clientKey: { kind: 'name', nullable: true, default: null },
};

const QUESTION_FIELDS: Record<string, FieldSpec> = {
  toolCallId: { kind: 'id', nullable: true, default: null },
  questionId: { kind: 'name' },
  question: { kind: 'nonEmpty' },
  description: { kind: 'text', nullable: true, default: null },
  responseType: { kind: 'nonEmpty', default: 'text' },
  createdAt: { kind: 'timestamp', default: 'clock' },
};

const ANSWER_FIELDS: Record<string, FieldSpec> = {
  questionId: { kind: 'name' },
  answer: { kind: 'text' },
  answeredAt: { kind: 'timestamp', default: 'clock' },
};

const SETTING_FIELDS: Record<string, FieldSpec> = {
  toolCallId: { kind: 'id', nullable: true, default: null },
  settingKey: { kind: 'name' },
  settingName: { kind: 'nonEmpty' },
  description: { kind: 'text', nullable: true, default: null },
  settingType: { kind: 'nonEmpty', default: 'text' },
  settingValue: { kind: 'text', nullable: true, default: null },
  createdAt: { kind: 'timestamp', default: 'clock' },
};

const SETTING_VALUE_FIELDS: Record<string, FieldSpec> = {
  settingKey: { kind: 'name' },
  value: { kind: 'text' },
  updatedAt: { kind: 'timestamp', default: 'clock' },
};

const TOOL_CALL_FIELDS: Record<string, FieldSpec> = {
  sessionId: { kind: 'id' },
  messageId: { kind: 'id', nullable: true, default: null },
  toolCallId: { kind: 'name' },
  toolName: { kind: 'name' },
  request: { kind: 'json' },
  response: { kind: 'json', nullable: true, default: null },
  status: { kind: 'text', oneOf: TOOL_CALL_STATUSES, default: 'pending' },
  executionTimeMs: { kind: 'duration', nullable: true, default: null },
  createdAt: { kind: 'timestamp', default: 'clock' },
  completedAt: { kind: 'timestamp', nullable: true, default: null },
  errorDetails: { kind: 'text', nullable: true, default: null },
  clientKey: { kind: 'name', nullable: true, default: null },
};
const TOOL_CALL_MUTABLE = ['status', 'response', 'executionTimeMs', 'completedAt', 'errorDetails'];

function invalid(ctx: ValidationContext, op: string, field: string, problem: string, cause?: unknown): never {
  throw new AgentStorageError(
    'INVALID_INPUT',
    `${op}: ${field} ${problem}`,
    cause === undefined ? { adapter: ctx.adapter, field } : { adapter: ctx.adapter, field, cause },
  );
}

/**
 * Names and keys (agentName, provider, model, toolName, toolCallId, clientKey, questionId,
 * settingKey) are indexed, and an index entry has a size limit (Postgres' btree takes about
 * 2.7 kB): 512 UTF-16 units stay below it in any encoding, on every backend.
 */
export const MAX_NAME_LENGTH = 512;

/** Text that every backend stores and returns unchanged: well-formed UTF-16 with no U+0000. */
function textProblem(value: string): string | undefined {
  if (value.includes('\u0000')) return 'contains U+0000, which not every backend can store';
  if (!value.isWellFormed()) return 'contains a lone surrogate, which is not valid Unicode';
  return undefined;
}

function checkValue(
  ctx: ValidationContext,
  op: string,
  field: string,
  spec: FieldSpec,
  value: unknown,
): unknown {
  if (value === null && spec.nullable) return null;
  const kind = spec.kind;
  if (kind === 'json') {
    // `response: null` means "no response"; a required JSON field takes JSON null as a value.
    try {
      return encodeJson(value);
    } catch (e) {
      if (e instanceof JsonEncodeError)
        invalid(ctx, op, field, `is not JSON: ${field}${e.path.slice(1)} ${e.problem}`, e.cause);
      throw e;
    }
  }
  if (kind === 'timestamp' || kind === 'duration') {
    if (typeof value !== 'number' || !Number.isSafeInteger(value)) {
      invalid(
        ctx,
        op,
        field,
        `must be a safe integer${spec.nullable ? ' or null' : ''}, got ${describe(value)}`,
      );
    }
    if (kind === 'duration' && value < 0) invalid(ctx, op, field, `must not be negative, got ${value}`);
    // An integer column has no negative zero: -0 is stored, and read back, as 0 everywhere.
    return value === 0 ? 0 : value;
  }
  if (typeof value !== 'string') {
    invalid(ctx, op, field, `must be a string${spec.nullable ? ' or null' : ''}, got ${describe(value)}`);
  }
  if (kind === 'id') return value; // opaque: an id the store never issued is NOT_FOUND, not invalid
  if ((kind === 'nonEmpty' || kind === 'name') && value.length === 0)
    invalid(ctx, op, field, 'must not be empty');
  if (kind === 'name' && value.length > MAX_NAME_LENGTH) {
    invalid(ctx, op, field, `must be at most ${MAX_NAME_LENGTH} characters, got ${value.length}`);
  }
  if (spec.oneOf && !spec.oneOf.includes(value)) {
    invalid(ctx, op, field, `must be one of ${spec.oneOf.join(', ')}, got ${JSON.stringify(value)}`);
  }
  const problem = textProblem(value);
  if (problem) invalid(ctx, op, field, problem);
  return value;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'undefined';
  if (typeof value === 'number') return String(value);
  if (typeof value === 'bigint') return `bigint ${value}`;
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') {
    const proto = Object.getPrototypeOf(value) as { constructor?: { name?: unknown } } | null;
    const name = proto?.constructor?.name;
    return proto === null || proto === Object.prototype || typeof name !== 'string' ? 'object' : `a ${name}`;
  }
  return typeof value;
}

/** Reads `holder[key]` once; a getter that throws is the caller's bad input, with its error as cause. */
function readOnce(
  ctx: ValidationContext,
  op: string,
  field: string,
  holder: object,
  key: string | number,
): unknown {
  try {
    return (holder as Record<string | number, unknown>)[key];
  } catch (e) {
    return invalid(ctx, op, field, `could not be read: ${e instanceof Error ? e.message : String(e)}`, e);
  }
}

/**
 * A snapshot of a caller's plain object: each own enumerable property read exactly once,
 * so what is validated is what is stored even if a getter would answer differently the
 * next time. Anything but a plain object (an array, a `Date`, a `Map`, a `Promise`, a
 * class instance) is `INVALID_INPUT`: taking it as an empty record would be a guess.
 * `path` prefixes the names of its fields in errors (`messages[3].`).
 */
function requireObject(
  ctx: ValidationContext,
  op: string,
  what: string,
  input: unknown,
  path = '',
): Record<string, unknown> {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    invalid(ctx, op, what, `must be an object, got ${describe(input)}`);
  }
  const proto = Object.getPrototypeOf(input);
  if (proto !== Object.prototype && proto !== null) {
    invalid(ctx, op, what, `must be a plain object, got ${describe(input)}`);
  }
  // A literal keeps V8's fast properties; a caller's own `__proto__` key is defined, not
  // assigned, so it stays a key (and is refused as unknown) instead of setting the prototype.
  const snapshot: Record<string, unknown> = {};
  for (const key of Object.keys(input)) {
    const value = readOnce(ctx, op, `${path}${key}`, input, key);
    if (key === '__proto__')
      Object.defineProperty(snapshot, key, { value, enumerable: true, writable: true, configurable: true });
    else snapshot[key] = value;
  }
  return snapshot;
}

/** A record's snapshot (see `requireObject`); `path` prefixes field names in errors (`messages[3].`). */
function recordSnapshot(
  ctx: ValidationContext,
  op: string,
  input: unknown,
  path: string,
): Record<string, unknown> {
  return requireObject(ctx, op, path === '' ? 'input' : path.slice(0, -1), input, path);
}

/** Checks a record's snapshot against its fields; `extra` names keys the caller reads itself. */
function checkRecord(
  ctx: ValidationContext,
  op: string,
  fields: Record<string, FieldSpec>,
  obj: Record<string, unknown>,
  path = '',
  extra: readonly string[] = [],
): Record<string, unknown> {
  for (const key of Object.keys(obj)) {
    // Object.hasOwn, not `in`: `constructor` or `__proto__` must not pass as fields.
    if (!Object.hasOwn(fields, key) && !extra.includes(key)) {
      invalid(
        ctx,
        op,
        `${path}${key}`,
        key === 'id' ? 'is assigned by the store' : 'is not a field of this record',
      );
    }
  }
  const out: Record<string, unknown> = {};
  for (const field in fields) {
    const spec = fields[field] as FieldSpec;
    const value = obj[field];
    const name = `${path}${field}`;
    // Whether createdAt was given: an idempotent retry compares it only then.
    if (field === 'createdAt') out.createdAtGiven = value !== undefined;
    if (value === undefined) {
      if (spec.default === undefined) invalid(ctx, op, name, 'is required');
      out[field] = spec.default === 'clock' ? clockNow(ctx, op, name) : spec.default;
      // Defaults are already in stored form except JSON, which is encoded here.
      if (spec.kind === 'json' && !spec.nullable) out[field] = 'null';
    } else {
      out[field] = checkValue(ctx, op, name, spec, value);
    }
  }
  return out;
}

/** The index keys of an array, as `Object.keys` lists them. */
const INDEX_KEY = /^(?:0|[1-9][0-9]*)$/;

function checkList<T>(
  ctx: ValidationContext,
  op: string,
  field: string,
  input: unknown,
  item: (value: unknown, path: string) => T,
): T[] {
  if (!Array.isArray(input)) invalid(ctx, op, field, `must be an array, got ${describe(input)}`);
  if (Object.getPrototypeOf(input) !== Array.prototype)
    invalid(ctx, op, field, `must be a plain array, got ${describe(input)}`);
  // A property beside the elements would be dropped without a word: refuse it instead.
  const length = input.length;
  const keys = Object.keys(input);
  if (keys.length !== length) {
    const extra = keys.find((k) => !(INDEX_KEY.test(k) && Number(k) < length));
    if (extra !== undefined) invalid(ctx, op, `${field}.${extra}`, 'is not an element of the list');
  }
  // An index loop, not map(): map skips the holes of a sparse array, which must be refused.
  const out: T[] = [];
  for (let i = 0; i < length; i++) {
    out.push(item(readOnce(ctx, op, `${field}[${i}]`, input, i), `${field}[${i}].`));
  }
  return out;
}

function clockNow(ctx: ValidationContext, op: string, field: string): number {
  const now = ctx.clock();
  if (!Number.isSafeInteger(now)) {
    // Not the caller's fault, but writing a bad timestamp would be worse.
    invalid(
      ctx,
      op,
      field,
      `was omitted and the storage clock returned ${describe(now)}, not a safe integer`,
    );
  }
  return now;
}

function checkUpdate(
  ctx: ValidationContext,
  op: string,
  fields: Record<string, FieldSpec>,
  mutable: readonly string[],
  id: unknown,
  input: unknown,
): UpdateRecord {
  if (typeof id !== 'string') invalid(ctx, op, 'id', `must be a string, got ${describe(id)}`);
  const obj = requireObject(ctx, op, 'update', input);
  for (const key of Object.keys(obj)) {
    if (!mutable.includes(key)) {
      invalid(
        ctx,
        op,
        key,
        Object.hasOwn(fields, key) ? 'cannot be changed after creation' : 'is not a field of this record',
      );
    }
  }
  const out: UpdateRecord = { fields: [], values: [] };
  for (const field of mutable) {
    const value = obj[field];
    if (value === undefined) continue;
    out.fields.push(field);
    out.values.push(checkValue(ctx, op, field, fields[field] as FieldSpec, value) as string | number | null);
  }
  if (out.fields.length === 0) invalid(ctx, op, 'update', `must set at least one of ${mutable.join(', ')}`);
  return out;
}

export function validateNewSession(ctx: ValidationContext, input: unknown): SessionRecord {
  return checkRecord(
    ctx,
    'createSession',
    SESSION_FIELDS,
    recordSnapshot(ctx, 'createSession', input, ''),
  ) as unknown as SessionRecord;
}

export function validateSessionUpdate(ctx: ValidationContext, id: unknown, input: unknown): UpdateRecord {
  return checkUpdate(ctx, 'updateSession', SESSION_FIELDS, SESSION_MUTABLE, id, input);
}

export function validateNewMessage(
  ctx: ValidationContext,
  input: unknown,
  op = 'createMessage',
  path = '',
): MessageRecord {
  const obj = recordSnapshot(ctx, op, input, path);
  const record = checkRecord(ctx, op, MESSAGE_FIELDS, obj, path) as unknown as MessageRecord;
  record.createdAtGiven = obj.createdAt !== undefined;
  return record;
}

export function validateNewToolCall(ctx: ValidationContext, input: unknown): ToolCallRecord {
  return toolCallRecord(ctx, 'createToolCall', recordSnapshot(ctx, 'createToolCall', input, ''), '');
}

function toolCallRecord(
  ctx: ValidationContext,
  op: string,
  obj: Record<string, unknown>,
  path: string,
  extra: readonly string[] = [],
): ToolCallRecord {
  const record = checkRecord(ctx, op, TOOL_CALL_FIELDS, obj, path, extra) as unknown as ToolCallRecord;
  record.createdAtGiven = obj.createdAt !== undefined;
  return record;
}

export function validateToolCallUpdate(ctx: ValidationContext, id: unknown, input: unknown): UpdateRecord {
  return checkUpdate(ctx, 'updateToolCall', TOOL_CALL_FIELDS, TOOL_CALL_MUTABLE, id, input);
}

/** Checks the argument of a read (`getSession(id)`, `getMessages(sessionId)`): it must be a string. */
export function validateIdArgument(ctx: ValidationContext, op: string, field: string, id: unknown): string {
  if (typeof id !== 'string') invalid(ctx, op, field, `must be a string, got ${describe(id)}`);
  return id;
}

export interface QuestionRecord {
  toolCallId: string | null;
  questionId: string;
  question: string;
  description: string | null;
  responseType: string;
  createdAt: number;
}

export interface AnswerRecord {
  questionId: string;
  answer: string;
  answeredAt: number;
}

export interface SettingRecord {
  toolCallId: string | null;
  settingKey: string;
  settingName: string;
  description: string | null;
  settingType: string;
  settingValue: string | null;
  createdAt: number;
}

export interface SettingValueRecord {
  settingKey: string;
  value: string;
  updatedAt: number;
}

/** Keys that must be unique within one call (questionId, settingKey). */
function checkUnique(
  ctx: ValidationContext,
  op: string,
  field: string,
  key: string,
  items: readonly Record<string, unknown>[],
): void {
  const seen = new Set<unknown>();
  items.forEach((item, i) => {
    if (seen.has(item[key]))
      invalid(ctx, op, `${field}[${i}].${key}`, `repeats ${JSON.stringify(item[key])} within the same call`);
    seen.add(item[key]);
  });
}

/**
 * A list of records for one session (questions, answers, settings, values). With `key`, the
 * key must be unique within the call: answering `q1` twice in one call has no one answer.
 * Questions and settings themselves may repeat a key, as nocodo stores them.
 */
function keyedList<T>(
  ctx: ValidationContext,
  op: string,
  sessionId: unknown,
  field: string,
  fields: Record<string, FieldSpec>,
  key: string | null,
  input: unknown,
): T[] {
  validateIdArgument(ctx, op, 'sessionId', sessionId);
  const list = checkList(ctx, op, field, input, (v, path) =>
    checkRecord(ctx, op, fields, recordSnapshot(ctx, op, v, path), path),
  );
  if (key !== null) checkUnique(ctx, op, field, key, list);
  return list as unknown as T[];
}

export function validateQuestions(
  ctx: ValidationContext,
  sessionId: unknown,
  input: unknown,
): QuestionRecord[] {
  return keyedList(ctx, 'createQuestions', sessionId, 'questions', QUESTION_FIELDS, null, input);
}

export function validateAnswers(ctx: ValidationContext, sessionId: unknown, input: unknown): AnswerRecord[] {
  return keyedList(ctx, 'answerQuestions', sessionId, 'answers', ANSWER_FIELDS, 'questionId', input);
}

export function validateSettings(
  ctx: ValidationContext,
  sessionId: unknown,
  input: unknown,
): SettingRecord[] {
  return keyedList(ctx, 'createSettings', sessionId, 'settings', SETTING_FIELDS, null, input);
}

export function validateSettingValues(
  ctx: ValidationContext,
  sessionId: unknown,
  input: unknown,
): SettingValueRecord[] {
  return keyedList(ctx, 'setSettingValues', sessionId, 'values', SETTING_VALUE_FIELDS, 'settingKey', input);
}

export interface BatchRecord {
  messages: MessageRecord[];
  /** `messageIndex` resolved later by the adapter, once the batch's message ids exist. */
  toolCalls: (ToolCallRecord & { messageIndex: number | null })[];
}

export function validateBatch(ctx: ValidationContext, input: unknown): BatchRecord {
  const op = 'appendBatch';
  const obj = requireObject(ctx, op, 'batch', input);
  for (const key of Object.keys(obj)) {
    if (key !== 'messages' && key !== 'toolCalls') invalid(ctx, op, key, 'is not a field of a batch');
  }
  const messages =
    obj.messages === undefined
      ? []
      : checkList(ctx, op, 'messages', obj.messages, (v, path) => validateNewMessage(ctx, v, op, path));
  const toolCalls =
    obj.toolCalls === undefined
      ? []
      : checkList(ctx, op, 'toolCalls', obj.toolCalls, (v, path) => {
          const obj = recordSnapshot(ctx, op, v, path);
          const record = toolCallRecord(ctx, op, obj, path, ['messageIndex']);
          const index = obj.messageIndex;
          if (index === undefined) return { ...record, messageIndex: null };
          if (
            typeof index !== 'number' ||
            !Number.isInteger(index) ||
            index < 0 ||
            index >= messages.length
          ) {
            invalid(
              ctx,
              op,
              `${path}messageIndex`,
              `must index this batch's messages (0 to ${messages.length - 1}), got ${describe(index)}`,
            );
          }
          if (record.messageId !== null)
            invalid(ctx, op, `${path}messageIndex`, 'cannot be combined with messageId');
          if ((messages[index] as MessageRecord).sessionId !== record.sessionId) {
            invalid(ctx, op, `${path}messageIndex`, 'must point at a message of the same session');
          }
          return { ...record, messageIndex: index };
        });
  // A batch may not repeat a key: which of two copies would be "the" write is undefined.
  const repeated = (
    list: readonly { sessionId: string }[],
    field: string,
    key: (item: never) => string | null,
  ) => {
    const seen = new Map<string, number>();
    list.forEach((item, i) => {
      const k = key(item as never);
      if (k === null) return;
      const first = seen.get(`${item.sessionId}\u0000${k}`);
      if (first !== undefined)
        invalid(ctx, op, `${field}[${i}]`, `repeats the key of ${field}[${first}] in the same session`);
      seen.set(`${item.sessionId}\u0000${k}`, i);
    });
  };
  repeated(messages, 'messages', (m: MessageRecord) => m.clientKey);
  repeated(toolCalls, 'toolCalls', (t: ToolCallRecord) => t.clientKey);
  return { messages, toolCalls };
}

/** Validates the `expectedStatus` option of `updateSession`; `null` when absent. */
export function validateExpectedStatus(ctx: ValidationContext, options: unknown): SessionStatus[] | null {
  if (options === undefined) return null;
  const obj = requireObject(ctx, 'updateSession', 'options', options);
  for (const key of Object.keys(obj)) {
    if (key !== 'expectedStatus') invalid(ctx, 'updateSession', key, 'is not an option of updateSession');
  }
  if (obj.expectedStatus === undefined) return null;
  const list = Array.isArray(obj.expectedStatus)
    ? checkList(ctx, 'updateSession', 'expectedStatus', obj.expectedStatus, (v) => v)
    : [obj.expectedStatus];
  if (list.length === 0) invalid(ctx, 'updateSession', 'expectedStatus', 'must name at least one status');
  for (const s of list) {
    if (typeof s !== 'string' || !(SESSION_STATUSES as readonly string[]).includes(s)) {
      invalid(
        ctx,
        'updateSession',
        'expectedStatus',
        `must be one of ${SESSION_STATUSES.join(', ')}, got ${describe(s)}`,
      );
    }
  }
  return list as SessionStatus[];
}

/** A position in a keyset order: the sort key and the id that breaks ties. */
export interface CursorPosition {
  key: number;
  id: string;
}

/**
 * Which list a cursor walks: `sessions`, or `messages:<sessionId>` / `toolCalls:<sessionId>`.
 * A cursor only continues the list it came from.
 */
export type CursorScope = string;

/**
 * Cursors are opaque to callers; inside they are `<scope>.<key>.<id>` in plain text, which
 * costs nanoseconds to write and read on every page call (base64url of JSON cost about
 * half a microsecond each way; see docs/performance.md). Everything in one is checked on the way in.
 */
export function encodeCursor(scope: CursorScope, position: CursorPosition): string {
  return `${scope}.${position.key}.${position.id}`;
}

const CURSOR_KEY = /^(?:0|-?[1-9][0-9]*)$/;

function decodeCursor(
  ctx: ValidationContext,
  op: string,
  field: string,
  cursor: unknown,
  scope: CursorScope,
): CursorPosition {
  if (typeof cursor !== 'string') invalid(ctx, op, field, `must be a cursor string, got ${describe(cursor)}`);
  // The scope may itself hold dots one day; key and id never do, so split from the end.
  const idAt = cursor.lastIndexOf('.');
  const keyAt = idAt > 0 ? cursor.lastIndexOf('.', idAt - 1) : -1;
  const keyText = cursor.slice(keyAt + 1, idAt);
  const key = Number(keyText);
  if (keyAt <= 0 || !CURSOR_KEY.test(keyText) || !Number.isSafeInteger(key) || idAt === cursor.length - 1) {
    invalid(ctx, op, field, 'is not a cursor this storage issued');
  }
  if (cursor.slice(0, keyAt) !== scope) invalid(ctx, op, field, 'is a cursor of another list');
  return { key, id: cursor.slice(idAt + 1) };
}

function checkLimit(ctx: ValidationContext, op: string, limit: unknown): number {
  if (limit === undefined) return PAGE_LIMIT.default;
  if (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 1 || limit > PAGE_LIMIT.max) {
    invalid(ctx, op, 'limit', `must be an integer from 1 to ${PAGE_LIMIT.max}, got ${describe(limit)}`);
  }
  return limit;
}

export interface SessionQueryRecord {
  statuses: SessionStatus[] | null;
  agentName: string | null;
  provider: string | null;
  model: string | null;
  startedFrom: number | null;
  startedBefore: number | null;
  limit: number;
  cursor: CursorPosition | null;
}

export function validateSessionQuery(ctx: ValidationContext, input: unknown): SessionQueryRecord {
  const op = 'listSessions';
  const obj = input === undefined ? {} : requireObject(ctx, op, 'query', input);
  const known = [
    'status',
    'agentName',
    'provider',
    'model',
    'startedFrom',
    'startedBefore',
    'limit',
    'cursor',
  ];
  for (const key of Object.keys(obj))
    if (!known.includes(key)) invalid(ctx, op, key, 'is not a filter of listSessions');
  let statuses: SessionStatus[] | null = null;
  if (obj.status !== undefined) {
    const list = Array.isArray(obj.status)
      ? checkList(ctx, op, 'status', obj.status, (v) => v)
      : [obj.status];
    if (list.length === 0) invalid(ctx, op, 'status', 'must name at least one status');
    statuses = list.map(
      (s) => checkValue(ctx, op, 'status', SESSION_FIELDS.status as FieldSpec, s) as SessionStatus,
    );
  }
  const text = (field: string) =>
    obj[field] === undefined ? null : (checkValue(ctx, op, field, { kind: 'name' }, obj[field]) as string);
  const time = (field: string) =>
    obj[field] === undefined
      ? null
      : (checkValue(ctx, op, field, { kind: 'timestamp' }, obj[field]) as number);
  return {
    statuses,
    agentName: text('agentName'),
    provider: text('provider'),
    model: text('model'),
    startedFrom: time('startedFrom'),
    startedBefore: time('startedBefore'),
    limit: checkLimit(ctx, op, obj.limit),
    cursor: obj.cursor === undefined ? null : decodeCursor(ctx, op, 'cursor', obj.cursor, 'sessions'),
  };
}

export interface PageQueryRecord {
  limit: number;
  after: CursorPosition | null;
  before: CursorPosition | null;
}

/** `list` names the rows paged; cursors are scoped to it and to the session. */
export function validatePageQuery(
  ctx: ValidationContext,
  op: string,
  list: 'messages' | 'toolCalls',
  sessionId: unknown,
  input: unknown,
): PageQueryRecord {
  const scope = `${list}:${validateIdArgument(ctx, op, 'sessionId', sessionId)}`;
  const obj = input === undefined ? {} : requireObject(ctx, op, 'query', input);
  for (const key of Object.keys(obj))
    if (!['limit', 'after', 'before'].includes(key)) invalid(ctx, op, key, `is not an option of ${op}`);
  if (obj.after !== undefined && obj.before !== undefined)
    invalid(ctx, op, 'before', 'cannot be combined with after');
  return {
    limit: checkLimit(ctx, op, obj.limit),
    after: obj.after === undefined ? null : decodeCursor(ctx, op, 'after', obj.after, scope),
    before: obj.before === undefined ? null : decodeCursor(ctx, op, 'before', obj.before, scope),
  };
}
