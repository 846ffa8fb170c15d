import { resolve } from 'node:path';
import Database from 'better-sqlite3';
import type { StorageOptions } from '../contract/storage.js';
import type { SqlExecutor, SqlValue } from '../core/executor.js';
import { SqlAgentStorage } from '../core/sql-storage.js';
import {
  DEFAULT_BUSY_TIMEOUT_MS,
  DEFAULT_DURABILITY,
  type Durability,
  mapSqliteError,
  SYNCHRONOUS,
  sqliteDialect,
} from '../dialects/sqlite.js';

export interface SqliteOptions extends StorageOptions {
  /** How long a writer waits for another connection's lock before `UNAVAILABLE`. Default 5000 ms. */
  busyTimeoutMs?: number | undefined;
  /**
   * What an acknowledged write survives (both SQLite adapters, same default; see
   * docs/adapters/sqlite.md). `normal` (default: WAL, `synchronous=NORMAL`): a process
   * crash; the last commits may be lost to an OS crash or power loss. `full`
   * (`synchronous=FULL`): also those, at an fsync per commit. URL: `?durability=full`.
   */
  durability?: Durability | undefined;
}

const ADAPTER = 'sqlite';

/** An open transaction every call must wait for: `gate` resolves when it ends. */
interface Gate {
  gate: Promise<void> | null;
}

const fileGates = new Map<string, Gate>();

/**
 * Stores on one database file in this process share one gate. A second connection's write
 * would otherwise wait on the busy timeout synchronously, freezing the event loop that the
 * first connection's open transaction needs in order to finish. (Other processes are not
 * blocked by our event loop, so the busy timeout serves them.) In-memory databases are
 * private to their connection.
 */
function gateFor(db: Database.Database): Gate {
  if (db.memory) return { gate: null };
  const key = resolve(db.name);
  let gate = fileGates.get(key);
  if (gate === undefined) {
    gate = { gate: null };
    fileGates.set(key, gate);
  }
  return gate;
}

/**
 * A `SqlExecutor` over one better-sqlite3 connection. The driver is synchronous, so a
 * transaction that awaits would let other calls slip into it; a gate makes every call
 * wait while a transaction is open.
 */
class BetterSqlite3Executor implements SqlExecutor {
  readonly #db: Database.Database;
  readonly #owned: boolean;
  readonly #statements = new Map<string, Database.Statement>();
  readonly #shared: Gate;
  readonly #tx: SqlExecutor;

  constructor(db: Database.Database, owned: boolean) {
    this.#db = db;
    this.#owned = owned;
    this.#shared = gateFor(db);
    this.#tx = {
      run: async (sql, params) => this.#run(sql, params),
      get: async (sql, params) => this.#get(sql, params),
      all: async (sql, params) => this.#all(sql, params),
      exec: async (sql) => {
        this.#call(() => this.#db.exec(sql));
      },
      transaction: (fn) => fn(this.#tx),
      close: () => Promise.reject(new Error('close() inside a transaction')),
    };
  }

