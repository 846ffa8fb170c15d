/**
 * `agent-storage-kit/sql`: the SQL engine, for a new SQL driver in a file of ~50 lines
 * (see docs/writing-an-adapter.md and src/adapters/pglite.ts). A driver supplies a `Driver`
 * (its calls and how to begin a transaction); `driverExecutor` turns it into the
 * `SqlExecutor` the engine runs on; `SqlAgentStorage` is the whole contract plus migrations over
 * it, in one of the two dialects.
 */

export {
  badUrl,
  checkOptions,
  type ParamParser,
  parseUrl,
  splitUrlOptions,
} from '../adapters/url-options.js';
export type { Capabilities, StorageOptions } from '../contract/storage.js';
export { type EngineOptions, StorageEngine } from '../core/engine.js';
export { Gate, gateFor } from '../core/gate.js';
export { type PageRequest, RetryUnit, type StoragePort } from '../core/port.js';
export {
  checkSchemaName,
  type PostgresDialectOptions,
  postgresDialect,
  readBytesAsText,
  readInt8,
} from '../dialects/postgres.js';
export {
  DEFAULT_BUSY_TIMEOUT_MS,
  DEFAULT_DURABILITY,
  type Durability,
  SYNCHRONOUS,
  sqliteDialect,
} from '../dialects/sqlite.js';
export type { AdoptionSpec, SqlDialect } from './dialect.js';
export {
  type Calls,
  type Driver,
  type DriverExecutorOptions,
  type DriverTransaction,
  driverExecutor,
  type SqlExecutor,
  type SqlScalar,
  type SqlValue,
  transactionView,
} from './executor.js';
export type { MigrationStatus } from './migrator.js';
export { SqlPort } from './sql-port.js';
export { SqlAgentStorage, type SqlAgentStorageConfig } from './sql-storage.js';
export type { SqlSyntax } from './statements.js';
