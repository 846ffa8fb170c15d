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

/** Reads one row's columns, raising `CORRUPT_DATA` that names table, row and column. */
class RowReader {
  constructor(
    private readonly adapter: string,
    private readonly table: TableName,
    private readonly row: { id: string } & Record<string, unknown>,
  ) {}

  private corrupt(column: string, problem: string): never {
    throw new AgentStorageError(
      'CORRUPT_DATA',
      `${this.table} row ${this.row.id} column ${column} ${problem}`,
      { adapter: this.adapter, field: column },
    );
  }

  text(column: string): string {
    const v = this.row[column];
    if (typeof v !== 'string') this.corrupt(column, `holds ${show(v)}, not text`);
    return v;
  }

  textOrNull(column: string): string | null {
    return this.row[column] === null ? null : this.text(column);
  }

  /** Ids are selected as text; a NULL or non-decimal foreign key is corrupt. */
  id(column: string): string {
    const v = this.row[column];
    if (typeof v !== 'string' || !/^-?[0-9]+$/.test(v)) this.corrupt(column, `holds ${show(v)}, not an id`);
    return v;
  }

  idOrNull(column: string): string | null {
    return this.row[column] === null ? null : this.id(column);
  }

  integer(column: string): number {
    const v = this.row[column];
    if (typeof v !== 'number' || !Number.isSafeInteger(v))
      this.corrupt(column, `holds ${show(v)}, not a safe integer`);
    return v;
  }

  integerOrNull(column: string): number | null {
    return this.row[column] === null ? null : this.integer(column);
  }

  oneOf<T extends string>(column: string, allowed: readonly T[]): T {
    const v = this.text(column);
    if (!(allowed as readonly string[]).includes(v)) {
      this.corrupt(column, `holds ${show(v)}, not one of ${allowed.join(', ')}`);
    }
    return v as T;
  }

  /** JSON text. SQL NULL reads as JSON `null` (nocodo leaves config NULL or writes 'null'). */
  json(column: string): JsonValue {
    const v = this.row[column];
    if (v === null) return null;
    if (typeof v !== 'string') this.corrupt(column, `holds ${show(v)}, not JSON text`);
    try {
      return JSON.parse(v) as JsonValue;
    } catch {
      return this.corrupt(column, `holds ${show(v)}, which is not valid JSON`);
    }
  }
}

function show(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v.length > 60 ? `${v.slice(0, 60)}…` : v);
  if (typeof v === 'bigint') return `${v}n`;
  if (v instanceof Uint8Array) return `a ${v.length}-byte blob`;
  return String(v);
}

export function decodeSession(adapter: string, row: SessionRow): Session {
  const r = new RowReader(
    adapter,
    TABLES.sessions,
    row as unknown as { id: string } & Record<string, unknown>,
  );
  return {
    id: r.id('id'),
    agentName: r.text('agent_name'),
    provider: r.text('provider'),
    model: r.text('model'),
    systemPrompt: r.textOrNull('system_prompt'),
    userPrompt: r.text('user_prompt'),
    config: r.json('config'),
    status: r.oneOf('status', SESSION_STATUSES),
    startedAt: r.integer('started_at'),
    endedAt: r.integerOrNull('ended_at'),
    result: r.textOrNull('result'),
    error: r.textOrNull('error'),
  };
}

export function decodeMessage(adapter: string, row: MessageRow): Message {
  const r = new RowReader(
    adapter,
    TABLES.messages,
    row as unknown as { id: string } & Record<string, unknown>,
  );
  return {
    id: r.id('id'),
    sessionId: r.id('session_id'),
    role: r.oneOf('role', MESSAGE_ROLES),
    content: r.text('content'),
    createdAt: r.integer('created_at'),
    clientKey: r.textOrNull('client_key'),
  };
}

export function decodeQuestion(adapter: string, row: QuestionRow): Question {
  const r = new RowReader(
    adapter,
    TABLES.questions,
    row as unknown as { id: string } & Record<string, unknown>,
  );
  return {
    id: r.id('id'),
    sessionId: r.id('session_id'),
    toolCallId: r.idOrNull('tool_call_id'),
    questionId: r.text('question_id'),
    question: r.text('question'),
    description: r.textOrNull('description'),
    responseType: r.text('response_type'),
    answer: r.textOrNull('answer'),
    createdAt: r.integer('created_at'),
    answeredAt: r.integerOrNull('answered_at'),
  };
}

export function decodeSetting(adapter: string, row: SettingRow): Setting {
  const r = new RowReader(
    adapter,
    TABLES.settings,
    row as unknown as { id: string } & Record<string, unknown>,
  );
  return {
    id: r.id('id'),
    sessionId: r.id('session_id'),
    toolCallId: r.idOrNull('tool_call_id'),
    settingKey: r.text('setting_key'),
    settingName: r.text('setting_name'),
    description: r.textOrNull('description'),
    settingType: r.text('setting_type'),
    settingValue: r.textOrNull('setting_value'),
    createdAt: r.integer('created_at'),
    updatedAt: r.integerOrNull('updated_at'),
  };
}

export function decodeToolCall(adapter: string, row: ToolCallRow): ToolCall {
  const r = new RowReader(
    adapter,
    TABLES.toolCalls,
    row as unknown as { id: string } & Record<string, unknown>,
  );
  return {
    id: r.id('id'),
    sessionId: r.id('session_id'),
    messageId: r.idOrNull('message_id'),
    toolCallId: r.text('tool_call_id'),
    toolName: r.text('tool_name'),
    request: r.json('request'),
    response: r.json('response'),
    status: r.oneOf('status', TOOL_CALL_STATUSES),
    executionTimeMs: r.integerOrNull('execution_time_ms'),
    createdAt: r.integer('created_at'),
    completedAt: r.integerOrNull('completed_at'),
    errorDetails: r.textOrNull('error_details'),
  };
}
