import { AgentStorageError } from '../contract/errors.js';
import type { BatchResult } from '../contract/types.js';
import type { BatchRecord, MessageRecord, ToolCallRecord } from '../contract/validation.js';
import { parentMissing } from './failures.js';
import { storedMessage, storedToolCall } from './idempotency.js';
import { isRowId } from './ids.js';
import { RetryUnit, type StoragePort } from './port.js';

/** How often a batch is run again after a concurrent copy took one of its keys (each retry finds that copy). */
const MAX_RETRIES = 5;

/**
 * `appendBatch`, all or nothing, as one unit of the port. Keyed rows already stored are
 * looked up before anything is inserted, so a retried batch writes nothing, and no insert
 * is expected to fail inside the unit (a failed statement aborts a Postgres transaction).
 * When an insert still finds its key taken — a concurrent copy committed between our look
 * and our insert — the unit is rolled back and run again, and the look finds that copy.
 */
export async function appendBatch(
  port: StoragePort,
  b: BatchRecord,
  sessions: readonly string[],
): Promise<BatchResult> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await port.atomically((unit) => appendIn(unit, b, sessions));
    } catch (e) {
      if (!(e instanceof RetryUnit)) throw e;
      if (attempt === MAX_RETRIES)
        throw new AgentStorageError(
          'CONFLICT',
          'appendBatch: its keys kept being taken concurrently; retry',
          {
            adapter: port.adapter,
          },
        );
    }
  }
}

/** The sessions a batch writes into, each once, in order of first appearance. */
export function batchSessions(b: BatchRecord): string[] {
  const sessions = new Set<string>();
  for (const m of b.messages) sessions.add(m.sessionId);
  for (const t of b.toolCalls) sessions.add(t.sessionId);
  return [...sessions];
}

async function appendIn(
  unit: StoragePort,
  b: BatchRecord,
  sessions: readonly string[],
): Promise<BatchResult> {
  const adapter = unit.adapter;
  // One batch into a session at a time: its messages and tool calls then take their ids together.
  await unit.lockSessions(sessions);
  // A messageId must name a message that existed before the batch (one of the batch's own
  // is named by messageIndex): checked before the batch's messages exist.
  for (const call of b.toolCalls) {
    if (call.messageId === null) continue;
    const owner = isRowId(call.messageId) ? await unit.messageSession(call.messageId) : undefined;
    if (owner !== call.sessionId) throw parentMissing(adapter, 'appendBatch', call);
  }
  const messageIds: (string | undefined)[] = new Array(b.messages.length);
  const fresh: number[] = [];
  for (let i = 0; i < b.messages.length; i++) {
    const m = b.messages[i] as MessageRecord;
    const stored = m.clientKey === null ? undefined : await storedMessage(unit, 'appendBatch', m);
    if (stored === undefined) fresh.push(i);
    else messageIds[i] = stored;
  }
  if (fresh.length > 0) {
    const rows =
      fresh.length === b.messages.length ? b.messages : fresh.map((i) => b.messages[i] as MessageRecord);
    const inserted = await unit.insertMessages(rows);
    if (inserted === 'duplicate') throw new RetryUnit();
    if (inserted === 'no-parent') {
      const sessions = [...new Set(b.messages.map((m) => JSON.stringify(m.sessionId)))].join(', ');
      throw new AgentStorageError('NOT_FOUND', `appendBatch: no session among ${sessions}`, { adapter });
    }
    fresh.forEach((i, k) => {
      messageIds[i] = inserted[k];
    });
  }
  const toolCallIds: string[] = [];
  for (const t of b.toolCalls) {
    const call: ToolCallRecord =
      t.messageIndex === null ? t : { ...t, messageId: messageIds[t.messageIndex] as string };
    const stored = call.clientKey === null ? undefined : await storedToolCall(unit, 'appendBatch', call);
    if (stored !== undefined) {
      toolCallIds.push(stored);
      continue;
    }
    const outcome = await unit.insertToolCall(call);
    if (outcome === 'no-parent') throw parentMissing(adapter, 'appendBatch', call);
    if (outcome === 'duplicate') throw new RetryUnit();
    toolCallIds.push(outcome);
  }
  return { messageIds: messageIds as string[], toolCallIds };
}
