/**
 * `agent-storage-kit/engine`: the contract implemented once over a narrow port. A store that
 * is not SQL implements `StoragePort` (see src/adapters/memory.ts, ~320 lines) and gets every
 * contract decision from `StorageEngine`; SQL stores use `agent-storage-kit/sql` instead.
 */
export { type EngineOptions, StorageEngine } from './engine.js';
export { Gate, gated, gateFor } from './gate.js';
export { type PageRequest, type PortInspection, RetryUnit, type StoragePort } from './port.js';
export type { Row } from './rows.js';
export { type Column, type ColumnType, SCHEMA, type Table, type TableName } from './schema.js';
