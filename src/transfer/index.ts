/**
 * Moving agent runs between stores through the `AgentStorage` contract alone, so any
 * adapter (a third party's included) can be a source or a destination: whole-session
 * snapshots and checksums, idempotent writes, a versioned JSONL export and its import, and
 * a resumable, verified copy. See docs/transfer.md.
 */
export {
  type CopyMismatch,
  type CopyOptions,
  type CopyProgress,
  type CopyResult,
  copySessions,
} from './copy.js';
export { type ExportOptions, exportRecords, type TransferQuery } from './export-records.js';
export {
  EXPORT_FORMAT,
  EXPORT_VERSION,
  type ExportEnd,
  type ExportHeader,
  type ExportRecord,
  formatExportLine,
  parseExportLine,
  parseExportLines,
} from './format.js';
export {
  IMPORT_GROUP_SIZE,
  type ImportedSession,
  type ImportOptions,
  type ImportResult,
  importRecords,
} from './import-records.js';
export { type JournalEvent, readJournal } from './journal.js';
export { readSessionSnapshot, type SessionSnapshot, sessionChecksum } from './snapshot.js';
export {
  findCopies,
  findCopy,
  type WriteSessionOptions,
  type WriteSessionResult,
  writeSession,
  writeSessions,
} from './write-session.js';
