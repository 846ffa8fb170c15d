import { AgentStorageError } from '../contract/errors.js';
import type { AgentStorage } from '../contract/storage.js';
import {
  type Message,
  PAGE_LIMIT,
  SESSION_STATUSES,
  type SessionQuery,
  type SessionStatus,
  type ToolCall,
} from '../contract/types.js';
import { encodeCursor } from '../contract/validation.js';

/**
 * What the studio's page asks for, answered through the contract only, so the studio works
 * on every adapter. Read-only: nothing here writes.
 */

/** A page of the timeline: messages with their tool calls, and the cursors to go back or poll forward. */
export interface TimelinePage {
  items: { message: Message; toolCalls: ToolCall[] }[];
  /** Calls whose message is not in this page (or that have none), in time order. */
  loose: ToolCall[];
  /** Pass as `before` for the page of older messages; `null` at the session's start. */
  earlierCursor: string | null;
  /** Pass as `after` to poll for newer messages: the position of this page's last message. */
  laterCursor: string | null;
}

const bad = (field: string, problem: string) =>
  new AgentStorageError('INVALID_INPUT', `${field} ${problem}`, { adapter: 'studio', field });

function integer(field: string, value: string | undefined): number | undefined {
  if (value === undefined || value === '') return undefined;
  // Checked as typed: past 2^53 Number() rounds, and the message would quote another number.
  if (!/^-?\d+$/.test(value) || !Number.isSafeInteger(Number(value)))
    throw bad(field, `must be a safe integer, got ${JSON.stringify(value)}`);
  return Number(value);
}

/** The listing query of the sessions page, from its URL parameters. */
export function sessionQueryOf(params: Readonly<Record<string, string | undefined>>): SessionQuery {
  const statuses = (params.status ?? '').split(',').filter((s) => s !== '');
  for (const s of statuses)
    if (!(SESSION_STATUSES as readonly string[]).includes(s))
      throw bad('status', `is not a status: ${JSON.stringify(s)}`);
  const text = (key: string) => (params[key] ? params[key] : undefined);
  const query: SessionQuery = {
    ...(statuses.length > 0 ? { status: statuses as SessionStatus[] } : {}),
    ...(text('agent') ? { agentName: text('agent') as string } : {}),
    ...(text('provider') ? { provider: text('provider') as string } : {}),
    ...(text('model') ? { model: text('model') as string } : {}),
    ...(text('cursor') ? { cursor: text('cursor') as string } : {}),
  };
  const since = integer('since', params.since);
  const until = integer('until', params.until);
  const limit = integer('limit', params.limit);
  if (since !== undefined) query.startedFrom = since;
  if (until !== undefined) query.startedBefore = until;
  if (limit !== undefined) query.limit = limit;
  return query;
}

/** How many sessions are in each of the statuses the status bar shows; counting stops at `cap`. */
export async function statusCounts(
  store: AgentStorage,
  cap = 10_000,
): Promise<{ counts: Record<SessionStatus, number>; capped: boolean }> {
  const counts = Object.fromEntries(SESSION_STATUSES.map((s) => [s, 0])) as Record<SessionStatus, number>;
  let capped = false;
  for (const status of SESSION_STATUSES) {
    let cursor: string | undefined;
    do {
      const page = await store.listSessions({ status, limit: PAGE_LIMIT.max, ...(cursor ? { cursor } : {}) });
      counts[status] += page.items.length;
      cursor = page.nextCursor ?? undefined;
      if (counts[status] >= cap && cursor !== undefined) {
        capped = true;
        cursor = undefined;
      }
    } while (cursor !== undefined);
  }
  return { counts, capped };
}

/** The session page's header: the session, its counts, questions and settings; `null` when unknown. */
export async function sessionDetail(store: AgentStorage, id: string) {
  const session = await store.getSession(id);
  if (session === null) return null;
  const caps = store.capabilities;
  return {
    session,
    totals: caps.paging
      ? { messages: await store.countMessages(id), toolCalls: await store.countToolCalls(id) }
      : { messages: (await store.getMessages(id)).length, toolCalls: (await store.getToolCalls(id)).length },
    questions: caps.questions ? await store.getQuestions(id) : [],
    settings: caps.settings ? await store.getSettings(id) : [],
  };
}

