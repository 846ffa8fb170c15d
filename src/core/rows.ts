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
 * Column readers, one call per cell, each raising `CORRUPT_DATA` that names table, row and
 * column. Free functions rather than a reader object per row: a 10,000-row read would
 * otherwise allocate 10,000 readers, which showed up as garbage-collection time in the
 * benchmark (docs/performance.md).
 */
type AnyRow = { readonly id: string } & Readonly<Record<string, unknown>>;
type Where = { readonly adapter: string; readonly table: TableName };

function corrupt(where: Where, row: AnyRow, column: string, problem: string): never {
  throw new AgentStorageError('CORRUPT_DATA', `${where.table} row ${row.id} column ${column} ${problem}`, {
    adapter: where.adapter,
    field: column,
  });
}

function text(w: Where, row: AnyRow, column: string): string {
  const v = row[column];
  if (typeof v !== 'string') corrupt(w, row, column, `holds ${show(v)}, not text`);
  return v;
}

function textOrNull(w: Where, row: AnyRow, column: string): string | null {
  return row[column] === null ? null : text(w, row, column);
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
function id(w: Where, row: AnyRow, column: string): string {
  const v = row[column];
  if (typeof v !== 'string' || !isDecimal(v)) corrupt(w, row, column, `holds ${show(v)}, not an id`);
  return v;
}

function idOrNull(w: Where, row: AnyRow, column: string): string | null {
  return row[column] === null ? null : id(w, row, column);
}

function integer(w: Where, row: AnyRow, column: string): number {
  const v = row[column];
  if (typeof v !== 'number' || !Number.isSafeInteger(v))
    corrupt(w, row, column, `holds ${show(v)}, not a safe integer`);
  return v;
}

function integerOrNull(w: Where, row: AnyRow, column: string): number | null {
  return row[column] === null ? null : integer(w, row, column);
}

function oneOf<T extends string>(w: Where, row: AnyRow, column: string, allowed: readonly T[]): T {
  const v = text(w, row, column);
  if (!(allowed as readonly string[]).includes(v)) {
    corrupt(w, row, column, `holds ${show(v)}, not one of ${allowed.join(', ')}`);
  }
  return v as T;
}

/** JSON text. SQL NULL reads as JSON `null` (nocodo leaves config NULL or writes 'null'). */
function json(w: Where, row: AnyRow, column: string): JsonValue {
  const v = row[column];
  if (v === null) return null;
  if (typeof v !== 'string') corrupt(w, row, column, `holds ${show(v)}, not JSON text`);
  try {
    return JSON.parse(v) as JsonValue;
  } catch {
    return corrupt(w, row, column, `holds ${show(v)}, which is not valid JSON`);
  }
}

/**
 * One `Where` per adapter and table, made once: decoding a row allocates only its result.
 * A process usually decodes for one adapter, so the last one is kept at hand.
 */
const wheres = new Map<string, Record<keyof typeof TABLES, Where>>();
let last: { adapter: string; where: Record<keyof typeof TABLES, Where> } | undefined;
function whereOf(adapter: string): Record<keyof typeof TABLES, Where> {
  if (last?.adapter === adapter) return last.where;
  let w = wheres.get(adapter);
  if (w === undefined) {
    w = {
      sessions: { adapter, table: TABLES.sessions },
      messages: { adapter, table: TABLES.messages },
      toolCalls: { adapter, table: TABLES.toolCalls },
      questions: { adapter, table: TABLES.questions },
      settings: { adapter, table: TABLES.settings },
    };
    wheres.set(adapter, w);
  }
  last = { adapter, where: w };
  return w;
}

function show(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v.length > 60 ? `${v.slice(0, 60)}…` : v);
  if (typeof v === 'bigint') return `${v}n`;
  if (v instanceof Uint8Array) return `a ${v.length}-byte blob`;
  return String(v);
}

export function decodeSession(adapter: string, row: SessionRow): Session {
  const w = whereOf(adapter).sessions;
  const r = row as unknown as AnyRow;
  return {
    id: id(w, r, 'id'),
    agentName: text(w, r, 'agent_name'),
    provider: text(w, r, 'provider'),
    model: text(w, r, 'model'),
    systemPrompt: textOrNull(w, r, 'system_prompt'),
    userPrompt: text(w, r, 'user_prompt'),
    config: json(w, r, 'config'),
    status: oneOf(w, r, 'status', SESSION_STATUSES),
    startedAt: integer(w, r, 'started_at'),
    endedAt: integerOrNull(w, r, 'ended_at'),
    result: textOrNull(w, r, 'result'),
    error: textOrNull(w, r, 'error'),
  };
}

export function decodeMessage(adapter: string, row: MessageRow): Message {
  const w = whereOf(adapter).messages;
  const r = row as unknown as AnyRow;
  return {
    id: id(w, r, 'id'),
    sessionId: id(w, r, 'session_id'),
    role: oneOf(w, r, 'role', MESSAGE_ROLES),
    content: text(w, r, 'content'),
    createdAt: integer(w, r, 'created_at'),
    clientKey: textOrNull(w, r, 'client_key'),
  };
}

export function decodeQuestion(adapter: string, row: QuestionRow): Question {
  const w = whereOf(adapter).questions;
  const r = row as unknown as AnyRow;
  return {
    id: id(w, r, 'id'),
    sessionId: id(w, r, 'session_id'),
    toolCallId: idOrNull(w, r, 'tool_call_id'),
    questionId: text(w, r, 'question_id'),
    question: text(w, r, 'question'),
    description: textOrNull(w, r, 'description'),
    responseType: text(w, r, 'response_type'),
    answer: textOrNull(w, r, 'answer'),
    createdAt: integer(w, r, 'created_at'),
    answeredAt: integerOrNull(w, r, 'answered_at'),
  };
}

export function decodeSetting(adapter: string, row: SettingRow): Setting {
  const w = whereOf(adapter).settings;
  const r = row as unknown as AnyRow;
  return {
    id: id(w, r, 'id'),
    sessionId: id(w, r, 'session_id'),
    toolCallId: idOrNull(w, r, 'tool_call_id'),
    settingKey: text(w, r, 'setting_key'),
    settingName: text(w, r, 'setting_name'),
    description: textOrNull(w, r, 'description'),
    settingType: text(w, r, 'setting_type'),
    settingValue: textOrNull(w, r, 'setting_value'),
    createdAt: integer(w, r, 'created_at'),
    updatedAt: integerOrNull(w, r, 'updated_at'),
  };
}

export function decodeToolCall(adapter: string, row: ToolCallRow): ToolCall {
  const w = whereOf(adapter).toolCalls;
  const r = row as unknown as AnyRow;
  return {
    id: id(w, r, 'id'),
    sessionId: id(w, r, 'session_id'),
    messageId: idOrNull(w, r, 'message_id'),
    toolCallId: text(w, r, 'tool_call_id'),
    toolName: text(w, r, 'tool_name'),
    request: json(w, r, 'request'),
    response: json(w, r, 'response'),
    status: oneOf(w, r, 'status', TOOL_CALL_STATUSES),
    executionTimeMs: integerOrNull(w, r, 'execution_time_ms'),
    createdAt: integer(w, r, 'created_at'),
    completedAt: integerOrNull(w, r, 'completed_at'),
    errorDetails: textOrNull(w, r, 'error_details'),
  };
}
