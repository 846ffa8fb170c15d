/**
 * nocodo's side of a shared SQLite database, for tests: its migrations as refinery runs them
 * at nocodo-api's start-up, and its statements as its Rust code runs them (copied verbatim
 * into test/fixtures/nocodo/, with the files and commits they come from), bound the way
 * rusqlite binds `params![…]` to `?1…?N`, and read back with rusqlite's strict types: a
 * column nocodo reads as `i64` must hold an SQLite INTEGER, one it reads as `String` TEXT.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type Database from 'better-sqlite3';

const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'nocodo');

export interface NocodoMigration {
  version: number;
  name: string;
  sql: string;
}

/** nocodo's V1–V5, as `embed_migrations!` embeds them (name from the file, SQL byte for byte). */
export const NOCODO_MIGRATIONS: readonly NocodoMigration[] = readdirSync(FIXTURES)
  .filter((f) => /^V\d+__\w+\.sql$/.test(f))
  .map((f) => {
    const [, version, name] = /^V(\d+)__(\w+)\.sql$/.exec(f) as RegExpExecArray;
    return { version: Number(version), name: name as string, sql: readFileSync(join(FIXTURES, f), 'utf8') };
  })
  .sort((a, b) => a.version - b.version);

/**
 * The checksums refinery records for V1–V5: computed with Rust's SipHasher13 (std's
 * `DefaultHasher::new()`, keys 0, 0) over `name.hash(); (version as i32).hash(); sql.hash()`,
 * as refinery-core does — not with the kit's code, which the tests check against them.
 */
export const REFINERY_CHECKSUMS: Readonly<Record<number, string>> = {
  1: '8516129729534080486',
  2: '15657636311599337282',
  3: '6862284411577896926',
  4: '15416765108524959284',
  5: '3286636834975221154',
};

export class RefineryError extends Error {
  constructor(
    readonly kind: 'MissingVersion' | 'DivergentVersion' | 'Corrupt',
    message: string,
  ) {
    super(`${kind}: ${message}`);
  }
}

/** RFC 3339 as the `time` crate parses it (refinery's reader unwraps the parse). */
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;

/**
 * `migrations::runner().run(conn)` with refinery's defaults (abort_divergent, abort_missing,
 * not grouped), as nocodo-api's `initialize_database` runs it: verifies every applied row
 * against the embedded migrations, then applies the pending ones, each with its history row.
 * Resolves to the versions applied; throws `RefineryError`, or the SQL error of a migration
 * that fails (a table that already exists).
 */
export function refineryRun(
  db: Database.Database,
  migrations: readonly NocodoMigration[] = NOCODO_MIGRATIONS,
): number[] {
  db.exec(`CREATE TABLE IF NOT EXISTS refinery_schema_history(
             version int4 PRIMARY KEY,
             name VARCHAR(255),
             applied_on VARCHAR(255),
             checksum VARCHAR(255));`);
  const applied = db
    .prepare(
      `SELECT version, name, applied_on, checksum, typeof(version) AS tv, typeof(name) AS tn,
         typeof(applied_on) AS ta, typeof(checksum) AS tc
       FROM refinery_schema_history ORDER BY version ASC`,
    )
    .all() as {
    version: number;
    name: string;
    applied_on: string;
    checksum: string;
    tv: string;
    tn: string;
    ta: string;
    tc: string;
  }[];
  for (const app of applied) {
    // rusqlite: version as i32, the rest as String; then applied_on parsed, checksum as u64.
    if (app.tv !== 'integer' || app.tn !== 'text' || app.ta !== 'text' || app.tc !== 'text')
      throw new RefineryError(
        'Corrupt',
        `row V${app.version} has types ${app.tv}/${app.tn}/${app.ta}/${app.tc}`,
      );
    if (!RFC3339.test(app.applied_on))
      throw new RefineryError('Corrupt', `applied_on ${app.applied_on} is not RFC 3339`);
    if (!/^\d{1,20}$/.test(app.checksum) || BigInt(app.checksum) > 2n ** 64n - 1n)
      throw new RefineryError('Corrupt', `checksum ${app.checksum} is not a u64`);
    const local = migrations.find((m) => m.version === app.version);
    if (local === undefined)
      throw new RefineryError('MissingVersion', `V${app.version} is applied but not embedded`);
    if (local.name !== app.name || REFINERY_CHECKSUMS[local.version] !== app.checksum)
      throw new RefineryError('DivergentVersion', `V${app.version} ${app.name} ${app.checksum}`);
  }
  const current = applied.at(-1)?.version ?? -1;
  const pending: NocodoMigration[] = [];
  for (const m of migrations) {
    if (applied.some((a) => a.version === m.version)) continue;
    if (current >= m.version)
      throw new RefineryError('MissingVersion', `V${m.version} is missing below V${current}`);
    pending.push(m);
  }
  for (const m of pending) {
    db.exec(m.sql);
    db.prepare(
      `INSERT INTO refinery_schema_history (version, name, applied_on, checksum) VALUES (${m.version}, '${m.name}', '${new Date().toISOString()}', '${REFINERY_CHECKSUMS[m.version]}')`,
    ).run();
  }
  return pending.map((m) => m.version);
}

