import type { AgentStorage } from '../contract/storage.js';
import type { Session } from '../contract/types.js';
import { readSessionSnapshot, type SessionSnapshot, sessionChecksum } from './snapshot.js';
import { checkWritable } from './write-checks.js';
import { writeMessagesAndToolCalls, writeQuestions, writeSettings } from './write-rows.js';

/** Options of `writeSession`. */
export interface WriteSessionOptions {
  /**
   * Called with the new session's id right after `createSession`, before any of its rows is
   * written (and awaited): a journal records it so that a run killed mid-session can find
   * and delete the partial copy.
   */
  onCreated?: ((id: string) => void | Promise<void>) | undefined;
  /**
   * Checked before the session is created and before each batch. On abort the call rejects
   * with `signal.reason`, after deleting the partial copy when the store declares
   * `deleteSession`.
   */
  signal?: AbortSignal | undefined;
}

/** Result of `writeSession`: the session's id in the store, and whether this call wrote it. */
export interface WriteSessionResult {
  id: string;
  written: boolean;
}

/**
 * Writes an exact copy of `snapshot` into `store` through the contract alone, so it works
 * for any adapter: the session with all its fields, messages and tool calls in batches
 * (`appendBatch`, or single creates without capability `batch`), then questions and
 * settings with their answers and values at their original times. The copy has new ids and
 * the same `sessionChecksum`.
 *
 * Idempotent: when the store already holds a session with the same checksum (looked up
 * among sessions of the same agent started in the same second; needs capability
 * `listSessions`, without which this check is skipped) nothing is written and that
 * session's id resolves with `written: false`.
 *
 * Rejects before writing anything with `NOT_SUPPORTED` naming the capability when the data
 * needs one the store lacks (`questions`, `settings`, `idempotency` for client keys) or holds
 * answers the contract's writes cannot reproduce, and `INVALID_INPUT` for a snapshot whose
 * references point outside it. When a write fails midway, the partial copy is deleted
 * (capability `deleteSession`) before the error is rethrown.
 */
export async function writeSession(
  store: AgentStorage,
  snapshot: SessionSnapshot,
  options: WriteSessionOptions = {},
): Promise<WriteSessionResult> {
  const { signal, onCreated } = options;
  checkWritable(store, snapshot);
  signal?.throwIfAborted();
  const existing = await findCopy(store, snapshot);
  if (existing !== null) return { id: existing, written: false };
  const { id: _sourceId, ...session } = snapshot.session;
  const id = await store.createSession(session);
  try {
    await onCreated?.(id);
    const toolCallIds = await writeMessagesAndToolCalls(
      store,
      id,
      snapshot.messages,
      snapshot.toolCalls,
      signal,
    );
    const newToolCallId = new Map(snapshot.toolCalls.map((t, i) => [t.id, toolCallIds[i] as string]));
    const toolCallId = (sourceId: string | null) =>
      sourceId === null ? null : (newToolCallId.get(sourceId) as string);
    await writeQuestions(store, id, snapshot.questions, toolCallId);
    await writeSettings(store, id, snapshot.settings, toolCallId);
  } catch (e) {
    // A partial copy would never match its source again, and a rerun would write a second
    // one beside it; the original error matters more than one from the cleanup.
    if (store.capabilities.deleteSession) await store.deleteSession(id).catch(() => undefined);
    throw e;
  }
  return { id, written: true };
}

/**
 * The id of a session in `store` equal to `snapshot` (same checksum), or `null`. Candidates
 * are the store's sessions of the same agent started in the same second; each is compared
 * on its own fields first and its row counts next, so the full read and hash happen only for
 * a likely twin.
 */
export async function findCopy(store: AgentStorage, snapshot: SessionSnapshot): Promise<string | null> {
  if (!store.capabilities.listSessions) return null;
  const { session } = snapshot;
  // startedBefore must be a safe integer: at the top of the range, startedFrom alone says it.
  const upper = session.startedAt + 1;
  const range = Number.isSafeInteger(upper)
    ? { startedFrom: session.startedAt, startedBefore: upper }
    : { startedFrom: session.startedAt };
  const wanted = sessionChecksum(snapshot);
  let cursor: string | undefined;
  do {
    const page = await store.listSessions({
      agentName: session.agentName,
      ...range,
      limit: 1000,
      ...(cursor === undefined ? {} : { cursor }),
    });
    for (const candidate of page.items) {
      if (!sameFields(candidate, session)) continue;
      if (!(await sameCounts(store, candidate.id, snapshot))) continue;
      const copy = await readSessionSnapshot(store, candidate.id);
      if (copy !== null && sessionChecksum(copy) === wanted) return candidate.id;
    }
    cursor = page.nextCursor ?? undefined;
  } while (cursor !== undefined);
  return null;
}

/**
 * Same session fields, ids aside. A cheap filter only: it may pass sessions the checksum then
 * tells apart (JSON.stringify writes -0 as 0), never reject two the checksum calls equal.
 */
function sameFields(a: Session, b: Session): boolean {
  const { id: _a, config: configA, ...restA } = a;
  const { id: _b, config: configB, ...restB } = b;
  return (
    (Object.keys(restA) as (keyof typeof restA)[]).every((k) => restA[k] === restB[k]) &&
    JSON.stringify(configA) === JSON.stringify(configB)
  );
}

async function sameCounts(store: AgentStorage, id: string, snapshot: SessionSnapshot): Promise<boolean> {
  if (!store.capabilities.paging) return true;
  return (
    (await store.countMessages(id)) === snapshot.messages.length &&
    (await store.countToolCalls(id)) === snapshot.toolCalls.length
  );
}
