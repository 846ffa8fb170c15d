export { AgentStorageError, ERROR_CODES, type ErrorCode, isAgentStorageError } from './contract/errors.js';
export { encodeJson, MAX_JSON_DEPTH } from './contract/json.js';
export type { AgentStorage, Capabilities, StorageOptions } from './contract/storage.js';
export * from './contract/types.js';
export { type CreateStorageOptions, createStorage, DEFAULT_URL } from './create-storage.js';
export {
  type AdapterEntry,
  adapters,
  isMigratable,
  type MigratableStorage,
  type MigrationMethods,
  type OpenedStorage,
  type OpenMode,
  openStore,
} from './registry.js';
export type { MigrationStatus, MigrationStep, MigrationTarget } from './sql/migrator.js';
