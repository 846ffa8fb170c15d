import type { AgentStorageError } from '../contract/errors.js';
import type { MessageRecord } from '../contract/validation.js';
import type { SqlValue } from './executor.js';
import type { SqlSyntax } from './statements.js';

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
   * Our migration name → the origin's version and name, and the table it creates (whose
   * columns must be those of the schema the origin made: `nocodoColumns`). Our file holds
   * the origin's SQL byte for byte.
   */
  readonly migrations: Readonly<Record<string, { version: number; name: string; table: string }>>;
}

/**
 * What differs between SQL dialects, one object per dialect (`src/dialects/*.ts`): how SQL
 * is written (`syntax`), the one statement that really differs (a batch of messages), how
 * the driver's errors map to the contract's codes, and the migration runner's statements.
 * Everything else is generated from the schema (`src/sql/statements.ts`).
 */
export interface SqlDialect {
  /** `sqlite` or `postgres`: names the migration folder. */
  readonly name: string;
  readonly syntax: SqlSyntax;
  /**
   * The statements that insert a batch's messages, run in order in one transaction; each
   * returns `{ id }` rows, in any order (ids grow in input order). A missing session fails
   * as a foreign-key error (mapped to NOT_FOUND).
   */
  insertMessages(rows: readonly MessageRecord[]): { sql: string; params: SqlValue[] }[];
  /** Maps a driver's error to the contract's (`SQLITE_CONSTRAINT_*`, SQLSTATE 23505, lost connections, ...). */
  mapError(adapter: string, error: unknown): AgentStorageError;
  /**
   * For the conformance suite's raw writes: a script that lets the next write break a
   * column's constraint or type, as another program might have (`null`: nothing to lift),
   * and one that restores the check where the dialect can (SQLite's pragma is per connection).
   */
  readonly loosen: {
    readonly column: (table: string, column: string) => string | null;
    readonly after: string | null;
  };
  /** How to adopt a database another program created with the same tables. */
  readonly adoption?: AdoptionSpec;
  /** Statements of the migration runner (`src/sql/migrator.ts`). */
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
