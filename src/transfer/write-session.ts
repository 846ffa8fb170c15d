import { amended, isAgentStorageError } from '../contract/errors.js';
import type { AgentStorage } from '../contract/storage.js';
import type { BatchToolCall, NewMessage, Session } from '../contract/types.js';
import { walkSessions } from './export-records.js';
import type { CreationIntent } from './journal.js';
import { newMessage, newToolCall } from './row-inputs.js';
import {
  ordinals,
  readSessionSnapshot,
  type SessionSnapshot,
  sessionChecksum,
  sessionFieldsSum,
} from './snapshot.js';
import { checkWritable } from './write-checks.js';
import {
  appendRows,
  BATCH_SIZE,
  writeMessagesAndToolCalls,
  writeQuestions,
  writeSettings,
} from './write-rows.js';

/** Options of `writeSession` and `writeSessions`. */
export interface WriteSessionOptions {
  /**
   * Called with each new session's id right after its `createSession`, before any of its
   * rows is written (and awaited): a journal records it so that a run killed mid-session can
   * find and delete the partial copy. `sourceId` is the snapshot's session id.
   */
  onCreated?: ((id: string, sourceId: string) => void | Promise<void>) | undefined;
  /**
   * Called (and awaited) once before the first `createSession`, with what will tell each copy
   * about to be created from the store's other sessions: a journal records it, so that a
   * session created by a run killed before `onCreated` returned can be found again
   * (`findBareCopies`).
   */
  onCreating?: ((intents: CreationIntent[]) => void | Promise<void>) | undefined;
  /**
   * Checked before the sessions are created and before each batch. On abort the call
   * rejects with `signal.reason`, after deleting the partial copies when the store declares
   * `deleteSession`.
   */
  signal?: AbortSignal | undefined;
  /**
   * Sessions of the store that are already the copy of something else and must not be taken
   * for one now (a copy's journal holds them). The sessions this call finds or creates are
   * added, so concurrent calls sharing the set never take one session for two sources.
   */
  claimed?: Set<string> | undefined;
  /**
   * The caller has checked every row's values as the store will (`checkRowValues`: an import
   * does, as it reads each record, to name its line), so they are not checked again here.
   */
  valuesChecked?: boolean | undefined;
}

/**
 * A run of sessions started in the same second is written in one `writeSessions` call (a
 * copy's or an import's group) up to this many groups' worth of sessions and of rows: the call
 * keeps their listing order; beyond, a run is split, and the order of a run that long is not kept.
 */
export const TIE_RUN_GROUPS = 4;

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
  return (await writeSessions(store, [snapshot], options))[0] as WriteSessionResult;
}

/**
 * `writeSession` for several sessions at once, results in input order: each snapshot is
 * checked and looked up as `writeSession` does, the new ones are created one by one (last to
 * first: given in listing order, as a walk or an export has them, sessions started in the same
 * second keep their order in the store's listing), and
 * then their messages and tool calls go into shared `appendBatch` calls (up to `BATCH_SIZE`
 * of each per call; a session larger than that gets batches of its own). Fewer and fuller
 * transactions: on an embedded store a copy of many small sessions spends most of its time
 * in per-transaction cost otherwise.
 *
 * All or nothing as a group: one refused snapshot refuses all before anything is written,
 * and a write that fails (or an abort) deletes every copy this call created (capability
 * `deleteSession`) before rethrowing. Two equal snapshots are two sessions: each looks for a
 * copy of its own, and a session found for one is not found for the other (nor, with a
 * shared `claimed` set, for any other call).
 */
