/**
 * What each raw-driver baseline implements: the benchmark's operations written the way an
 * app would write them straight on the driver — the kit's SQL, `JSON.stringify`, a
 * hand-written row mapping, no validation — plus bulk seeding used only during setup.
 * Methods return plain values when the driver is synchronous (better-sqlite3).
 */
export type MaybePromise<T> = T | Promise<T>;

export interface RawMessage {
  id: string;
  sessionId: string;
  role: string;
  content: string;
  createdAt: number;
  clientKey: string | null;
}

export interface RawSession {
  id: string;
  agentName: string;
  provider: string;
  model: string;
  systemPrompt: string | null;
  userPrompt: string;
  config: unknown;
  status: string;
  startedAt: number;
  endedAt: number | null;
  result: string | null;
  error: string | null;
}

/** A keyset position: the ordering key (`createdAt` / `startedAt`) and the row id. */
export interface RawKey {
  key: number;
  id: string;
}

/** A page as an app would hand-roll it: the rows, and the key of the last one when more follow. */
export interface RawPage<T> {
  items: T[];
  next: RawKey | null;
}

export interface RawToolCallInput {
  sessionId: string;
  messageId: string | null;
  toolCallId: string;
  toolName: string;
  request: unknown;
}

export interface RawToolCallCompletion {
  response: unknown;
  executionTimeMs: number;
  completedAt: number;
}

/** Setup helpers; each writes in bulk (one transaction or one statement), never measured. */
export interface Seeder {
  /** A session row; resolves to its id. */
  createSession(agentName: string): Promise<string>;
  /** Appends `count` messages of `content` to a session, `createdAt` from `firstCreatedAt` upwards. */
  seedMessages(sessionId: string, count: number, content: string, firstCreatedAt: number): Promise<void>;
  /** Adds `count` completed sessions, `startedAt` from `firstStartedAt` upwards. */
  seedSessions(count: number, firstStartedAt: number): Promise<void>;
  /** The position of a session's message number `offset` (0-based) in (createdAt, id) order. */
  messageKeyAt(sessionId: string, offset: number): Promise<RawKey>;
  /** The position of session number `offset` (0-based) in (startedAt, id) descending order. */
  sessionKeyAt(offset: number): Promise<RawKey>;
  /**
   * A whole run for the delete operations: a session with `count` messages of `content`
   * (roles cycling as in `seedMessages`, `createdAt` from `firstCreatedAt` upwards) and a
   * completed tool call (`request` / `response`: JSON text) on each assistant message, a
   * quarter of them. Written through this connection without maintenance (no VACUUM), as an
   * app would; resolves to the session's id.
   */
  seedRun(run: SeedRun): Promise<string>;
  close(): Promise<void>;
}

export interface SeedRun {
  agentName: string;
  count: number;
  content: string;
  firstCreatedAt: number;
  request: string;
  response: string;
}

export interface RawStore extends Seeder {
  createMessage(sessionId: string, role: string, content: string): MaybePromise<string>;
  getMessages(sessionId: string): MaybePromise<RawMessage[]>;
  createToolCall(input: RawToolCallInput): MaybePromise<string>;
  completeToolCall(id: string, completion: RawToolCallCompletion): MaybePromise<void>;
  /** `limit` messages after `after` (fetching `limit + 1`, as the kit does, to know whether more follow). */
  getMessagesPage(sessionId: string, after: RawKey, limit: number): MaybePromise<RawPage<RawMessage>>;
  /** Newest sessions first, `limit` of them, before `before` when given. */
  listSessions(before: RawKey | null, limit: number): MaybePromise<RawPage<RawSession>>;
  /**
   * The latest `limit` messages, ascending, fetched newest first (`limit + 1`, as the kit does)
   * and reversed; `next` is the oldest one's key when earlier messages exist.
   */
  getLatestMessages(sessionId: string, limit: number): MaybePromise<RawPage<RawMessage>>;
  /** Deletes a session (its rows go by the foreign keys); whether it existed. */
  deleteSession(id: string): MaybePromise<boolean>;
}

/** Builds the page from `limit + 1` rows. */
export function rawPage<T>(rows: T[], limit: number, keyOf: (row: T) => RawKey): RawPage<T> {
  if (rows.length <= limit) return { items: rows, next: null };
  const items = rows.slice(0, limit);
  return { items, next: keyOf(items[items.length - 1] as T) };
}

/** Builds the latest page from `limit + 1` rows read newest first: ascending, keyed by its oldest row. */
export function rawLatestPage<T>(rows: T[], limit: number, keyOf: (row: T) => RawKey): RawPage<T> {
  const more = rows.length > limit;
  const items = (more ? rows.slice(0, limit) : rows).reverse();
  return { items, next: more ? keyOf(items[0] as T) : null };
}

export const SEED_CHUNK = 5_000;
export const SEED_ROLES = ['user', 'assistant', 'tool', 'system'] as const;

/**
 * The bound values of `insertSession` (the kit's column order: agent, provider, model,
 * system prompt, user prompt, config, status, started, ended, result, error) for a
 * benchmark session started now.
 */
export function sessionParams(agentName: string): (string | number | null)[] {
  return [
    agentName,
    'anthropic',
    'claude-sonnet-4-5',
    null,
    'benchmark',
    null,
    'running',
    Math.floor(Date.now() / 1000),
    null,
    null,
    null,
  ];
}
