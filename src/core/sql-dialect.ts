import type { SqlValue } from './executor.js';
import type { TableName } from './rows.js';
import type { ListShape } from './sql-queries.js';

/** One message of a batch insert, as bound. */
export interface MessageBatchRow {
  sessionId: string;
  role: string;
  content: string;
  createdAt: number;
  clientKey: string | null;
}

/**
 * Another program (nocodo) whose tables are the ones our first migrations create, with its
 * own migration history (refinery's `refinery_schema_history`). The migrator adopts its
 * databases — records those migrations as applied instead of running them, after checking
 * that what is there is what they would have made — and keeps its history in step: every
 * one of its migrations the kit applied or adopted is recorded there as it would record it,
 * so that the other program finds nothing to do.
 */
export interface AdoptionSpec {
  /** Who created such databases, for messages (`nocodo`). */
  readonly origin: string;
  /** Params: table name. Returns one `{ name }` row per column; none when the table does not exist. */
  readonly columns: string;
  /** Returns a row when the origin's own migration history table exists. */
  readonly hasHistory: string;
  /** Returns `{ version }` rows: the origin's migrations it recorded as applied. */
  readonly history: string;
  /** Creates the origin's history table as the origin would. */
  readonly createHistory: string;
  /** Params: version, name, appliedOn, checksum. */
  readonly insertHistory: string;
  /** Params: version. */
  readonly deleteHistory: string;
  /** Drops the history table (when reverting has emptied it). */
  readonly dropHistory: string;
  /** The origin's record of a migration: its checksum and `applied_on` text. */
  record(name: string, version: number, sql: string, at: Date): { checksum: string; appliedOn: string };
  /**
   * Our migration name → the origin's version and name, the table it creates, and the
   * columns that table must have. Our file holds the origin's SQL byte for byte.
   */
  readonly migrations: Readonly<
    Record<string, { version: number; name: string; table: string; columns: readonly string[] }>
  >;
}

/**
 * Everything that differs between SQL dialects, in one object per dialect
 * (`src/dialects/*.ts`). The shared core binds parameters in the order given here.
 */
export interface SqlDialect {
  /** `sqlite` or `postgres`: names the migration folder and shows in errors. */
  readonly name: string;
  readonly sql: {
    /** Params: agentName, provider, model, systemPrompt, userPrompt, config, status, startedAt, endedAt, result, error. Returns `{ id }`. */
    readonly insertSession: string;
    /** Params: id. Returns a `SessionRow`. */
    readonly selectSession: string;
    /** Params: sessionId, role, content, createdAt, clientKey. Returns `{ id }`, or no row when the session does not exist. */
    readonly insertMessage: string;
    /** Params: sessionId. Returns `MessageRow`s in contract order. */
    readonly selectMessages: string;
    /**
     * Params: sessionId, messageId, toolCallId, toolName, request, response, status,
     * executionTimeMs, createdAt, completedAt, errorDetails, clientKey. Returns `{ id }`, or
     * no row when the session does not exist or `messageId` is set and is not one of its messages.
     */
    readonly insertToolCall: string;
    /** Params: sessionId. Returns `ToolCallRow`s in contract order. */
    readonly selectToolCalls: string;
    /** Params: sessionId. Returns the pending `ToolCallRow`s in contract order. */
    readonly selectPendingToolCalls: string;
    /** `UPDATE table SET c1 = ?, … WHERE id = ? [AND status IN (…)]`: params are the values, the id, then the statuses. */
    update(table: TableName, columns: readonly string[], statuses?: number): string;
    /** Params: sessionId, clientKey. Returns a `MessageRow`. */
    readonly selectMessageByKey: string;
    /** Params: sessionId, clientKey. Returns a `ToolCallRow`. */
    readonly selectToolCallByKey: string;
    /** Params: message id. Returns `{ session_id }` as text. */
    readonly selectMessageSession: string;
    /** Params: id. Cascades to every child row. */
    readonly deleteSession: string;
    /** Params: sessionId. Returns `{ n }`. */
    readonly countMessages: string;
    readonly countToolCalls: string;
    /** See `listSessionsSql`. */
    listSessions(shape: ListShape): string;
    /** See `pageSql`. */
    page(table: 'agent_messages' | 'agent_tool_calls', direction: 'first' | 'after' | 'before'): string;
    /**
     * The statements that insert these messages (one, or a few for a large batch), run in
     * order in one transaction. Each returns `{ id }` rows, in any order: ids grow in input
     * order. A missing session fails with `NOT_FOUND` (a foreign-key error, mapped).
     */
    insertMessages(rows: readonly MessageBatchRow[]): { sql: string; params: SqlValue[] }[];
    /**
     * Params: sessionId, toolCallId, questionId, question, description, responseType, createdAt.
     * Returns `{ id }`, or no row when the session (or its tool call) does not exist.
     */
    readonly insertQuestion: string;
    /** Params: sessionId. */
    readonly selectQuestions: string;
    readonly selectPendingQuestions: string;
    /** Params: answer, answeredAt, sessionId, questionId. Answers the pending rows with that id. */
    readonly answerQuestion: string;
    /** Params as `answerQuestion`. Replaces the answer of the latest row with that id. */
    readonly reanswerQuestion: string;
    /**
     * Params: sessionId, toolCallId, settingKey, settingName, description, settingType,
     * settingValue, createdAt. Returns `{ id }`, or no row as for questions.
     */
    readonly insertSetting: string;
    readonly selectSettings: string;
    readonly selectPendingSettings: string;
    /** Params: value, updatedAt, sessionId, settingKey. Sets the pending rows with that key. */
    readonly setSettingValue: string;
    /** Params as `setSettingValue`. Replaces the value of the latest row with that key. */
    readonly resetSettingValue: string;
  };
  /** How to adopt a database another program created with the same tables (see `AdoptionSpec`). */
  readonly adoption?: AdoptionSpec;
  /** Statements of the migration runner (`src/core/migrator.ts`). */
  readonly migrationSql: {
    /**
     * A script run first inside the migration transaction so that concurrent migrators
     * queue (and the schema exists); `null` when the transaction itself locks.
     */
    readonly lock: string | null;
    /** Returns a row when the log table exists. */
    readonly hasLog: string;
    readonly createLog: string;
    /** Returns `{ name, checksum }` rows. */
    readonly selectLog: string;
    /** Params: name, checksum, appliedAt. */
    readonly insertLog: string;
    /** Params: checksum, name. Brings a row recorded with a previous checksum up to the file. */
    readonly updateLog: string;
    /** Params: name. */
    readonly deleteLog: string;
  };
}
