import { AgentStorageError } from '../contract/errors.js';
import {
  type JsonValue,
  MESSAGE_ROLES,
  type Message,
  type Question,
  SESSION_STATUSES,
  type Session,
  type Setting,
  TOOL_CALL_STATUSES,
  type ToolCall,
} from '../contract/types.js';

/**
 * Rows as every backend stores them: nocodo's column names, JSON as text, ids as
 * decimal text. The SQL core selects into this shape and the memory adapter keeps
 * it, so reading back goes through one set of checks. Values are `unknown` because
 * another program may have written the database.
 */
export interface SessionRow {
  id: string;
  agent_name: unknown;
  provider: unknown;
  model: unknown;
  system_prompt: unknown;
  user_prompt: unknown;
  config: unknown;
  status: unknown;
  started_at: unknown;
  ended_at: unknown;
  result: unknown;
  error: unknown;
}

export interface MessageRow {
  id: string;
  session_id: unknown;
  role: unknown;
  content: unknown;
  created_at: unknown;
  client_key: unknown;
}

export interface QuestionRow {
  id: string;
  session_id: unknown;
  tool_call_id: unknown;
  question_id: unknown;
  question: unknown;
  description: unknown;
  response_type: unknown;
  answer: unknown;
  created_at: unknown;
  answered_at: unknown;
}

export interface SettingRow {
  id: string;
  session_id: unknown;
  tool_call_id: unknown;
  setting_key: unknown;
  setting_name: unknown;
  description: unknown;
  setting_type: unknown;
  setting_value: unknown;
  created_at: unknown;
  updated_at: unknown;
}

export interface ToolCallRow {
  id: string;
  session_id: unknown;
  message_id: unknown;
  tool_call_id: unknown;
  tool_name: unknown;
  request: unknown;
  response: unknown;
  status: unknown;
  execution_time_ms: unknown;
  created_at: unknown;
  completed_at: unknown;
  error_details: unknown;
  client_key: unknown;
}

export const TABLES = {
  sessions: 'agent_sessions',
  messages: 'agent_messages',
  toolCalls: 'agent_tool_calls',
  questions: 'project_requirements_qna',
  settings: 'project_settings',
} as const;
export type TableName = (typeof TABLES)[keyof typeof TABLES];

/** Contract field → column, for the mutable fields that updates write. */
export const COLUMN_OF: Readonly<Record<string, string>> = {
  status: 'status',
  endedAt: 'ended_at',
  result: 'result',
  error: 'error',
  response: 'response',
  executionTimeMs: 'execution_time_ms',
  completedAt: 'completed_at',
  errorDetails: 'error_details',
};

/**
 * Column readers, one call per cell, each raising `CORRUPT_DATA` that names adapter, table,
 * row and column. Free functions taking those as arguments rather than a reader object per
 * row: a 10,000-row read would otherwise allocate 10,000 readers, which showed up as
 * garbage-collection time in the benchmark (docs/performance.md).
 */
type AnyRow = { readonly id: string } & Readonly<Record<string, unknown>>;
function corrupt(adapter: string, table: TableName, row: AnyRow, column: string, problem: string): never {
  throw new AgentStorageError('CORRUPT_DATA', `${table} row ${row.id} column ${column} ${problem}`, {
    adapter,
    field: column,
  });
}

function text(adapter: string, table: TableName, row: AnyRow, column: string): string {
  const v = row[column];
  if (typeof v !== 'string') corrupt(adapter, table, row, column, `holds ${show(v)}, not text`);
  return v;
}

function textOrNull(adapter: string, table: TableName, row: AnyRow, column: string): string | null {
  return row[column] === null ? null : text(adapter, table, row, column);
}

/** `-?[0-9]+`, by char codes: two ids a row, so this runs 20,000 times in a 10,000-message read. */
function isDecimal(v: string): boolean {
  const end = v.length;
  let i = v.charCodeAt(0) === 45 ? 1 : 0;
  if (i >= end) return false;
  for (; i < end; i++) {
    const c = v.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}

/** Ids are selected as text; a NULL or non-decimal foreign key is corrupt. */
function id(adapter: string, table: TableName, row: AnyRow, column: string): string {
  const v = row[column];
  if (typeof v !== 'string' || !isDecimal(v))
    corrupt(adapter, table, row, column, `holds ${show(v)}, not an id`);
  return v;
}

function idOrNull(adapter: string, table: TableName, row: AnyRow, column: string): string | null {
  return row[column] === null ? null : id(adapter, table, row, column);
}

function integer(adapter: string, table: TableName, row: AnyRow, column: string): number {
  const v = row[column];
  if (typeof v !== 'number' || !Number.isSafeInteger(v))
    corrupt(adapter, table, row, column, `holds ${show(v)}, not a safe integer`);
  return v;
}

function integerOrNull(adapter: string, table: TableName, row: AnyRow, column: string): number | null {
  return row[column] === null ? null : integer(adapter, table, row, column);
}

function oneOf<T extends string>(
  adapter: string,
  table: TableName,
  row: AnyRow,
  column: string,
  allowed: readonly T[],
): T {
  const v = text(adapter, table, row, column);
  if (!(allowed as readonly string[]).includes(v)) {
    corrupt(adapter, table, row, column, `holds ${show(v)}, not one of ${allowed.join(', ')}`);
  }
  return v as T;
}

/** JSON text. SQL NULL reads as JSON `null` (nocodo leaves config NULL or writes 'null'). */
function json(adapter: string, table: TableName, row: AnyRow, column: string): JsonValue {
  const v = row[column];
  if (v === null) return null;
  if (typeof v !== 'string') corrupt(adapter, table, row, column, `holds ${show(v)}, not JSON text`);
  try {
    return JSON.parse(v) as JsonValue;
  } catch {
    return corrupt(adapter, table, row, column, `holds ${show(v)}, which is not valid JSON`);
  }
}

function show(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v.length > 60 ? `${v.slice(0, 60)}…` : v);
  if (typeof v === 'bigint') return `${v}n`;
  if (v instanceof Uint8Array) return `a ${v.length}-byte blob`;
  return String(v);
}

