import { closeSync, existsSync, openSync, readSync } from 'node:fs';
import { AgentStorageError, type ErrorCode } from '../contract/errors.js';
import { redactError, redactSecrets } from '../contract/redact.js';
import type { StorageOptions } from '../contract/storage.js';
import type { MessageRecord } from '../contract/validation.js';
import { NotUtf8 } from '../core/rows.js';
import type { SqlDialect } from '../sql/dialect.js';
import type { SqlValue } from '../sql/executor.js';
import { MIGRATION_LOG } from '../sql/migrator.js';
import { REFINERY_HISTORY_DDL, refineryAppliedOn, refineryChecksum } from '../sql/refinery-history.js';

/**
 * Batches insert with multi-row VALUES, at most `BATCH_CHUNK` rows a statement: in
 * better-sqlite3 this is a third faster per row than binding one JSON document and
 * unpacking it with json_each, and 500 parameters stay far below SQLite's limit (32,766).
 * Each row count has its own statement text, so a driver caches at most `BATCH_CHUNK` of them.
 */
const BATCH_CHUNK = 100;
const batchSql = new Map<number, string>();
function insertMessagesSql(rows: number): string {
  let sql = batchSql.get(rows);
  if (sql === undefined) {
    sql = `INSERT INTO agent_messages (session_id, role, content, created_at, client_key)
      VALUES ${Array.from({ length: rows }, () => '(?, ?, ?, ?, ?)').join(', ')}
      RETURNING CAST(id AS TEXT) AS id`;
    batchSql.set(rows, sql);
  }
  return sql;
}

function insertMessages(rows: readonly MessageRecord[]): { sql: string; params: SqlValue[] }[] {
  const out: { sql: string; params: SqlValue[] }[] = [];
  for (let at = 0; at < rows.length; at += BATCH_CHUNK) {
    const chunk = rows.slice(at, at + BATCH_CHUNK);
    const params: SqlValue[] = [];
    for (const r of chunk) params.push(r.sessionId, r.role, r.content, r.createdAt, r.clientKey);
    out.push({ sql: insertMessagesSql(chunk.length), params });
  }
  return out;
}

/**
 * Maps a SQLite result code (`SQLITE_CONSTRAINT_FOREIGNKEY`, `SQLITE_BUSY`, ...) to the
 * contract's error codes; every SQLite driver funnels its errors through here.
 */
export function sqliteErrorCode(code: string | undefined): ErrorCode {
  if (code === undefined) return 'UNAVAILABLE';
  if (code.startsWith('SQLITE_CONSTRAINT_FOREIGNKEY')) return 'NOT_FOUND';
  if (code.startsWith('SQLITE_CONSTRAINT_UNIQUE') || code.startsWith('SQLITE_CONSTRAINT_PRIMARYKEY'))
    return 'CONFLICT';
  if (code.startsWith('SQLITE_CONSTRAINT')) return 'INVALID_INPUT';
  if (code.startsWith('SQLITE_CORRUPT') || code.startsWith('SQLITE_NOTADB')) return 'CORRUPT_DATA';
  // BUSY, LOCKED, IOERR, FULL, READONLY, CANTOPEN, ...: the database cannot serve the call now.
  return 'UNAVAILABLE';
}

function mapSqliteError(adapter: string, error: unknown): AgentStorageError {
  if (error instanceof AgentStorageError) return error;
  // better-sqlite3 puts the extended code in `code`; libsql puts it in `extendedCode`.
  const { code, extendedCode } = (error ?? {}) as { code?: unknown; extendedCode?: unknown };
  const text = typeof extendedCode === 'string' ? extendedCode : typeof code === 'string' ? code : undefined;
  // A driver's message may quote the URL it was given (libsql: `https://user:token@…`).
  redactError(error);
  const message = redactSecrets(error instanceof Error ? error.message : String(error));
  return new AgentStorageError(sqliteErrorCode(text), `${text ?? 'error'}: ${message}`, {
    adapter,
    cause: error,
  });
}

