import { createHash } from 'node:crypto';
import { encodeJson } from '../contract/json.js';
import type { AgentStorage } from '../contract/storage.js';
import type { Message, Question, Session, Setting, ToolCall } from '../contract/types.js';

/** One session with everything that hangs from it, each list in the contract's order. */
export interface SessionSnapshot {
  session: Session;
  messages: Message[];
  toolCalls: ToolCall[];
  /** Empty when the store does not declare `questions`. */
  questions: Question[];
  /** Empty when the store does not declare `settings`. */
  settings: Setting[];
}

/** Rows per paged read: the contract's maximum, so a long session costs few round trips. */
export const READ_PAGE = 1000;

/**
 * A session's messages or tool calls in contract order. With capability `paging` they are
 * read a page at a time, so a caller that streams them (the export) holds one page;
 * without it the adapter offers only the whole list.
 */
export async function* readChildren<K extends 'messages' | 'toolCalls'>(
  store: AgentStorage,
  sessionId: string,
  kind: K,
): AsyncGenerator<K extends 'messages' ? Message : ToolCall> {
  type Item = K extends 'messages' ? Message : ToolCall;
  if (!store.capabilities.paging) {
    const all =
      kind === 'messages' ? await store.getMessages(sessionId) : await store.getToolCalls(sessionId);
    yield* all as Item[];
    return;
  }
  let after: string | undefined;
  do {
    const query = after === undefined ? { limit: READ_PAGE } : { limit: READ_PAGE, after };
    const page =
      kind === 'messages'
        ? await store.getMessagesPage(sessionId, query)
        : await store.getToolCallsPage(sessionId, query);
    yield* page.items as Item[];
    after = page.nextCursor ?? undefined;
  } while (after !== undefined);
}

/**
 * Reads one session whole: the session, its messages and tool calls, and its questions and
 * settings where the store declares those capabilities. Resolves `null` for an unknown id.
 * Memory is proportional to this one session.
 */
export async function readSessionSnapshot(
  store: AgentStorage,
  sessionId: string,
): Promise<SessionSnapshot | null> {
  const session = await store.getSession(sessionId);
  if (session === null) return null;
  const messages: Message[] = [];
  for await (const m of readChildren(store, sessionId, 'messages')) messages.push(m);
  const toolCalls: ToolCall[] = [];
  for await (const t of readChildren(store, sessionId, 'toolCalls')) toolCalls.push(t);
  return {
    session,
    messages,
    toolCalls,
    questions: store.capabilities.questions ? await store.getQuestions(sessionId) : [],
    settings: store.capabilities.settings ? await store.getSettings(sessionId) : [],
  };
}

/** Version of the canonical form below; part of the hash, so a change never collides with an old sum. */
const CANONICAL_VERSION = 'agent-storage-kit/session-checksum/1';

/**
 * sha256 (hex) of a session's content, independent of the store that holds it: ids, which
 * every store assigns its own way, are left out, and references are replaced by ordinals
 * (a tool call's message by that message's index in the session's message order, a
 * question's or setting's tool call by the tool call's index). Every other field counts,
 * timestamps, client keys and JSON values included, JSON in its stored key order and with
 * `-0` kept (`encodeJson`), since both are part of what the contract round-trips.
 *
 * A reference to a row the snapshot lacks hashes as `-1`: such a snapshot cannot be
 * written (`writeSession` refuses it), and it never equals one that can.
 */
export function sessionChecksum(snapshot: SessionSnapshot): string {
  const { session: s, messages, toolCalls, questions, settings } = snapshot;
  const messageIndex = ordinals(messages);
  const toolCallIndex = ordinals(toolCalls);
  const ref = (index: Map<string, number>, id: string | null) => (id === null ? null : (index.get(id) ?? -1));
  const hash = createHash('sha256');
  // One record per line, each section headed by its name and count, so that rows can never
  // slide from one section into the next and hash the same.
  const line = (value: unknown) => hash.update(`${encodeJson(value)}\n`);
  line(CANONICAL_VERSION);
  line({
    agentName: s.agentName,
    provider: s.provider,
    model: s.model,
    systemPrompt: s.systemPrompt,
    userPrompt: s.userPrompt,
    config: s.config,
    status: s.status,
    startedAt: s.startedAt,
    endedAt: s.endedAt,
    result: s.result,
    error: s.error,
  });
  line(['messages', messages.length]);
  for (const m of messages) line([m.role, m.content, m.createdAt, m.clientKey]);
  line(['toolCalls', toolCalls.length]);
  for (const t of toolCalls)
    line([
      ref(messageIndex, t.messageId),
      t.toolCallId,
      t.toolName,
      t.request,
      t.response,
      t.status,
      t.executionTimeMs,
      t.createdAt,
      t.completedAt,
      t.errorDetails,
      t.clientKey,
    ]);
  line(['questions', questions.length]);
  for (const q of questions)
    line([
      ref(toolCallIndex, q.toolCallId),
      q.questionId,
      q.question,
      q.description,
      q.responseType,
      q.answer,
      q.createdAt,
      q.answeredAt,
    ]);
  line(['settings', settings.length]);
  for (const g of settings)
    line([
      ref(toolCallIndex, g.toolCallId),
      g.settingKey,
      g.settingName,
      g.description,
      g.settingType,
      g.settingValue,
      g.createdAt,
      g.updatedAt,
    ]);
  return hash.digest('hex');
}

/** Row counts of a snapshot, for reports that say more than "checksums differ". */
export function snapshotCounts(snapshot: SessionSnapshot) {
  return {
    messages: snapshot.messages.length,
    toolCalls: snapshot.toolCalls.length,
    questions: snapshot.questions.length,
    settings: snapshot.settings.length,
  };
}

/** id → position, the ordinal a reference is hashed and written as. */
export function ordinals(rows: readonly { id: string }[]): Map<string, number> {
  return new Map(rows.map((row, i) => [row.id, i]));
}
