import {
  checkRecord,
  checkUpdate,
  describe,
  type FieldSpec,
  invalid,
  lookAt,
  recordSnapshot,
  requireObject,
  type ValidationContext,
} from './input-checks.js';
import { checkList, keyedList } from './list-checks.js';
import {
  MESSAGE_ROLES,
  type MessageRole,
  type Question,
  SESSION_STATUSES,
  type SessionStatus,
  type Setting,
  TOOL_CALL_STATUSES,
  type ToolCall,
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

/** A tool call as written: defaults applied, JSON encoded to text (`null` response: SQL NULL). */
export type ToolCallRecord = Omit<ToolCall, 'id' | 'request' | 'response'> & {
  /** Whether `createdAt` was given (an idempotent retry compares it only then). */
  createdAtGiven: boolean;
  request: string;
  response: string | null;
};

/** A validated update: the columns to set, in a fixed order, and their values. */
export interface UpdateRecord {
  /** Contract field names present in the update, in declaration order. */
  fields: string[];
  values: (string | number | null)[];
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

/** A question as written: unanswered, defaults applied. */
export type QuestionRecord = Omit<Question, 'id' | 'sessionId' | 'answer' | 'answeredAt'>;

export interface AnswerRecord {
  questionId: string;
  answer: string;
  answeredAt: number;
}

/** A setting as written: defaults applied; its value may come with it, never the time it was set. */
export type SettingRecord = Omit<Setting, 'id' | 'sessionId' | 'updatedAt'>;

export interface SettingValueRecord {
  settingKey: string;
  value: string;
  updatedAt: number;
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
  repeatedKey(ctx, op, messages, 'messages');
  repeatedKey(ctx, op, toolCalls, 'toolCalls');
  return { messages, toolCalls };
}

/** Refuses a batch list's second use of a clientKey in one session (a function of the module, not a closure per batch). */
function repeatedKey(
  ctx: ValidationContext,
  op: string,
  list: readonly { sessionId: string; clientKey: string | null }[],
  field: string,
): void {
  const seen = new Map<string, number>();
  for (let i = 0; i < list.length; i++) {
    const { sessionId, clientKey } = list[i] as { sessionId: string; clientKey: string | null };
    if (clientKey === null) continue;
    const first = seen.get(`${sessionId}\u0000${clientKey}`);
    if (first !== undefined)
      invalid(ctx, op, `${field}[${i}]`, `repeats the key of ${field}[${first}] in the same session`);
    seen.set(`${sessionId}\u0000${clientKey}`, i);
  }
}

/** Validates the `expectedStatus` option of `updateSession`; `null` when absent. */
export function validateExpectedStatus(ctx: ValidationContext, options: unknown): SessionStatus[] | null {
  if (options === undefined) return null;
  const obj = requireObject(ctx, 'updateSession', 'options', options);
  for (const key of Object.keys(obj)) {
    if (key !== 'expectedStatus') invalid(ctx, 'updateSession', key, 'is not an option of updateSession');
  }
  if (obj.expectedStatus === undefined) return null;
  const list = lookAt(ctx, 'updateSession', 'expectedStatus', obj.expectedStatus, Array.isArray)
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

export { MAX_NAME_LENGTH, type ValidationContext, validateIdArgument } from './input-checks.js';
export * from './query-validation.js';
