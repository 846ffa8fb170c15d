import { AgentStorageError } from '../contract/errors.js';
import { encodeJson } from '../contract/json.js';
import type { Message, ToolCall } from '../contract/types.js';
import type { MessageRecord, ToolCallRecord } from '../contract/validation.js';

/**
 * Whether a repeated create is the same write as the stored one. Only what the caller
 * fixed at creation counts: `createdAt` only when it was given (a retry without it gets a
 * new clock value), and never the mutable fields a tool call has gained since.
 */
export function sameMessage(stored: Message, retry: MessageRecord): boolean {
  return (
    stored.role === retry.role &&
    stored.content === retry.content &&
    (!retry.createdAtGiven || stored.createdAt === retry.createdAt)
  );
}

export function sameToolCall(stored: ToolCall, retry: ToolCallRecord): boolean {
  return (
    stored.messageId === retry.messageId &&
    stored.toolCallId === retry.toolCallId &&
    stored.toolName === retry.toolName &&
    encodeJson(stored.request) === retry.request &&
    (!retry.createdAtGiven || stored.createdAt === retry.createdAt)
  );
}

export function idempotencyConflict(adapter: string, op: string, what: string): AgentStorageError {
  return new AgentStorageError('CONFLICT', `${op}: ${what} already exists with a different payload`, {
    adapter,
  });
}