type Statement = { file: string; commit: string; function: string; sql: string };
const STATEMENTS = JSON.parse(readFileSync(join(FIXTURES, 'statements.json'), 'utf8')) as Record<
  string,
  Statement
>;

/** rusqlite's types for a column: `i64` (INTEGER), `String` (TEXT), and their `Option`s. */
type RustType = 'i64' | 'i64?' | 'String' | 'String?';

/** `chrono::Utc::now().timestamp()`: Unix seconds. */
export const nocodoNow = () => Math.floor(Date.now() / 1000);

/**
 * nocodo's storage over a better-sqlite3 connection, each method one of its statements
 * (statements.json names the Rust function). Reads check rusqlite's types column by column.
 */
export class Nocodo {
  constructor(readonly db: Database.Database) {
    db.pragma('foreign_keys = ON'); // as nocodo opens its connection
  }

  #params(args: unknown[]): Record<number, unknown> {
    return Object.fromEntries(args.map((a, i) => [i + 1, a]));
  }

  run(name: string, ...args: unknown[]): Database.RunResult {
    return this.db.prepare((STATEMENTS[name] as Statement).sql).run(this.#params(args));
  }

  all<T>(name: string, ...args: unknown[]): T[] {
    return this.db.prepare((STATEMENTS[name] as Statement).sql).all(this.#params(args)) as T[];
  }

  /** Fails unless every column of `table`'s row `id` holds what rusqlite reads it as. */
  strict(table: string, id: number, types: Record<string, RustType>): void {
    const columns = Object.keys(types);
    const row = this.db
      .prepare(`SELECT ${columns.map((c) => `typeof(${c}) AS ${c}`).join(', ')} FROM ${table} WHERE id = ?`)
      .get(id) as Record<string, string>;
    for (const c of columns) {
      const want = types[c] as RustType;
      const ok =
        (want.startsWith('i64') && row[c] === 'integer') ||
        (want.startsWith('String') && row[c] === 'text') ||
        (want.endsWith('?') && row[c] === 'null');
      if (!ok)
        throw new Error(`rusqlite reads ${table}.${c} of row ${id} as ${want}, but it holds ${row[c]}`);
    }
  }

  createSession(s: {
    agentName: string;
    provider: string;
    model: string;
    systemPrompt?: string | null;
    userPrompt: string;
    config: unknown;
    status?: string;
    startedAt?: number;
  }): number {
    const r = this.run(
      'api.createSession',
      s.agentName,
      s.provider,
      s.model,
      s.systemPrompt ?? null,
      s.userPrompt,
      JSON.stringify(s.config), // serde_json::to_string(&session.config)
      s.status ?? 'running',
      s.startedAt ?? nocodoNow(),
    );
    return Number(r.lastInsertRowid);
  }

  getSession(id: number) {
    const [row] = this.all<Record<string, unknown>>('api.getSession', id);
    if (row === undefined) return undefined;
    this.strict('agent_sessions', id, {
      id: 'i64',
      agent_name: 'String',
      provider: 'String',
      model: 'String',
      system_prompt: 'String?',
      user_prompt: 'String',
      config: 'String', // read as a String and parsed: NULL would fail
      status: 'String',
      started_at: 'i64',
      ended_at: 'i64?',
      result: 'String?',
      error: 'String?',
    });
    return { ...row, config: JSON.parse(row.config as string) as unknown };
  }

  updateSession(
    id: number,
    u: { status: string; endedAt: number | null; result: string | null; error: string | null },
  ) {
    this.run('api.updateSession', u.status, u.endedAt, u.result, u.error, id);
  }

  createMessage(sessionId: number, role: string, content: string, createdAt = nocodoNow()): number {
    return Number(this.run('api.createMessage', sessionId, role, content, createdAt).lastInsertRowid);
  }

  getMessages(sessionId: number) {
    const rows = this.all<{ id: number }>('api.getMessages', sessionId);
    for (const r of rows)
      this.strict('agent_messages', r.id, {
        id: 'i64',
        session_id: 'i64',
        role: 'String',
        content: 'String',
        created_at: 'i64',
      });
    return rows;
  }

  createToolCall(c: {
    sessionId: number;
    messageId: number | null;
    toolCallId: string;
    toolName: string;
    request: unknown;
    status?: string;
    createdAt?: number;
  }): number {
    const r = this.run(
      'api.createToolCall',
      c.sessionId,
      c.messageId,
      c.toolCallId,
      c.toolName,
      JSON.stringify(c.request),
      c.status ?? 'pending',
      c.createdAt ?? nocodoNow(),
    );
    return Number(r.lastInsertRowid);
  }

  updateToolCall(
    id: number,
    u: {
      status: string;
      response: unknown;
      executionTimeMs: number | null;
      completedAt: number | null;
      errorDetails: string | null;
    },
  ) {
    this.run(
      'api.updateToolCall',
      u.status,
      u.response === undefined || u.response === null ? null : JSON.stringify(u.response),
      u.executionTimeMs,
      u.completedAt,
      u.errorDetails,
      id,
    );
  }

  #checkCalls(rows: { id: number }[]) {
    for (const r of rows) {
      this.strict('agent_tool_calls', r.id, {
        id: 'i64',
        session_id: 'i64',
        message_id: 'i64?',
        tool_call_id: 'String',
        tool_name: 'String',
        request: 'String',
        response: 'String?',
        status: 'String',
        execution_time_ms: 'i64?',
        created_at: 'i64',
        completed_at: 'i64?',
        error_details: 'String?',
      });
    }
    return rows.map((r) => {
      const row = r as Record<string, unknown>;
      return {
        ...row,
        request: JSON.parse(row.request as string) as unknown,
        response: row.response === null ? null : (JSON.parse(row.response as string) as unknown),
      };
    });
  }

  getToolCalls(sessionId: number) {
    return this.#checkCalls(this.all<{ id: number }>('api.getToolCalls', sessionId));
  }

  getPendingToolCalls(sessionId: number) {
    return this.#checkCalls(this.all<{ id: number }>('api.getPendingToolCalls', sessionId));
  }

  createQuestion(
    sessionId: number,
    q: {
      toolCallId: number | null;
      questionId: string;
      question: string;
      description?: string | null;
      responseType?: string;
      createdAt?: number;
    },
  ): number {
    const r = this.run(
      'agents.createQuestion',
      sessionId,
      q.toolCallId,
      q.questionId,
      q.question,
      q.description ?? null,
      q.responseType ?? 'text',
      q.createdAt ?? nocodoNow(),
    );
    return Number(r.lastInsertRowid);
  }

  pendingQuestions(sessionId: number) {
    return this.all<{ question_id: string }>('agents.pendingQuestions', sessionId);
  }

  answeredQuestions(sessionId: number) {
    return this.all<{ question_id: string; answer: string }>('api.answeredQuestions', sessionId);
  }

  answerQuestion(sessionId: number, questionId: string, answer: string, answeredAt = nocodoNow()) {
    return this.run('agents.answerQuestion', answer, answeredAt, sessionId, questionId).changes;
  }

  createSetting(
    sessionId: number,
    s: {
      toolCallId: number | null;
      settingKey: string;
      settingName: string;
      description?: string | null;
      settingType?: string;
      createdAt?: number;
    },
  ): number {
    const r = this.run(
      'agents.createSetting',
      sessionId,
      s.toolCallId,
      s.settingKey,
      s.settingName,
      s.description ?? null,
      s.settingType ?? 'text',
      s.createdAt ?? nocodoNow(),
    );
    return Number(r.lastInsertRowid);
  }

  setSettingValue(sessionId: number, key: string, value: string, updatedAt = nocodoNow()) {
    return this.run('agents.setSettingValue', value, updatedAt, sessionId, key).changes;
  }

  getSettings(sessionId: number) {
    const rows = this.all<{ id: number }>('agents.getSettings', sessionId);
    for (const r of rows) {
      this.strict('project_settings', r.id, {
        id: 'i64',
        session_id: 'i64',
        tool_call_id: 'i64?',
        setting_key: 'String',
        setting_name: 'String',
        description: 'String?',
        setting_type: 'String',
        setting_value: 'String?',
        created_at: 'i64',
        updated_at: 'i64?',
      });
    }
    return rows;
  }

  /** nocodo-api's session list: `ORDER BY started_at DESC LIMIT 50`. */
  listSessions() {
    return this.all<{ id: number; agent_name: string; started_at: number }>('api.listSessions');
  }
}