/**
 * A page of a session's timeline: the latest `limit` messages (`from=end`), the ones before
 * a cursor (`before`, a contract cursor from `earlierCursor`), or the ones after a message
 * (`after`, a `laterCursor`: live updates), each with its tool calls. Never reads the whole
 * session: messages come a keyset page at a time, tool calls from the page's end (the next
 * page's first message; the session's end for the latest page) back to its first message. `NOT_FOUND` for an unknown session, as its detail is.
 */
export async function timeline(
  store: AgentStorage,
  sessionId: string,
  params: Readonly<Record<string, string | undefined>>,
): Promise<TimelinePage> {
  if (!store.capabilities.paging)
    throw new AgentStorageError('NOT_SUPPORTED', 'the studio timeline needs capability paging', {
      adapter: store.adapter,
    });
  const limit = integer('limit', params.limit) ?? 100;
  if (limit < 1 || limit > PAGE_LIMIT.max) throw bad('limit', `must be from 1 to ${PAGE_LIMIT.max}`);
  let messages: Message[];
  let earlierCursor: string | null = null;
  if (params.after) {
    messages = await messagesAfter(store, sessionId, laterPosition(params.after), limit);
  } else {
    const page = await store.getMessagesPage(
      sessionId,
      params.before ? { before: params.before, limit } : { from: 'end', limit },
    );
    messages = page.items;
    earlierCursor = page.nextCursor;
  }
  // The contract gives an unknown session an empty page; only then is it worth asking.
  if (messages.length === 0 && (await store.getSession(sessionId)) === null)
    throw new AgentStorageError('NOT_FOUND', 'no such session', { adapter: 'studio' });
  const first = messages[0];
  const last = messages[messages.length - 1];
  const inPage = new Set(messages.map((m) => m.id));
  const byMessage = new Map<string, ToolCall[]>();
  const loose: ToolCall[] = [];
  // A call may come after its message: the page's calls run up to the next page's first
  // message, that second included for calls of this page's messages (times are seconds, so
  // the next page may start in the second a call of this page was made); a call without a
  // message here is the next page's when made in that second, so it shows once.
  const until =
    last === undefined || !params.before
      ? Number.POSITIVE_INFINITY
      : await nextMessageTime(store, sessionId, last);
  const calls = first === undefined ? [] : await toolCallsBetween(store, sessionId, first.createdAt, until);
  for (const c of calls) {
    if (c.messageId !== null && inPage.has(c.messageId))
      byMessage.set(c.messageId, [...(byMessage.get(c.messageId) ?? []), c]);
    else if (c.createdAt < until) loose.push(c);
  }
  return {
    items: messages.map((message) => ({ message, toolCalls: byMessage.get(message.id) ?? [] })),
    loose,
    earlierCursor,
    laterCursor: last === undefined ? (params.after ?? null) : `${last.createdAt}.${last.id}`,
  };
}

/**
 * A `laterCursor` as `timeline` writes it: the time of the last message the page has (an
 * integer as JSON writes one: no sign on 0, no leading zeros, no `0x`, no spaces), a dot,
 * and that message's id.
 */
function laterPosition(token: string): { createdAt: number; id: string } {
  const m = /^(0|-?[1-9][0-9]*)\.(.+)$/s.exec(token);
  const createdAt = Number(m?.[1]);
  if (m === null || !Number.isSafeInteger(createdAt)) throw bad('after', 'is not a cursor of this studio');
  return { createdAt, id: m[2] as string };
}

/** The kit's own cursor at a message (what every store on the engine reads). */
const messageCursor = (sessionId: string, at: { createdAt: number; id: string }) =>
  encodeCursor(`messages:${sessionId}`, { key: at.createdAt, id: at.id });

/**
 * The (at most `limit`) messages after `position`, oldest first: one keyset page after the
 * kit's cursor at that position, so it costs the same whether the message is the last one,
 * deep in a long session, or gone. A store that refuses the cursor either has cursors of its
 * own or was given an id it never issues: asked with a cursor at its own latest message,
 * the first refuses again (it is searched instead), the second does not (a bad `after`).
 */