  async run(sql: string, params: readonly SqlValue[]): Promise<number> {
    while (this.#shared.gate) await this.#shared.gate;
    return this.#run(sql, params);
  }

  async get<Row>(sql: string, params: readonly SqlValue[]): Promise<Row | undefined> {
    while (this.#shared.gate) await this.#shared.gate;
    return this.#get<Row>(sql, params);
  }

  async all<Row>(sql: string, params: readonly SqlValue[]): Promise<Row[]> {
    while (this.#shared.gate) await this.#shared.gate;
    return this.#all<Row>(sql, params);
  }

  async exec(sql: string): Promise<void> {
    while (this.#shared.gate) await this.#shared.gate;
    this.#call(() => this.#db.exec(sql));
  }

  async transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    while (this.#shared.gate) await this.#shared.gate;
    let open!: () => void;
    this.#shared.gate = new Promise((resolve) => {
      open = resolve;
    });
    try {
      // IMMEDIATE takes the write lock now, so two writers queue on the busy timeout
      // instead of deadlocking when both try to upgrade a read lock.
      this.#call(() => this.#db.exec('BEGIN IMMEDIATE'));
      const result = await fn(this.#tx);
      this.#call(() => this.#db.exec('COMMIT'));
      return result;
    } catch (e) {
      // Report the error that made us roll back; a failing ROLLBACK must not replace it.
      if (this.#db.inTransaction) {
        try {
          this.#db.exec('ROLLBACK');
        } catch {
          // SQLite rolls a failed transaction back itself when it cannot continue it.
        }
      }
      throw e;
    } finally {
      this.#shared.gate = null;
      open();
    }
  }

  async close(): Promise<void> {
    while (this.#shared.gate) await this.#shared.gate;
    this.#statements.clear();
    if (this.#owned) this.#db.close();
  }

  #statement(sql: string): Database.Statement {
    let stmt = this.#statements.get(sql);
    if (stmt === undefined) {
      stmt = this.#call(() => this.#db.prepare(sql));
      this.#statements.set(sql, stmt);
    }
    return stmt;
  }

  #run(sql: string, params: readonly SqlValue[]): number {
    const stmt = this.#statement(sql);
    return this.#call(() => stmt.run(...params).changes);
  }

  #get<Row>(sql: string, params: readonly SqlValue[]): Row | undefined {
    const stmt = this.#statement(sql);
    // get() steps once and leaves the rest to the statement's reset, which ignores errors:
    // a write (INSERT … RETURNING) would commit there, unreported, and skip the WAL
    // auto-checkpoint. Writes are stepped to completion so their commit is reported.
    if (!stmt.readonly) return this.#call(() => stmt.all(...params)[0] as Row | undefined);
    return this.#call(() => stmt.get(...params) as Row | undefined);
  }

  #all<Row>(sql: string, params: readonly SqlValue[]): Row[] {
    const stmt = this.#statement(sql);
    return this.#call(() => stmt.all(...params) as Row[]);
  }

  #call<T>(fn: () => T): T {
    try {
      return fn();
    } catch (e) {
      throw mapSqliteError(ADAPTER, e);
    }
  }
}

/**
 * Opens (or adopts) a better-sqlite3 connection with the settings the contract relies
 * on: WAL then `synchronous` set explicitly (a connection that switches to WAL keeps
 * FULL otherwise), foreign keys on, a busy timeout.
 */
function connect(database: string | Database.Database, options: SqliteOptions): Database.Database {
  let db: Database.Database | undefined;
  try {
    db = typeof database === 'string' ? new Database(database) : database;
    db.pragma(`busy_timeout = ${Math.trunc(options.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS)}`);
    // A caller's own connection keeps the journal mode and sync level its owner chose,
    // unless durability is asked for explicitly.
    if (typeof database === 'string') db.pragma('journal_mode = WAL');
    if (typeof database === 'string' || options.durability !== undefined)
      db.pragma(`synchronous = ${SYNCHRONOUS[options.durability ?? DEFAULT_DURABILITY]}`);
    db.pragma('foreign_keys = ON');
    return db;
  } catch (e) {
    if (typeof database === 'string') db?.close();
    throw mapSqliteError(ADAPTER, e);
  }
}

/**
 * The primary adapter: nocodo's SQLite schema through better-sqlite3.
 *
 * Accepts a file path (`':memory:'` for a private in-memory database) or an existing
 * `Database`, which it configures (busy timeout, foreign keys) but never closes. Give it a
 * connection of its own: while one of the kit's transactions awaits (migrations,
 * batches), writes the app makes on the same connection land inside that transaction.
 * It runs no DDL: call `migrate()` (or use `createStorage`, which does) before use.
 */
export class SqliteAgentStorage extends SqlAgentStorage {
  constructor(database: string | Database.Database, options: SqliteOptions = {}) {
    const db = connect(database, options);
    super({
      adapter: ADAPTER,
      executor: new BetterSqlite3Executor(db, typeof database === 'string'),
      dialect: sqliteDialect,
      clock: options.clock,
      persistent: !db.memory,
    });
  }
}
