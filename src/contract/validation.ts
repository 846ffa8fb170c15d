import { AgentStorageError } from './errors.js';
import { encodeJson, JsonEncodeError } from './json.js';
import {
  MESSAGE_ROLES,
  type MessageRole,
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
}

export interface ToolCallRecord {
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

type Kind = 'text' | 'nonEmpty' | 'timestamp' | 'duration' | 'json' | 'id';
interface FieldSpec {
  kind: Kind;
  nullable?: boolean;
  oneOf?: readonly string[];
  /** Omitted → this default; `'clock'` → the storage's clock. Absent → the field is required. */
  default?: null | string | 'clock';
}

const SESSION_FIELDS: Record<string, FieldSpec> = {
  agentName: { kind: 'nonEmpty' },
  provider: { kind: 'nonEmpty' },
  model: { kind: 'nonEmpty' },
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
};

const TOOL_CALL_FIELDS: Record<string, FieldSpec> = {
  sessionId: { kind: 'id' },
  messageId: { kind: 'id', nullable: true, default: null },
  toolCallId: { kind: 'nonEmpty' },
  toolName: { kind: 'nonEmpty' },
  request: { kind: 'json' },
  response: { kind: 'json', nullable: true, default: null },
  status: { kind: 'text', oneOf: TOOL_CALL_STATUSES, default: 'pending' },
  executionTimeMs: { kind: 'duration', nullable: true, default: null },
  createdAt: { kind: 'timestamp', default: 'clock' },
  completedAt: { kind: 'timestamp', nullable: true, default: null },
  errorDetails: { kind: 'text', nullable: true, default: null },
};
const TOOL_CALL_MUTABLE = ['status', 'response', 'executionTimeMs', 'completedAt', 'errorDetails'];

function invalid(ctx: ValidationContext, op: string, field: string, problem: string): never {
  throw new AgentStorageError('INVALID_INPUT', `${op}: ${field} ${problem}`, { adapter: ctx.adapter, field });
}

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
        invalid(ctx, op, field, `is not JSON: ${field}${e.path.slice(1)} ${e.problem}`);
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
    return value;
  }
  if (typeof value !== 'string') {
    invalid(ctx, op, field, `must be a string${spec.nullable ? ' or null' : ''}, got ${describe(value)}`);
  }
  if (kind === 'id') return value; // opaque: an id the store never issued is NOT_FOUND, not invalid
  if (kind === 'nonEmpty' && value.length === 0) invalid(ctx, op, field, 'must not be empty');
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
  return typeof value;
}

function requireObject(
  ctx: ValidationContext,
  op: string,
  what: string,
  input: unknown,
): Record<string, unknown> {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    invalid(ctx, op, what, `must be an object, got ${describe(input)}`);
  }
  return input as Record<string, unknown>;
}

function checkRecord(
  ctx: ValidationContext,
  op: string,
  fields: Record<string, FieldSpec>,
  input: unknown,
): Record<string, unknown> {
  const obj = requireObject(ctx, op, 'input', input);
  for (const key of Object.keys(obj)) {
    if (!(key in fields)) {
      invalid(ctx, op, key, key === 'id' ? 'is assigned by the store' : 'is not a field of this record');
    }
  }
  const out: Record<string, unknown> = {};
  for (const field in fields) {
    const spec = fields[field] as FieldSpec;
    const value = obj[field];
    if (value === undefined) {
      if (spec.default === undefined) invalid(ctx, op, field, 'is required');
      out[field] = spec.default === 'clock' ? clockNow(ctx, op, field) : spec.default;
      // Defaults are already in stored form except JSON, which is encoded here.
      if (spec.kind === 'json' && !spec.nullable) out[field] = 'null';
    } else {
      out[field] = checkValue(ctx, op, field, spec, value);
    }
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
        key in fields ? 'cannot be changed after creation' : 'is not a field of this record',
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
  return checkRecord(ctx, 'createSession', SESSION_FIELDS, input) as unknown as SessionRecord;
}

export function validateSessionUpdate(ctx: ValidationContext, id: unknown, input: unknown): UpdateRecord {
  return checkUpdate(ctx, 'updateSession', SESSION_FIELDS, SESSION_MUTABLE, id, input);
}

export function validateNewMessage(ctx: ValidationContext, input: unknown): MessageRecord {
  return checkRecord(ctx, 'createMessage', MESSAGE_FIELDS, input) as unknown as MessageRecord;
}

export function validateNewToolCall(ctx: ValidationContext, input: unknown): ToolCallRecord {
  return checkRecord(ctx, 'createToolCall', TOOL_CALL_FIELDS, input) as unknown as ToolCallRecord;
}

export function validateToolCallUpdate(ctx: ValidationContext, id: unknown, input: unknown): UpdateRecord {
  return checkUpdate(ctx, 'updateToolCall', TOOL_CALL_FIELDS, TOOL_CALL_MUTABLE, id, input);
}

/** Checks the argument of a read (`getSession(id)`, `getMessages(sessionId)`): it must be a string. */
export function validateIdArgument(ctx: ValidationContext, op: string, field: string, id: unknown): string {
  if (typeof id !== 'string') invalid(ctx, op, field, `must be a string, got ${describe(id)}`);
  return id;
}
