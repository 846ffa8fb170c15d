import type { AgentStorage } from '../contract/storage.js';
import type { BatchToolCall, Message, NewMessage, Question, Setting, ToolCall } from '../contract/types.js';
import { type KeyedRow, replayOrder } from './replay-order.js';
import { newMessage, newQuestion, newSetting, newToolCall } from './row-inputs.js';
import { ordinals } from './snapshot.js';
import { questionRow, settingRow } from './write-checks.js';

/** Most messages (and, separately, tool calls) in one `appendBatch`: one bounded transaction each. */
export const BATCH_SIZE = 500;

/**
 * Writes messages and tool calls into session `sessionId`, each list in its source order with
 * explicit `createdAt` (so ties keep their order), and resolves the new tool call ids in
 * source order. Each step takes the next messages (at most BATCH_SIZE) and then as many of
 * the next tool calls as already have their message, or have it in this step (`messageIndex`);
 * a tool call whose message comes later waits, as do all after it, to keep their order.
 * `signal` is checked before each step.
 */
export async function writeMessagesAndToolCalls(
  store: AgentStorage,
  sessionId: string,
  messages: readonly Message[],
  toolCalls: readonly ToolCall[],
  signal: AbortSignal | undefined,
): Promise<string[]> {
  const messageAt = ordinals(messages);
  const messageIds: string[] = [];
  const toolCallIds: string[] = [];
  let m = 0;
  let t = 0;
  while (m < messages.length || t < toolCalls.length) {
    signal?.throwIfAborted();
    const end = Math.min(m + BATCH_SIZE, messages.length);
    const batchMessages = messages.slice(m, end).map((msg) => newMessage(sessionId, msg));
    const batchCalls: BatchToolCall[] = [];
    for (; t < toolCalls.length && batchCalls.length < BATCH_SIZE; t++) {
      const call = toolCalls[t] as ToolCall;
      const at = call.messageId === null ? -1 : (messageAt.get(call.messageId) as number);
      if (at >= end) break;
      const row = newToolCall(sessionId, call);
      if (at >= m) row.messageIndex = at - m;
      else if (at >= 0) row.messageId = messageIds[at] as string;
      batchCalls.push(row);
    }
    const ids = await appendRows(store, batchMessages, batchCalls);
    messageIds.push(...ids.messageIds);
    toolCallIds.push(...ids.toolCallIds);
    m = end;
  }
  return toolCallIds;
}

/** `appendBatch`, or the single creates in the same order when the store lacks capability `batch`. */
export async function appendRows(store: AgentStorage, messages: NewMessage[], toolCalls: BatchToolCall[]) {
  if (store.capabilities.batch) return store.appendBatch({ messages, toolCalls });
  const messageIds: string[] = [];
  for (const message of messages) messageIds.push(await store.createMessage(message));
  const toolCallIds: string[] = [];
  for (const { messageIndex, ...call } of toolCalls) {
    const messageId = messageIndex === undefined ? call.messageId : messageIds[messageIndex];
    toolCallIds.push(await store.createToolCall({ ...call, messageId: messageId ?? null }));
  }
  return { messageIds, toolCallIds };
}

/**
 * Creates keyed rows (questions or settings) in `replayOrder`, in runs in which no key
 * repeats, and gives each run's valued rows their values before the next run exists: a
 * value then reaches its own row alone (the order puts every pending row with its key
 * later; earlier valued rows with it hold theirs already).
 */
async function writeKeyed<T>(
  rows: readonly T[],
  row: (item: T) => KeyedRow,
  create: (run: T[]) => Promise<unknown>,
  setValues: (valued: T[]) => Promise<unknown>,
): Promise<void> {
  const keyed = rows.map(row);
  const order = replayOrder(keyed) ?? []; // checkWritable refused a session without one
  let run: number[] = [];
  let keys = new Set<string>();
  const flush = async () => {
    if (run.length === 0) return;
    await create(run.map((i) => rows[i] as T));
    const valued = run.filter((i) => keyed[i]?.valued);
    if (valued.length > 0) await setValues(valued.map((i) => rows[i] as T));
    run = [];
    keys = new Set();
  };
  for (const i of order) {
    const { key } = keyed[i] as KeyedRow;
    if (keys.has(key)) await flush();
    run.push(i);
    keys.add(key);
  }
  await flush();
}

/** Questions, then answers at their `answeredAt`; `toolCallId` maps source tool call ids to new ones. */
export async function writeQuestions(
  store: AgentStorage,
  sessionId: string,
  questions: readonly Question[],
  toolCallId: (sourceId: string | null) => string | null,
): Promise<void> {
  await writeKeyed(
    questions,
    questionRow,
    (run) =>
      store.createQuestions(
        sessionId,
        run.map((q) => newQuestion(q, toolCallId(q.toolCallId))),
      ),
    (valued) =>
      store.answerQuestions(
        sessionId,
        valued.map((q) => ({
          questionId: q.questionId,
          answer: q.answer as string,
          answeredAt: q.answeredAt as number,
        })),
      ),
  );
}

/**
 * Settings, as questions. One with a value but no `updatedAt` was created with its value and
 * is written so; one with `updatedAt` got its value later and gets it through
 * `setSettingValues` at that time.
 */
export async function writeSettings(
  store: AgentStorage,
  sessionId: string,
  settings: readonly Setting[],
  toolCallId: (sourceId: string | null) => string | null,
): Promise<void> {
  await writeKeyed(
    settings,
    settingRow,
    (run) =>
      store.createSettings(
        sessionId,
        run.map((s) => newSetting(s, toolCallId(s.toolCallId))),
      ),
    (valued) =>
      store.setSettingValues(
        sessionId,
        valued.map((s) => ({
          settingKey: s.settingKey,
          value: s.settingValue as string,
          updatedAt: s.updatedAt as number,
        })),
      ),
  );
}