export async function writeSessions(
  store: AgentStorage,
  snapshots: readonly SessionSnapshot[],
  options: WriteSessionOptions = {},
): Promise<WriteSessionResult[]> {
  const { signal, onCreating, onCreated, claimed, valuesChecked } = options;
  for (const snapshot of snapshots) checkWritable(store, snapshot, { values: valuesChecked !== true });
  signal?.throwIfAborted();
  const { found: existing, twins } = await lookUpCopies(store, snapshots, claimed);
  const created: { snapshot: SessionSnapshot; id: string }[] = [];
  const ids: (string | null)[] = [...existing];
  const intents = snapshots.flatMap((s, i): CreationIntent[] =>
    existing[i] !== null
      ? []
      : [
          {
            sourceId: s.session.id,
            fields: sessionFieldsSum(s.session),
            agent: s.session.agentName,
            at: s.session.startedAt,
            twins: twins[i] as string[],
          },
        ],
  );
  if (intents.length > 0) await onCreating?.(intents);
  try {
    // Last to first: snapshots come in listing order (newest first, then the higher id), and
    // a store gives later sessions higher ids, so sessions started in the same second keep
    // their order in the copy's listing (created first to last, a tie run came out reversed).
    for (let i = snapshots.length - 1; i >= 0; i--) {
      if (existing[i] !== null) continue;
      const snapshot = snapshots[i] as SessionSnapshot;
      const { id: sourceId, ...session } = snapshot.session;
      const id = await store.createSession(session);
      created.push({ snapshot, id });
      ids[i] = id;
      claimed?.add(id);
      await onCreated?.(id, sourceId);
    }
    const toolCallIds = await writeRowsOf(store, created, signal);
    for (const [k, { snapshot, id }] of created.entries()) {
      const newToolCallId = new Map(snapshot.toolCalls.map((t, i) => [t.id, toolCallIds[k]?.[i] as string]));
      const toolCallId = (sourceId: string | null) =>
        sourceId === null ? null : (newToolCallId.get(sourceId) as string);
      await writeQuestions(store, id, snapshot.questions, toolCallId);
      await writeSettings(store, id, snapshot.settings, toolCallId);
    }
  } catch (e) {
    // A partial copy would never match its source again, and a rerun would write a second
    // one beside it. The original error comes first; copies a failing cleanup left (a full
    // disk refuses the delete too) are named in it, never kept quiet.
    const left: string[] = [];
    if (store.capabilities.deleteSession)
      for (const { id } of created) await store.deleteSession(id).catch(() => left.push(id));
    if (left.length === 0 || !isAgentStorageError(e)) throw e;
    throw amended(
      e,
      `; the partial copies it left could not be deleted (sessions ${left.join(', ')}): delete them, or a rerun writes those sessions again beside them`,
    );
  }
  return ids.map((id, i) => ({ id: id as string, written: existing[i] === null }));
}

/**
 * The messages and tool calls of the `created` sessions: sessions that fit in one batch
 * share batches, a larger one is written alone in as many as it needs. Resolves each
 * session's new tool call ids in source order.
 */
async function writeRowsOf(
  store: AgentStorage,
  created: readonly { snapshot: SessionSnapshot; id: string }[],
  signal: AbortSignal | undefined,
): Promise<string[][]> {
  const out: string[][] = [];
  let shared: SharedBatch = { members: [], messages: [], toolCalls: [] };
  const flush = async () => {
    if (shared.members.length === 0) return;
    signal?.throwIfAborted();
    const ids =
      shared.messages.length + shared.toolCalls.length === 0
        ? { messageIds: [], toolCallIds: [] }
        : await appendRows(store, shared.messages, shared.toolCalls);
    for (const { index, toolCalls, firstToolCall } of shared.members)
      out[index] = ids.toolCallIds.slice(firstToolCall, firstToolCall + toolCalls);
    shared = { members: [], messages: [], toolCalls: [] };
  };
  for (const [index, { snapshot, id }] of created.entries()) {
    const { messages, toolCalls } = snapshot;
    if (messages.length > BATCH_SIZE || toolCalls.length > BATCH_SIZE) {
      await flush();
      out[index] = await writeMessagesAndToolCalls(store, id, messages, toolCalls, signal);
      continue;
    }
    if (
      shared.messages.length + messages.length > BATCH_SIZE ||
      shared.toolCalls.length + toolCalls.length > BATCH_SIZE
    )
      await flush();
    const base = shared.messages.length;
    const messageAt = ordinals(messages);
    shared.members.push({ index, toolCalls: toolCalls.length, firstToolCall: shared.toolCalls.length });
    for (const m of messages) shared.messages.push(newMessage(id, m));
    for (const t of toolCalls) {
      const row = newToolCall(id, t);
      // checkWritable made sure every messageId names a message of the session.
      if (t.messageId !== null) row.messageIndex = base + (messageAt.get(t.messageId) as number);
      shared.toolCalls.push(row);
    }
  }
  await flush();
  return out;
}

interface SharedBatch {
  members: { index: number; toolCalls: number; firstToolCall: number }[];
  messages: NewMessage[];
  toolCalls: BatchToolCall[];
}

/**
 * The id of a session in `store` equal to `snapshot` (same checksum), or `null`. Candidates
 * are the store's sessions of the same agent started in the same second; each is compared
 * on its own fields first and its row counts next, so the full read and hash happen only for
 * a likely twin.
 */
export async function findCopy(store: AgentStorage, snapshot: SessionSnapshot): Promise<string | null> {
  return (await findCopies(store, [snapshot]))[0] ?? null;
}

/** `findCopies`, and for each snapshot the sessions of the store with its fields (`sameFields`) the lookup listed. */

/**
 * `findCopy` for several snapshots at once, and sessions in `claimed` left out (those found
 * are added to it). The store is listed once over the time range the snapshots span (of
 * their agent, when they share one); when that range holds more than one page of sessions
 * (a sparse, filtered copy into a busy store), each snapshot's own second is listed instead,
 * as `findCopy` does. A candidate stands for one snapshot at most, the first it equals.
 */
export async function findCopies(
  store: AgentStorage,
  snapshots: readonly SessionSnapshot[],
  claimed?: Set<string>,
): Promise<(string | null)[]> {
  return (await lookUpCopies(store, snapshots, claimed)).found;
}

