import type { EngineOptions } from '../core/engine.js';
import { StorageEngine } from '../core/engine.js';
import type { SqlDialect } from './dialect.js';
import type { SqlExecutor } from './executor.js';
import {
  type MigrationStatus,
  type MigratorConfig,
  migrateDown,
  migrateUp,
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
}

/**
 * The contract over a SQL database: the engine on a `SqlPort`, plus the schema's
 * migrations. Every SQL adapter is one of these over its driver's executor; it adds no
 * behaviour of its own.
 */
export class SqlAgentStorage extends StorageEngine {
  readonly #migrator: MigratorConfig;

  constructor(config: SqlAgentStorageConfig) {
    super(new SqlPort(config.executor, config.dialect, config), config);
    this.#migrator = {
      adapter: config.adapter,
      executor: config.executor,
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
  async migrate(): Promise<string[]> {
    return migrateUp(this.#migrator);
  }

  /** Reverts migrations down to and including `to` (default: all). For tests and rollbacks. */
  async migrateDown(to: string | 0 = 0): Promise<string[]> {
    return migrateDown(this.#migrator, to);
  }

  /** Applied and pending migrations; rejects with `MIGRATION` for an edited or unknown one. Writes nothing. */
  async migrationStatus(): Promise<MigrationStatus> {
    return migrationStatus(this.#migrator);
  }
}