/**
 * SQLite, for every SQLite driver (better-sqlite3, libsql, a third party's). Ids are
 * selected as text so that 64-bit ids survive JavaScript numbers; id parameters arrive as
 * decimal text and INTEGER affinity turns them back into integers (indexes still apply).
 */
export const sqliteDialect: SqlDialect = {
  name: 'sqlite',
  syntax: {
    param: () => '?',
    table: (name) => name,
    idText: (column) => `CAST(${column} AS TEXT)`,
    numbered: false,
  },
  insertMessages,
  mapError: mapSqliteError,
  loosen: {
    column: () => 'PRAGMA ignore_check_constraints = ON',
    after: 'PRAGMA ignore_check_constraints = OFF',
  },
  // Databases nocodo created (with or without refinery's history table) are adopted, and
  // refinery's history is kept in step: our first five migrations are its V1-V5, byte for byte.
  adoption: {
    origin: 'nocodo',
    columns: 'SELECT name FROM pragma_table_info(?)',
    hasHistory: `SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'refinery_schema_history'`,
    history: 'SELECT version FROM refinery_schema_history ORDER BY version',
    createHistory: REFINERY_HISTORY_DDL,
    insertHistory:
      'INSERT INTO refinery_schema_history (version, name, applied_on, checksum) VALUES (?, ?, ?, ?)',
    deleteHistory: 'DELETE FROM refinery_schema_history WHERE version = ?',
    dropHistory: 'DROP TABLE refinery_schema_history',
    record: (name, version, sql, at) => ({
      checksum: refineryChecksum(name, version, sql),
      appliedOn: refineryAppliedOn(at),
    }),
    migrations: {
      '0001_create_agent_sessions': { version: 1, name: 'create_agent_sessions', table: 'agent_sessions' },
      '0002_create_agent_messages': { version: 2, name: 'create_agent_messages', table: 'agent_messages' },
      '0003_create_agent_tool_calls': {
        version: 3,
        name: 'create_agent_tool_calls',
        table: 'agent_tool_calls',
      },
      '0004_create_project_requirements_qna': {
        version: 4,
        name: 'create_project_requirements_qna',
        table: 'project_requirements_qna',
      },
      '0005_create_project_settings': {
        version: 5,
        name: 'create_project_settings',
        table: 'project_settings',
      },
    },
  },
  migrationSql: {
    // Migrations run in a BEGIN IMMEDIATE transaction, which already holds the write lock.
    lock: null,
    hasLog: `SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = '${MIGRATION_LOG}'`,
    createLog: `CREATE TABLE IF NOT EXISTS ${MIGRATION_LOG} (
      name TEXT PRIMARY KEY, checksum TEXT NOT NULL, applied_at INTEGER NOT NULL)`,
    selectLog: `SELECT name, checksum FROM ${MIGRATION_LOG} ORDER BY name`,
    insertLog: `INSERT INTO ${MIGRATION_LOG} (name, checksum, applied_at) VALUES (?, ?, ?)`,
    updateLog: `UPDATE ${MIGRATION_LOG} SET checksum = ? WHERE name = ?`,
    deleteLog: `DELETE FROM ${MIGRATION_LOG} WHERE name = ?`,
  },
};

/**
 * A column selected so that the driver is handed text as its UTF-8 bytes, a blob as its bytes
 * after a 0xFF byte (which never starts UTF-8, so the two stay apart), anything else as stored.
 */
const asBytes = (column: string) =>
  `CASE typeof(${column}) WHEN 'text' THEN CAST(${column} AS BLOB) WHEN 'blob' THEN CAST(X'FF' || ${column} AS BLOB) ELSE ${column} END`;

/**
 * SQLite for a driver that must not be handed stored text: @libsql/client 0.18 decodes text
 * itself, aborting the whole process (a Rust panic) on bytes that are not UTF-8 and cutting
 * text at U+0000. Every column a row is read from comes as `asBytes` (ids as text when they
 * are integers, as they always are unless another program wrote otherwise), and the driver
 * turns bytes back into values with `readBytes`. The statements' other SQL is the dialect's.
 */