async function messagesAfter(
  store: AgentStorage,
  sessionId: string,
  position: { createdAt: number; id: string },
  limit: number,
): Promise<Message[]> {
  const pageAfter = (at: { createdAt: number; id: string }, n: number) =>
    store
      .getMessagesPage(sessionId, { after: messageCursor(sessionId, at), limit: n })
      .catch((e: unknown) => (isInvalid(e) ? null : Promise.reject(e)));
  const page = await pageAfter(position, limit);
  if (page !== null) return page.items;
  const latest = (await store.getMessagesPage(sessionId, { from: 'end', limit: 1 })).items[0];
  if (latest === undefined) return [];
  if ((await pageAfter(latest, 1)) !== null) throw bad('after', 'names no message of this store');
  return searchBack(store, sessionId, position, limit);
}

/**
 * `messagesAfter` for a store whose cursors are its own: read back from the session's end
 * until the message at `position` (or, when it is gone, until its time), which a live
 * session reaches within a page or two.
 */
async function searchBack(
  store: AgentStorage,
  sessionId: string,
  position: { createdAt: number; id: string },
  limit: number,
): Promise<Message[]> {
  const newer: Message[] = [];
  let page = await store.getMessagesPage(sessionId, { from: 'end', limit: PAGE_LIMIT.max });
  for (;;) {
    const at = page.items.findIndex((m) => m.id === position.id);
    if (at >= 0) {
      newer.unshift(...page.items.slice(at + 1));
      break;
    }
    // Past it in time (it was deleted): everything later than its time is new.
    const later = page.items.filter((m) => m.createdAt > position.createdAt);
    newer.unshift(...later);
    if (later.length < page.items.length || page.nextCursor === null) break;
    page = await store.getMessagesPage(sessionId, { before: page.nextCursor, limit: PAGE_LIMIT.max });
  }
  return newer.slice(0, limit);
}

const isInvalid = (e: unknown) => e instanceof AgentStorageError && e.code === 'INVALID_INPUT';

/** When the message after `last` was created (`Infinity` when none, or when the store's cursors are its own). */
async function nextMessageTime(store: AgentStorage, sessionId: string, last: Message): Promise<number> {
  const next = await store
    .getMessagesPage(sessionId, { after: messageCursor(sessionId, last), limit: 1 })
    .catch((e: unknown) => (isInvalid(e) ? null : Promise.reject(e)));
  return next?.items[0]?.createdAt ?? Number.POSITIVE_INFINITY;
}

/**
 * Tool calls created from `since` to `through` (both included), read backwards a page at a
 * time. The first page starts just after `through` with a cursor in the kit's own format
 * (what every store on the engine reads), so a page deep in a long session costs what the
 * last one does; a store with cursors of its own refuses it, and the read starts from the
 * session's end instead. The cursor is at the second after `through` with id 1, the least
 * row id: before every call made then (the engine refuses 0, which is no row id, and would
 * send every read to the session's end).
 */
async function toolCallsBetween(
  store: AgentStorage,
  sessionId: string,
  since: number,
  through: number,
): Promise<ToolCall[]> {
  const out: ToolCall[] = [];
  const fromEnd = () => store.getToolCallsPage(sessionId, { from: 'end', limit: PAGE_LIMIT.max });
  let page = Number.isSafeInteger(through + 1)
    ? await store
        .getToolCallsPage(sessionId, {
          before: encodeCursor(`toolCalls:${sessionId}`, { key: through + 1, id: '1' }),
          limit: PAGE_LIMIT.max,
        })
        .catch((e: unknown) => (isInvalid(e) ? fromEnd() : Promise.reject(e)))
    : await fromEnd();
  for (;;) {
    out.unshift(...page.items.filter((c) => c.createdAt >= since && c.createdAt <= through));
    const oldest = page.items[0];
    if (page.nextCursor === null || oldest === undefined || oldest.createdAt < since) return out;
    page = await store.getToolCallsPage(sessionId, { before: page.nextCursor, limit: PAGE_LIMIT.max });
  }
}