async function lookUpCopies(
  store: AgentStorage,
  snapshots: readonly SessionSnapshot[],
  claimed?: Set<string>,
): Promise<{ found: (string | null)[]; twins: string[][] }> {
  const found: (string | null)[] = snapshots.map(() => null);
  const twins: string[][] = snapshots.map(() => []);
  if (!store.capabilities.listSessions || snapshots.length === 0) return { found, twins };
  const keyOf = (s: Session) => `${s.startedAt} ${s.agentName}`;
  const byKey = new Map<string, number[]>();
  let [first, last] = [Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY];
  for (const [i, { session }] of snapshots.entries()) {
    const key = keyOf(session);
    byKey.set(key, [...(byKey.get(key) ?? []), i]);
    first = Math.min(first, session.startedAt);
    last = Math.max(last, session.startedAt);
  }
  const agents = new Set(snapshots.map((s) => s.session.agentName));
  const sums: (string | undefined)[] = [];
  const sumOf = (i: number) => (sums[i] ??= sessionChecksum(snapshots[i] as SessionSnapshot));
  const consider = async (candidate: Session) => {
    // Claimed ones (the journal's) need no listing: a resumed run never takes those for a bare copy.
    if (claimed?.has(candidate.id)) return;
    for (const i of byKey.get(keyOf(candidate)) ?? [])
      if (sameFields(candidate, (snapshots[i] as SessionSnapshot).session)) twins[i]?.push(candidate.id);
    for (const i of byKey.get(keyOf(candidate)) ?? []) {
      const snapshot = snapshots[i] as SessionSnapshot;
      if (found[i] !== null || !sameFields(candidate, snapshot.session)) continue;
      if (!(await sameCounts(store, candidate.id, snapshot))) continue;
      const copy = await readSessionSnapshot(store, candidate.id);
      if (copy === null || sessionChecksum(copy) !== sumOf(i)) continue;
      if (claimed?.has(candidate.id)) return; // taken by a concurrent call while this one read
      claimed?.add(candidate.id);
      found[i] = candidate.id;
      return;
    }
  };
  const onePage = await store.listSessions({
    ...startedIn(first, last),
    ...(agents.size === 1 ? { agentName: [...agents][0] as string } : {}),
    limit: LOOKUP_PAGE,
  });
  if (onePage.nextCursor === null) {
    for (const candidate of onePage.items) await consider(candidate);
    return { found, twins };
  }
  for (const indices of byKey.values()) {
    const { session } = snapshots[indices[0] as number] as SessionSnapshot;
    const second = { agentName: session.agentName, ...startedIn(session.startedAt, session.startedAt) };
    for await (const candidate of walkSessions(store, second, LOOKUP_PAGE)) {
      await consider(candidate);
      if (indices.every((i) => found[i] !== null)) break;
    }
  }
  return { found, twins };
}

/**
 * Sessions of `store` that are what `createSession` made for `intent` and nothing more: the
 * fields it recorded (`sessionFieldsSum`), no message, tool call, question or setting, not in
 * `known`, and not one of the sessions with those fields that were there before (its twins).
 * That is what a copy killed between creating a session and journaling its id leaves behind
 * (its rows come only after). Also when the source session has nothing under it, and the
 * bare copy would be a whole one: the source may have changed since (ended, got rows), and
 * the run copies it again anyway.
 */
export async function findBareCopies(
  store: AgentStorage,
  intent: CreationIntent,
  known: ReadonlySet<string>,
): Promise<string[]> {
  const before = new Set(intent.twins);
  const bare: string[] = [];
  const second = { agentName: intent.agent, ...startedIn(intent.at, intent.at) };
  for await (const candidate of walkSessions(store, second, LOOKUP_PAGE))
    if (
      !known.has(candidate.id) &&
      !before.has(candidate.id) &&
      sessionFieldsSum(candidate) === intent.fields &&
      !(await hasRows(store, candidate.id))
    )
      bare.push(candidate.id);
  return bare;
}

/** Whether anything hangs from session `id`: a message, a tool call, a question or a setting. */
async function hasRows(store: AgentStorage, id: string): Promise<boolean> {
  const paged = store.capabilities.paging;
  return (
    (paged ? await store.countMessages(id) : (await store.getMessages(id)).length) > 0 ||
    (paged ? await store.countToolCalls(id) : (await store.getToolCalls(id)).length) > 0 ||
    (store.capabilities.questions && (await store.getQuestions(id)).length > 0) ||
    (store.capabilities.settings && (await store.getSettings(id)).length > 0)
  );
}

/** Sessions listed per lookup page: the contract's maximum. */
const LOOKUP_PAGE = 1000;

/**
 * `listSessions` filters for sessions started from second `first` to second `last`.
 * startedBefore must be a safe integer: at the top of the range, startedFrom alone says it.
 */
function startedIn(first: number, last: number) {
  const upper = last + 1;
  return Number.isSafeInteger(upper) ? { startedFrom: first, startedBefore: upper } : { startedFrom: first };
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
