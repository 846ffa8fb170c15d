import { AgentStorageError } from '../contract/errors.js';
import type { ToolCallRecord } from '../contract/validation.js';

/** The engine's errors, worded once: every backend reports the same failure the same way. */

const str = JSON.stringify;

export function notFound(adapter: string, op: string, what: string): AgentStorageError {
  return new AgentStorageError('NOT_FOUND', `${op}: no ${what}`, { adapter });
}

/** A tool call's session is missing, or its `messageId` is not one of that session's messages. */
export function parentMissing(adapter: string, op: string, t: ToolCallRecord): AgentStorageError {
  return notFound(
    adapter,
    op,
    t.messageId === null
      ? `session ${str(t.sessionId)}`
      : `session ${str(t.sessionId)} with message ${str(t.messageId)}`,
  );
}

/** The key was taken, and the row holding it was gone by the time we looked: deleted meanwhile. */
export function raced(adapter: string, op: string): AgentStorageError {
  return new AgentStorageError('CONFLICT', `${op}: the key was taken by a row deleted meanwhile; retry`, {
    adapter,
  });
}

export function badCursor(adapter: string, op: string, field: string): AgentStorageError {
  return new AgentStorageError('INVALID_INPUT', `${op}: ${field} is not a cursor this storage issued`, {
    adapter,
    field,
  });
}

export function notSupported(adapter: string, op: string, capability: string): AgentStorageError {
  return new AgentStorageError('NOT_SUPPORTED', `${op} needs capability ${capability}`, { adapter });
}

export function closed(adapter: string): AgentStorageError {
  return new AgentStorageError('CLOSED', 'the storage was closed', { adapter });
}
