import { AgentStorageError, type ErrorCode } from '../contract/errors.js';
import { redactError, redactSecrets } from '../contract/redact.js';
import type { ColumnType } from '../core/schema.js';
import type { SqlDialect } from '../sql/dialect.js';
import { MIGRATION_LOG } from '../sql/migrator.js';

/** Schema names are interpolated into SQL, so only plain identifiers are accepted. */
const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

export function checkSchemaName(adapter: string, schema: string): string {
  if (!IDENTIFIER.test(schema)) {
    throw new AgentStorageError(
      'INVALID_INPUT',
      `schema must be a plain identifier ([A-Za-z_][A-Za-z0-9_]*), got ${JSON.stringify(schema)}`,
      {
        adapter,
        field: 'schema',
      },
    );
  }
  return schema;
}

/**
 * Postgres' SQL for the kit's schema inside `schema`. Every table name is qualified, so
 * a pooled connection's search_path never matters; parameters carry explicit casts
 * because INSERT ... SELECT gives Postgres nothing to infer their types from. Ids and
 * JSON come back as text (`::text`, and the executor's type parsers) so the shared
 * decoder sees exactly what SQLite returns.
 */
export function postgresDialect(schema = 'public', options: PostgresDialectOptions = {}): SqlDialect {
  const s = `"${schema}"`;
  const log = `${s}.${MIGRATION_LOG}`;
  const insertMessages = `INSERT INTO ${s}.agent_messages (session_id, role, content, created_at, client_key)
    SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::bigint[], $5::text[])
    RETURNING id::text AS id`;
  return {
    name: 'postgres',
    syntax: {
      param: (index, type) => `$${index}::${PG_TYPES[type]}`,
      table: (name) => `${s}.${name}`,
      idText: (column) => `${column}::text`,
      numbered: true,
      lockRows: ' FOR NO KEY UPDATE',
      textOut: options.textAsBytes ? (column) => `convert_to(${column}, 'UTF8')` : undefined,
    },
    // One array per column: one statement and five bound values for any batch size.
    insertMessages: (rows) => [
      {
        sql: insertMessages,
        params: [
          rows.map((r) => r.sessionId),
          rows.map((r) => r.role),
          rows.map((r) => r.content),
          rows.map((r) => r.createdAt),
          rows.map((r) => r.clientKey),
        ],
      },
    ],
    mapError: mapPgError,
    // Another program that writes statuses the contract does not know has dropped the CHECK;
    // one that writes broken JSON has made the column text.
    loosen: {
      column: (
        table,
        column,
      ) => `ALTER TABLE ${table} DROP CONSTRAINT IF EXISTS ${table.split('.').pop()}_${column}_check;
        ALTER TABLE ${table} ALTER COLUMN ${column} TYPE text`,
      after: null,
    },
    migrationSql: {
      // One advisory lock per schema, held to the end of the migration transaction: concurrent
      // migrators queue here. The schema is created under the lock, and search_path is set for
      // this transaction only so that the migration files can use unqualified names.
      lock: `SELECT pg_advisory_xact_lock(hashtext('agent-storage-kit'), hashtext('${schema}'));
        CREATE SCHEMA IF NOT EXISTS ${s};
        SET LOCAL search_path TO ${s};`,
      hasLog: `SELECT 1 FROM information_schema.tables WHERE table_schema = '${schema}' AND table_name = '${MIGRATION_LOG}'`,
      createLog: `CREATE TABLE IF NOT EXISTS ${log} (
        name TEXT PRIMARY KEY, checksum TEXT NOT NULL, applied_at BIGINT NOT NULL)`,
      selectLog: `SELECT name, checksum FROM ${log} ORDER BY name`,
      insertLog: `INSERT INTO ${log} (name, checksum, applied_at) VALUES ($1, $2, $3)`,
      updateLog: `UPDATE ${log} SET checksum = $1 WHERE name = $2`,
      deleteLog: `DELETE FROM ${log} WHERE name = $1`,
    },
  };
}

export interface PostgresDialectOptions {
  /**
   * Select text columns as their UTF-8 bytes (`bytea`), for a driver whose text decoding
   * changes some strings (PGlite 0.5 drops a leading U+FEFF); the driver decodes them with
   * `readBytesAsText`.
   */
  textAsBytes?: boolean;
}

const utf8 = new TextDecoder('utf-8', { ignoreBOM: true });

/** A `bytea` in Postgres' hex text form (`\x…`) → the UTF-8 text it holds, every character kept. */
export function readBytesAsText(hex: string): string {
  const bytes = new Uint8Array((hex.length - 2) >> 1);
  for (let i = 0; i < bytes.length; i++) bytes[i] = Number.parseInt(hex.slice(2 + 2 * i, 4 + 2 * i), 16);
  return utf8.decode(bytes);
}

/** int8 as read: a number when it is a safe integer, else the exact text (which the decoder reports as CORRUPT_DATA). */
export function readInt8(value: string): number | string {
  const n = Number(value);
  return Number.isSafeInteger(n) ? n : value;
}

/** The Postgres type of a parameter for each schema column type (JSON is bound as its text). */
const PG_TYPES: Record<ColumnType, string> = {
  id: 'bigint',
  integer: 'bigint',
  text: 'text',
  enum: 'text',
  json: 'json',
};

/** SQLSTATE classes and codes → the contract's codes. https://www.postgresql.org/docs/current/errcodes-appendix.html */
export function postgresErrorCode(sqlstate: string | undefined): ErrorCode {
  if (sqlstate === undefined) return 'UNAVAILABLE'; // network errors (ECONNREFUSED, terminated connections)
  if (sqlstate === '23503') return 'NOT_FOUND'; // foreign_key_violation: the parent went away
  if (sqlstate === '23505') return 'CONFLICT'; // unique_violation
  if (sqlstate.startsWith('23') || sqlstate.startsWith('22')) return 'INVALID_INPUT'; // integrity / data exception
  if (sqlstate === 'XX001' || sqlstate === 'XX002') return 'CORRUPT_DATA'; // data_corrupted, index_corrupted
  // 08 connection, 40 serialization/deadlock, 53 resources, 57 operator intervention, ...
  return 'UNAVAILABLE';
}

function mapPgError(adapter: string, error: unknown): AgentStorageError {
  if (error instanceof AgentStorageError) return error;
  const code = (error as { code?: unknown })?.code;
  const sqlstate = typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? code : undefined;
  redactError(error);
  const message = redactSecrets(error instanceof Error ? error.message : String(error));
  return new AgentStorageError(
    postgresErrorCode(sqlstate),
    `${typeof code === 'string' ? code : 'error'}: ${message}`,
    {
      adapter,
      cause: error,
    },
  );
}