export const bytesDialect: SqlDialect = {
  ...sqliteDialect,
  syntax: {
    ...sqliteDialect.syntax,
    idText: (column) =>
      `CASE typeof(${column}) WHEN 'integer' THEN CAST(${column} AS TEXT) ELSE ${asBytes(column)} END`,
    insertedId: sqliteDialect.syntax.idText('id'),
    // A value the contract knows for an enum column is text the driver can take as it is.
    valueOut: (column, spec) =>
      spec.values
        ? `CASE WHEN ${column} IN (${spec.values.map((v) => `'${v.replaceAll("'", "''")}'`).join(', ')}) THEN ${column} ELSE ${asBytes(column)} END`
        : asBytes(column),
  },
};

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * A value `bytesDialect` selected as bytes, read back: the text they encode, the blob after a
 * leading 0xFF, or `NotUtf8` for text that is not UTF-8 (which the row decoder reports as
 * CORRUPT_DATA). Such text that happens to start with 0xFF reads as a blob: corrupt either way.
 */
export function readBytes(value: ArrayBuffer): string | Uint8Array | NotUtf8 {
  const bytes = new Uint8Array(value);
  if (bytes[0] === 0xff) return bytes.subarray(1);
  try {
    return utf8.decode(bytes);
  } catch {
    return new NotUtf8(bytes.length);
  }
}

/**
 * What an acknowledged write survives, one setting for every SQLite adapter (WAL mode):
 * `normal` — a process crash (kill -9): the commit is in the WAL before the call
 * resolves; an OS crash or power loss may undo the last commits (`synchronous=NORMAL`).
 * `full` — also an OS crash or power loss: every commit waits for an fsync
 * (`synchronous=FULL`).
 */
export type Durability = 'normal' | 'full';
export const DEFAULT_DURABILITY: Durability = 'normal';
export const SYNCHRONOUS: Record<Durability, 'NORMAL' | 'FULL'> = { normal: 'NORMAL', full: 'FULL' };
/** How long a writer waits for another connection's lock before `UNAVAILABLE`. */
export const DEFAULT_BUSY_TIMEOUT_MS = 5000;

/** The options every SQLite adapter takes for a database file (URL: `?busyTimeoutMs=`, `?durability=`). */
export interface SqliteFileOptions extends StorageOptions {
  /** How long a writer waits for another connection's lock before `UNAVAILABLE`. Default 5000 ms. */
  busyTimeoutMs?: number | undefined;
  /**
   * What an acknowledged write survives (see `Durability` and docs/adapters/sqlite.md).
   * Default `normal`: a process crash; `full`: also an OS crash or power loss, at an fsync per commit.
   */
  durability?: Durability | undefined;
  /**
   * Reads only (`openStore(url, {}, { readOnly: true })`): the file must exist, and no file
   * setup runs (the journal mode stays as it is); writes are refused.
   */
  readOnly?: boolean | undefined;
}

/**
 * What every connection to a database file runs first: WAL, then `synchronous` set
 * explicitly (a connection that switches to WAL keeps FULL otherwise).
 */
export function fileSetup(options: SqliteFileOptions): string[] {
  return [
    'PRAGMA journal_mode = WAL',
    `PRAGMA synchronous = ${SYNCHRONOUS[options.durability ?? DEFAULT_DURABILITY]}`,
  ];
}

/**
 * Whether `path` is a WAL database at rest: WAL mode in its header, and no `-wal` file (it was
 * closed cleanly and no connection has it open). A read-only connection to one creates the
 * `-wal` and `-shm` files and cannot remove them; a read-write connection kept from writing
 * (`PRAGMA query_only`) removes them on close, and finds nothing to recover or checkpoint.
 */
export function walAtRest(path: string): boolean {
  if (existsSync(`${path}-wal`)) return false;
  const header = Buffer.alloc(20);
  const fd = openSync(path, 'r');
  try {
    readSync(fd, header, 0, header.length, 0);
  } finally {
    closeSync(fd);
  }
  // Bytes 18 and 19: the file format's write and read versions, 2 in WAL mode.
  return header[18] === 2 && header[19] === 2;
}
