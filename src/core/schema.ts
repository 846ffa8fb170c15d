import { MESSAGE_ROLES, SESSION_STATUSES, TOOL_CALL_STATUSES } from '../contract/types.js';

/**
 * The one description of the five tables: each column's contract field, type, whether it is
 * nullable and mutable, and who added it (nocodo's V1–V5, or the kit's own migrations).
 * Column lists, row decoders, the named parameters of generated statements and the
 * adoption checks of nocodo databases all come from here.
 */

export type ColumnType = 'id' | 'text' | 'json' | 'integer' | 'enum';

export interface Column {
  /** The SQL column (snake_case, nocodo's name). */
  readonly column: string;
  /** The contract's field (camelCase). */
  readonly field: string;
  readonly type: ColumnType;
  readonly nullable: boolean;
  /** Changed by an update after the row is created. */
  readonly mutable: boolean;
  /** For `enum`: the values the contract knows. */
  readonly values?: readonly string[];
  /** `kit` for the columns the kit's own migrations add (nocodo's databases lack them until adopted). */
  readonly origin: 'nocodo' | 'kit';
}

export interface Table {
  /** The SQL table. */
  readonly name: TableName;
  readonly columns: readonly Column[];
}

export type TableName =
  | 'agent_sessions'
  | 'agent_messages'
  | 'agent_tool_calls'
  | 'project_requirements_qna'
  | 'project_settings';

type Spec = [column: string, field: string, type: ColumnType, flags?: string, values?: readonly string[]];

/** `flags`: `?` nullable, `m` mutable, `k` added by the kit. */
function table(name: TableName, specs: Spec[]): Table {
  return {
    name,
    columns: specs.map(([column, field, type, flags = '', values]) => ({
      column,
      field,
      type,
      nullable: flags.includes('?'),
      mutable: flags.includes('m'),
      origin: flags.includes('k') ? 'kit' : 'nocodo',
      ...(values === undefined ? {} : { values }),
    })),
  };
}

export const SESSIONS = table('agent_sessions', [
  ['id', 'id', 'id'],
  ['agent_name', 'agentName', 'text'],
  ['provider', 'provider', 'text'],
  ['model', 'model', 'text'],
  ['system_prompt', 'systemPrompt', 'text', '?'],
  ['user_prompt', 'userPrompt', 'text'],
  // nocodo leaves config NULL or writes 'null'; both read as JSON null.
  ['config', 'config', 'json', '?'],
  ['status', 'status', 'enum', 'm', SESSION_STATUSES],
  ['started_at', 'startedAt', 'integer'],
  ['ended_at', 'endedAt', 'integer', '?m'],
  ['result', 'result', 'text', '?m'],
  ['error', 'error', 'text', '?m'],
]);

export const MESSAGES = table('agent_messages', [
  ['id', 'id', 'id'],
  ['session_id', 'sessionId', 'id'],
  ['role', 'role', 'enum', '', MESSAGE_ROLES],
  ['content', 'content', 'text'],
  ['created_at', 'createdAt', 'integer'],
  ['client_key', 'clientKey', 'text', '?k'],
]);

export const TOOL_CALLS = table('agent_tool_calls', [
  ['id', 'id', 'id'],
  ['session_id', 'sessionId', 'id'],
  ['message_id', 'messageId', 'id', '?'],
  ['tool_call_id', 'toolCallId', 'text'],
  ['tool_name', 'toolName', 'text'],
  ['request', 'request', 'json'],
  ['response', 'response', 'json', '?m'],
  ['status', 'status', 'enum', 'm', TOOL_CALL_STATUSES],
  ['execution_time_ms', 'executionTimeMs', 'integer', '?m'],
  ['created_at', 'createdAt', 'integer'],
  ['completed_at', 'completedAt', 'integer', '?m'],
  ['error_details', 'errorDetails', 'text', '?m'],
  ['client_key', 'clientKey', 'text', '?k'],
]);

export const QUESTIONS = table('project_requirements_qna', [
  ['id', 'id', 'id'],
  ['session_id', 'sessionId', 'id'],
  ['tool_call_id', 'toolCallId', 'id', '?'],
  ['question_id', 'questionId', 'text'],
  ['question', 'question', 'text'],
  ['description', 'description', 'text', '?'],
  ['response_type', 'responseType', 'text'],
  ['answer', 'answer', 'text', '?m'],
  ['created_at', 'createdAt', 'integer'],
  ['answered_at', 'answeredAt', 'integer', '?m'],
]);

export const SETTINGS = table('project_settings', [
  ['id', 'id', 'id'],
  ['session_id', 'sessionId', 'id'],
  ['tool_call_id', 'toolCallId', 'id', '?'],
  ['setting_key', 'settingKey', 'text'],
  ['setting_name', 'settingName', 'text'],
  ['description', 'description', 'text', '?'],
  ['setting_type', 'settingType', 'text'],
  ['setting_value', 'settingValue', 'text', '?m'],
  ['created_at', 'createdAt', 'integer'],
  ['updated_at', 'updatedAt', 'integer', '?m'],
]);

export const SCHEMA = {
  sessions: SESSIONS,
  messages: MESSAGES,
  toolCalls: TOOL_CALLS,
  questions: QUESTIONS,
  settings: SETTINGS,
} as const;

/** The column of a contract field in `table`. */
export function columnOf(table: Table, field: string): Column {
  const c = table.columns.find((x) => x.field === field);
  if (c === undefined) throw new Error(`${table.name} has no column for field ${field}`);
  return c;
}

/** The columns nocodo's own migrations create: what an adopted database must already have. */
export function nocodoColumns(table: Table): string[] {
  return table.columns.filter((c) => c.origin === 'nocodo').map((c) => c.column);
}
