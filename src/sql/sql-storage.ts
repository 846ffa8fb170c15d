import { AgentStorageError } from '../contract/errors.js';
import type { EngineOptions } from '../core/engine.js';
import { StorageEngine } from '../core/engine.js';
import type { SqlDialect } from './dialect.js';
import type { SqlExecutor } from './executor.js';
import {
  type MigrationStatus,
  type MigrationStep,
  type MigrationTarget,
  type MigratorConfig,
  migrateDown,
  migrateTo,
  migrateUp,
  migrationPlan,
  migrationStatus,
} from './migrator.js';
import { SqlPort } from './sql-port.js';

export interface SqlAgentStorageConfig extends EngineOptions {
  /** Name shown in errors and reports (`sqlite`, `libsql`, `postgres`, ...). */
  adapter: string;
  executor: SqlExecutor;
  dialect: SqlDialect;
  /** Whether data outlives `close()` (false for in-memory databases). */
  persistent: boolean;
  /**
   * Reads only (`openStore(url, {}, { readOnly: true })`): every statement that could write
   * (`run`, `exec`, a transaction) is refused with `NOT_SUPPORTED` before it reaches the
   * database, so `migrationStatus()` and `planMigration()` work and nothing else changes it.
   * The driver adds what its database offers (a read-only SQLite connection, `query_only`).
   */
  readOnly?: boolean | undefined;
}

/** A query that only reads: a SELECT (or WITH) with no INSERT, UPDATE or DELETE in it. */
const READS = /^\s*(SELECT|WITH)\b/i;
const WRITES = /\b(INSERT|UPDATE|DELETE)\b/i;

/** `executor` with every statement but a plain query refused: the store was opened to read. */
function readOnlyExecutor(executor: SqlExecutor, adapter: string): SqlExecutor {
  const refuse = () =>
    Promise.reject(
      new AgentStorageError('NOT_SUPPORTED', 'this store was opened read-only; it writes nothing', {
        adapter,
      }),
    );
  const reads = (sql: string) => READS.test(sql) && !WRITES.test(sql);
  return {
    get: (sql, params) => (reads(sql) ? executor.get(sql, params) : refuse()),
    all: (sql, params) => (reads(sql) ? executor.all(sql, params) : refuse()),
    run: refuse,
    exec: refuse,
    transaction: refuse,
    close: () => executor.close(),
  };
}

/**
 * The contract over a SQL database: the engine on a `SqlPort`, plus the schema's
 * migrations. Every SQL adapter is one of these over its driver's executor; it adds no
 * behaviour of its own.
 */
export class SqlAgentStorage extends StorageEngine {
  readonly #migrator: MigratorConfig;

  constructor(config: SqlAgentStorageConfig) {
    const executor = config.readOnly ? readOnlyExecutor(config.executor, config.adapter) : config.executor;
    super(new SqlPort(executor, config.dialect, config), config);
    this.#migrator = {
      adapter: config.adapter,
      executor,
      dialect: config.dialect,
      ...(config.clock === undefined ? {} : { clock: config.clock }),
    };
  }

  /** The executor, for tests and tools that must reach the database directly. */
  get executor(): SqlExecutor {
    return this.#migrator.executor;
  }

  get dialect(): SqlDialect {
    return this.#migrator.dialect;
  }

  /** Applies pending migrations (see `docs/migrations.md`); resolves to the names applied. */
  migrate(): Promise<string[]> {
    return this.track(() => migrateUp(this.#migrator));
  }

  /**
   * Takes the schema to `to`: a migration's name (or number, `'0005'`), which is then the
   * newest applied, reverting later ones and applying missing earlier ones; `0`: every
   * migration reverted; none: every migration applied. Resolves to the steps taken.
   */
  migrateTo(to?: MigrationTarget): Promise<MigrationStep[]> {
    return this.track(() => migrateTo(this.#migrator, to));
  }

  /** The steps `migrateTo(to)` would take now, each with its SQL, without taking them. Writes nothing. */
  planMigration(to?: MigrationTarget): Promise<MigrationStep[]> {
    return this.track(() => migrationPlan(this.#migrator, to));
  }

  /** Reverts migrations down to and including `to` (default: all). For tests and rollbacks. */
  migrateDown(to: MigrationTarget = 0): Promise<string[]> {
    return this.track(() => migrateDown(this.#migrator, to));
  }

  /** Applied and pending migrations; rejects with `MIGRATION` for an edited or unknown one. Writes nothing. */
  migrationStatus(): Promise<MigrationStatus> {
    return this.track(() => migrationStatus(this.#migrator));
  }
}
