import { AgentStorageError } from '../contract/errors.js';
import { encodeJson } from '../contract/json.js';
import type { Message, ToolCall } from '../contract/types.js';
import type { MessageRecord, ToolCallRecord } from '../contract/validation.js';
import { raced } from './failures.js';
import type { StoragePort } from './port.js';
import { decodeMessage, decodeToolCall } from './rows.js';

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

/** The stored message with `m`'s key in its session: its id when it is the same write, CONFLICT when not. */
export async function storedMessage(
  on: StoragePort,
  op: string,
  m: MessageRecord,
): Promise<string | undefined> {
  const row = await on.messageByKey(m.sessionId, m.clientKey as string);
  if (row === undefined) return undefined;
  const stored = decodeMessage(on.adapter, row);
  if (!sameMessage(stored, m))
    throw idempotencyConflict(on.adapter, op, `a message with clientKey ${JSON.stringify(m.clientKey)}`);
  return stored.id;
}

/** The stored tool call with `t`'s key in its session: its id when it is the same write, CONFLICT when not. */
export async function storedToolCall(
  on: StoragePort,
  op: string,
  t: ToolCallRecord,
): Promise<string | undefined> {
  const row = await on.toolCallByKey(t.sessionId, t.clientKey as string);
  if (row === undefined) return undefined;
  const stored = decodeToolCall(on.adapter, row);
  if (!sameToolCall(stored, t))
    throw idempotencyConflict(
      on.adapter,
      op,
      `a tool call with clientKey ${JSON.stringify(t.clientKey)} in this session`,
    );
  return stored.id;
}

/**
 * A single create: `insert`, else NOT_FOUND (`missing`) for no parent, else the row its key
 * already names (`stored`; CONFLICT for another payload). When that row went between the
 * insert and the look (a row goes only with its session: the session was deleted meanwhile),
 * the insert runs again (`retried`) and says so, as if the delete had come first, the order
 * that explains it; a second miss is a race it reports. The usual outcome, an id, costs one
 * `then` (why: `Operations.run`).
 */
export function createOnce(
  adapter: string,
  op: string,
  insert: () => Promise<string | 'no-parent' | 'duplicate'> | 'no-parent',
  missing: () => Error,
  stored: () => Promise<string | undefined>,
  retried = false,
): Promise<string> {
  const first = insert();
  if (first === 'no-parent') return Promise.reject(missing());
  return first.then((outcome) => {
    if (outcome === 'no-parent') throw missing();
    if (outcome !== 'duplicate') return outcome;
    return stored().then((id) => {
      if (id !== undefined) return id;
      if (retried) throw raced(adapter, op);
      return createOnce(adapter, op, insert, missing, stored, true);
    });
  });
}