export function decodeSession(adapter: string, row: SessionRow): Session {
  const t = TABLES.sessions;
  const r = row as unknown as AnyRow;
  return {
    id: id(adapter, t, r, 'id'),
    agentName: text(adapter, t, r, 'agent_name'),
    provider: text(adapter, t, r, 'provider'),
    model: text(adapter, t, r, 'model'),
    systemPrompt: textOrNull(adapter, t, r, 'system_prompt'),
    userPrompt: text(adapter, t, r, 'user_prompt'),
    config: json(adapter, t, r, 'config'),
    status: oneOf(adapter, t, r, 'status', SESSION_STATUSES),
    startedAt: integer(adapter, t, r, 'started_at'),
    endedAt: integerOrNull(adapter, t, r, 'ended_at'),
    result: textOrNull(adapter, t, r, 'result'),
    error: textOrNull(adapter, t, r, 'error'),
  };
}

export function decodeMessage(adapter: string, row: MessageRow): Message {
  const t = TABLES.messages;
  const r = row as unknown as AnyRow;
  return {
    id: id(adapter, t, r, 'id'),
    sessionId: id(adapter, t, r, 'session_id'),
    role: oneOf(adapter, t, r, 'role', MESSAGE_ROLES),
    content: text(adapter, t, r, 'content'),
    createdAt: integer(adapter, t, r, 'created_at'),
    clientKey: textOrNull(adapter, t, r, 'client_key'),
  };
}

export function decodeQuestion(adapter: string, row: QuestionRow): Question {
  const t = TABLES.questions;
  const r = row as unknown as AnyRow;
  return {
    id: id(adapter, t, r, 'id'),
    sessionId: id(adapter, t, r, 'session_id'),
    toolCallId: idOrNull(adapter, t, r, 'tool_call_id'),
    questionId: text(adapter, t, r, 'question_id'),
    question: text(adapter, t, r, 'question'),
    description: textOrNull(adapter, t, r, 'description'),
    responseType: text(adapter, t, r, 'response_type'),
    answer: textOrNull(adapter, t, r, 'answer'),
    createdAt: integer(adapter, t, r, 'created_at'),
    answeredAt: integerOrNull(adapter, t, r, 'answered_at'),
  };
}

export function decodeSetting(adapter: string, row: SettingRow): Setting {
  const t = TABLES.settings;
  const r = row as unknown as AnyRow;
  return {
    id: id(adapter, t, r, 'id'),
    sessionId: id(adapter, t, r, 'session_id'),
    toolCallId: idOrNull(adapter, t, r, 'tool_call_id'),
    settingKey: text(adapter, t, r, 'setting_key'),
    settingName: text(adapter, t, r, 'setting_name'),
    description: textOrNull(adapter, t, r, 'description'),
    settingType: text(adapter, t, r, 'setting_type'),
    settingValue: textOrNull(adapter, t, r, 'setting_value'),
    createdAt: integer(adapter, t, r, 'created_at'),
    updatedAt: integerOrNull(adapter, t, r, 'updated_at'),
  };
}

export function decodeToolCall(adapter: string, row: ToolCallRow): ToolCall {
  const t = TABLES.toolCalls;
  const r = row as unknown as AnyRow;
  return {
    id: id(adapter, t, r, 'id'),
    sessionId: id(adapter, t, r, 'session_id'),
    messageId: idOrNull(adapter, t, r, 'message_id'),
    toolCallId: text(adapter, t, r, 'tool_call_id'),
    toolName: text(adapter, t, r, 'tool_name'),
    request: json(adapter, t, r, 'request'),
    response: json(adapter, t, r, 'response'),
    status: oneOf(adapter, t, r, 'status', TOOL_CALL_STATUSES),
    executionTimeMs: integerOrNull(adapter, t, r, 'execution_time_ms'),
    createdAt: integer(adapter, t, r, 'created_at'),
    completedAt: integerOrNull(adapter, t, r, 'completed_at'),
    errorDetails: textOrNull(adapter, t, r, 'error_details'),
    clientKey: textOrNull(adapter, t, r, 'client_key'),
  };
}
