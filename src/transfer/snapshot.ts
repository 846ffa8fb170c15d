import { createHash } from 'node:crypto';
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
 *
 * The lists are read referrers first (questions and settings, then tool calls, then
 * messages): a row refers only to rows that existed when it was written, so every reference
 * of a session still being written resolves within the snapshot. (Read the other way round,
 * a message and its tool call added between the two reads left the tool call naming a
 * message the snapshot lacked, and the copy refused the session.)
 */
export async function readSessionSnapshot(
  store: AgentStorage,
  sessionId: string,
): Promise<SessionSnapshot | null> {
  const session = await store.getSession(sessionId);
  if (session === null) return null;
  const questions = store.capabilities.questions ? await store.getQuestions(sessionId) : [];
  const settings = store.capabilities.settings ? await store.getSettings(sessionId) : [];
  const toolCalls: ToolCall[] = [];
  for await (const t of readChildren(store, sessionId, 'toolCalls')) toolCalls.push(t);
  const messages: Message[] = [];
  for await (const m of readChildren(store, sessionId, 'messages')) messages.push(m);
  return { session, messages, toolCalls, questions, settings };
}

/** Version of the canonical form below; part of the hash, so a change never collides with an old sum. */
const CANONICAL_VERSION = 'agent-storage-kit/session-checksum/2';

/**
 * sha256 (hex) of a session's content, independent of the store that holds it: ids, which
 * every store assigns its own way, are left out, and references are replaced by ordinals
 * (a tool call's message by that message's index in the session's message order, a
 * question's or setting's tool call by the tool call's index). Every other field counts,
 * timestamps, client keys and JSON values included, JSON in its stored key order and with
 * `-0` kept, since both are part of what the contract round-trips.
 *
 * A reference to a row the snapshot lacks hashes as `-1`: such a snapshot cannot be
 * written (`writeSession` refuses it), and it never equals one that can.
 *
 * The canonical form is written into the hash in pieces of up to 64 KB (and a longer text
 * as it is), so a session of any size hashes in bounded extra memory: every value is
 * written with its kind and, for text and containers, its length first, so no two different
 * sessions spell the same sequence, and text goes in as it is instead of through JSON
 * encoding (a copy hashes every session twice: at ~6 µs per JSON value encoded, the
 * encoding was most of a small session's hash).
 */
export function sessionChecksum(snapshot: SessionSnapshot): string {
  const { session: s, messages, toolCalls, questions, settings } = snapshot;
  const messageIndex = ordinals(messages);
  const toolCallIndex = ordinals(toolCalls);
  const ref = (index: Map<string, number>, id: string | null) => (id === null ? null : (index.get(id) ?? -1));
  // Sections are headed by their name and count, so rows can never slide from one into the next.
  const out = new CanonicalText();
  out.add(`${CANONICAL_VERSION}\n`);
  const row = (...values: unknown[]) => {
    for (const v of values) out.value(v);
    out.add('\n');
  };
  row(s.agentName, s.provider, s.model, s.systemPrompt, s.userPrompt, json(s.config), s.status);
  row(s.startedAt, s.endedAt, s.result, s.error);
  row('messages', messages.length);
  for (const m of messages) row(m.role, m.content, m.createdAt, m.clientKey);
  row('toolCalls', toolCalls.length);
  for (const t of toolCalls)
    row(
      ref(messageIndex, t.messageId),
      t.toolCallId,
      t.toolName,
      json(t.request),
      json(t.response),
      t.status,
      t.executionTimeMs,
      t.createdAt,
      t.completedAt,
      t.errorDetails,
      t.clientKey,
    );
  row('questions', questions.length);
  for (const q of questions)
    row(
      ref(toolCallIndex, q.toolCallId),
      q.questionId,
      q.question,
      q.description,
      q.responseType,
      q.answer,
      q.createdAt,
      q.answeredAt,
    );
  row('settings', settings.length);
  for (const g of settings)
    row(
      ref(toolCallIndex, g.toolCallId),
      g.settingKey,
      g.settingName,
      g.description,
      g.settingType,
      g.settingValue,
      g.createdAt,
      g.updatedAt,
    );
  return out.digest();
}

/**
 * sha256 (hex) of a session's own fields, its id aside, in the canonical form `sessionChecksum`
 * hashes them: what a copy's journal records of a session it is about to create, to know
 * that session again without holding its prompts.
 */
export function sessionFieldsSum(s: Session): string {
  const out = new CanonicalText();
  out.add(`${CANONICAL_VERSION}/fields\n`);
  for (const v of [s.agentName, s.provider, s.model, s.systemPrompt, s.userPrompt, json(s.config), s.status])
    out.value(v);
  for (const v of [s.startedAt, s.endedAt, s.result, s.error]) out.value(v);
  return out.digest();
}

/** A JSON value, marked apart from text. */
class Json {
  constructor(readonly value: unknown) {}
}
const json = (value: unknown) => new Json(value);

/** Text a checksum hashes, written into the hash 64 KB at a time. */
class CanonicalText {
  readonly #hash = createHash('sha256');
  #text = '';

  add(piece: string): void {
    if (piece.length > FLUSH_AT) {
      this.#flush();
      this.#update(piece);
    } else {
      this.#text += piece;
      if (this.#text.length > FLUSH_AT) this.#flush();
    }
  }

  /**
   * One value of the canonical form: a kind letter, then for text its length and characters
   * (any character may follow: the length says where it ends), for numbers the decimal form
   * with `-0` kept, `n` for null, and JSON spelled the same way, objects with their keys in
   * stored order. Values come from a store, so they are JSON already: no check, no escaping.
   */
  value(v: unknown): void {
    switch (typeof v) {
      case 'string':
        this.add(`s${v.length}:`);
        this.add(v);
        return;
      case 'number':
        this.add(`d${Object.is(v, -0) ? '-0' : String(v)};`);
        return;
      case 'boolean':
        this.add(v ? 't;' : 'f;');
        return;
      case 'object': {
        if (v === null) this.add('n;');
        else if (v instanceof Json) {
          this.add('j');
          this.value(v.value);
        } else if (Array.isArray(v)) {
          this.add(`[${v.length};`);
          for (const item of v) this.value(item);
        } else {
          const keys = Object.keys(v);
          this.add(`{${keys.length};`);
          for (const k of keys) {
            this.value(k);
            this.value((v as Record<string, unknown>)[k]);
          }
        }
        return;
      }
      default:
        throw new TypeError(`sessionChecksum: unexpected ${typeof v}`);
    }
  }

  digest(): string {
    this.#flush();
    return this.#hash.digest('hex');
  }

  #flush(): void {
    if (this.#text.length > 0) this.#update(this.#text);
    this.#text = '';
  }

  // UTF-16 code units as they are: UTF-8 would turn every lone surrogate into the same U+FFFD.
  #update(text: string): void {
    this.#hash.update(text, 'utf16le');
  }
}

/** Characters the canonical text gathers before it is hashed. */
const FLUSH_AT = 64 * 1024;

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
