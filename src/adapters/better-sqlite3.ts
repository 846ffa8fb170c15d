import { resolve } from 'node:path';
import Database from 'better-sqlite3';
import { gateFor } from '../core/gate.js';
import {
  DEFAULT_BUSY_TIMEOUT_MS,
  fileSetup,
  type SqliteFileOptions,
  SYNCHRONOUS,
  sqliteDialect,
  walAtRest,
} from '../dialects/sqlite.js';
import { type Driver, driverExecutor, type SqlValue } from '../sql/executor.js';
import { SqlAgentStorage } from '../sql/sql-storage.js';

export type SqliteOptions = SqliteFileOptions;
const ADAPTER = 'sqlite';

/** One better-sqlite3 connection: synchronous calls, prepared statements cached by their text. */
function driver(db: Database.Database, owned: boolean): Driver {
  const cache = new Map<string, Database.Statement>();
  const prepare = (sql: string) => {
    let stmt = cache.get(sql);
    if (stmt === undefined) {
      stmt = db.prepare(sql);
      cache.set(sql, stmt);
    }
    return stmt;
  };
  const calls = {
    run: (sql: string, params: readonly SqlValue[]) => prepare(sql).run(...params).changes,
    // get() steps once and leaves the rest to the statement's reset, which ignores errors: a
    // write (INSERT … RETURNING) would commit there, unreported, and skip the WAL
    // auto-checkpoint. Writes are stepped to completion so their commit is reported.
    get: <Row>(sql: string, params: readonly SqlValue[]) => {
      const stmt = prepare(sql);
      return (stmt.readonly ? stmt.get(...params) : stmt.all(...params)[0]) as Row | undefined;
    },
    all: <Row>(sql: string, params: readonly SqlValue[]) => prepare(sql).all(...params) as Row[],
    exec: (sql: string) => void db.exec(sql),
  };
  return {
    ...calls,
    // IMMEDIATE takes the write lock now, so two writers queue on the busy timeout instead of
    // deadlocking when both try to upgrade a read lock.
    begin: () => {
      db.exec('BEGIN IMMEDIATE');
      return {
        ...calls,
        commit: () => calls.exec('COMMIT'),
        // SQLite itself rolls back a transaction it cannot continue.
        rollback: () => (db.inTransaction ? calls.exec('ROLLBACK') : undefined),
      };
    },
    close: () => {
      cache.clear();
      if (owned) db.close();
    },
  };
}

/**
 * Opens (or adopts) a connection with the settings the contract relies on: the file setup,
 * foreign keys, a busy timeout. A caller's own connection keeps the journal mode and sync
 * level its owner chose, unless durability is asked for; a read-only one, its file's.
 */
function connect(database: string | Database.Database, options: SqliteOptions): Database.Database {
  const own = typeof database === 'string';
  const file = own && database !== ':memory:' && database !== '';
  // A private in-memory database changes nothing; a WAL file at rest is left as it was only by
  // a connection that may write, kept from writing (query_only below): see walAtRest.
  const readonly = file && options.readOnly === true && !walAtRest(database);
  const fileMustExist = file && options.readOnly === true;
  const db = typeof database === 'string' ? new Database(database, { readonly, fileMustExist }) : database;
  try {
    db.pragma(`busy_timeout = ${Math.trunc(options.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS)}`);
    if (own && options.readOnly) db.pragma('query_only = ON');
    else if (own) for (const sql of fileSetup(options)) db.exec(sql);
    else if (!options.readOnly && options.durability !== undefined)
      db.pragma(`synchronous = ${SYNCHRONOUS[options.durability]}`);
    db.pragma('foreign_keys = ON');
    return db;
  } catch (e) {
    if (own) db.close();
    throw e;
  }
}

/**
 * The primary adapter: nocodo's SQLite schema through better-sqlite3. Takes a file path
 * (`':memory:'` for a private database) or an existing `Database`, which it configures but
 * never closes; give it a connection of its own (while one of the kit's transactions awaits,
 * the app's writes on that connection would land inside it). Runs no DDL: call `migrate()`
 * (or use `createStorage`, which does) before use.
 */
export class SqliteAgentStorage extends SqlAgentStorage {
  constructor(database: string | Database.Database, options: SqliteOptions = {}) {
    let db: Database.Database;
    try {
      db = connect(database, options);
    } catch (e) {
      throw sqliteDialect.mapError(ADAPTER, e);
    }
    const executor = driverExecutor(driver(db, typeof database === 'string'), {
      mapError: (e) => sqliteDialect.mapError(ADAPTER, e),
      gate: gateFor(db.memory ? undefined : resolve(db.name)),
    });
    super({ ...options, adapter: ADAPTER, dialect: sqliteDialect, persistent: !db.memory, executor });
  }
}
