// Typed wrappers over the studio server's read-only JSON API.
import type {
  Message,
  Question,
  Session,
  SessionStatus,
  Setting,
  ToolCall,
} from '../../src/contract/types.js';

export type { Message, Question, Session, SessionStatus, Setting, ToolCall };

export const STATUSES: readonly SessionStatus[] = [
  'running',
  'waiting_for_user_input',
  'failed',
  'completed',
];
export const LIVE_STATUSES: readonly SessionStatus[] = ['running', 'waiting_for_user_input'];

export interface Info {
  adapter: string;
  url: string;
  capabilities: Record<string, boolean>;
  readOnly: true;
  report: boolean;
}

export interface SessionsPage {
  items: Session[];
  nextCursor: string | null;
}

export interface StatusCounts {
  counts: Record<SessionStatus, number>;
  capped: boolean;
}

export interface SessionDetail {
  session: Session;
  totals: { messages: number; toolCalls: number };
  questions: Question[];
  settings: Setting[];
}

export interface MessageEntry {
  message: Message;
  toolCalls: ToolCall[];
}

export interface MessagesPage {
  items: MessageEntry[];
  loose: ToolCall[];
  earlierCursor: string | null;
  laterCursor: string | null;
}

export interface RequirementResult {
  id: string;
  title: string;
  status: 'passed' | 'failed' | 'skipped' | 'not-applicable';
  durationMs: number;
  message?: string;
  details?: Record<string, number>;
}

export interface ConformanceReport {
  suiteVersion?: string;
  target: string;
  adapter: string;
  seed: number;
  passed: number;
  failed: number;
  skipped: number;
  notApplicable: number;
  startedAt?: string;
  durationMs?: number;
  results: RequirementResult[];
}

/** A failed API call: `status` is the HTTP status (0 when the server could not be reached). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export const NOT_AUTHORISED = 'not authorised: open the URL printed by agent-storage studio';

export function isUnauthorised(e: unknown): boolean {
  return e instanceof ApiError && e.status === 401;
}

/** The studio's token: in this page's memory only, sent by its fetches as a Bearer header. */
let token = '';

/**
 * Takes the token from the URL the studio printed (`/?token=…`) and removes it from the
 * address bar and history, where it would outlive the page (a bookmark, a shared screen, a
 * synced history). Not a cookie: a cookie for 127.0.0.1 would go to every server on it,
 * whatever the port. The cost: a reload or a new tab needs the printed URL again.
 */
export function takeToken(): void {
  const url = new URL(location.href);
  token = url.searchParams.get('token') ?? '';
  if (!url.searchParams.has('token')) return;
  url.searchParams.delete('token');
  history.replaceState(history.state, '', `${url.pathname}${url.search}${url.hash}`);
}

async function get<T>(path: string, signal?: AbortSignal): Promise<T> {
  let res: Response;
  try {
    res = await fetch(path, {
      // The token is the only credential: no cookie of another server on this host comes along.
      credentials: 'omit',
      headers: { accept: 'application/json', authorization: `Bearer ${token}` },
      ...(signal ? { signal } : {}),
    });
  } catch (e) {
    if (signal?.aborted) throw e;
    throw new ApiError(0, 'NETWORK', `the studio server did not answer (${String(e)})`);
  }
  if (res.status === 401) throw new ApiError(401, 'UNAUTHORISED', NOT_AUTHORISED);
  let body: unknown = null;
  try {
    body = await res.json();
  } catch {
    if (res.ok) throw new ApiError(res.status, 'BAD_RESPONSE', `${path}: the answer is not JSON`);
  }
  if (!res.ok) {
    const err = (body as { error?: { code?: unknown; message?: unknown } } | null)?.error;
    throw new ApiError(
      res.status,
      typeof err?.code === 'string' ? err.code : `HTTP_${res.status}`,
      typeof err?.message === 'string' ? err.message : `${path}: HTTP ${res.status}`,
    );
  }
  return body as T;
}

function query(params: Record<string, string | number | null | undefined>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params))
    if (v !== null && v !== undefined && v !== '') q.set(k, String(v));
  const s = q.toString();
  return s ? `?${s}` : '';
}

const sessionPath = (id: string) => `/api/sessions/${encodeURIComponent(id)}`;

export const api = {
  info: (signal?: AbortSignal) => get<Info>('/api/info', signal),
  statusCounts: (signal?: AbortSignal) => get<StatusCounts>('/api/status-counts', signal),
  sessions: (
    filter: {
      status?: readonly string[];
      agent?: string;
      provider?: string;
      model?: string;
      since?: number | null;
      until?: number | null;
      limit?: number;
      cursor?: string | null;
    },
    signal?: AbortSignal,
  ) =>
    get<SessionsPage>(
      `/api/sessions${query({
        status: filter.status?.length ? filter.status.join(',') : null,
        agent: filter.agent,
        provider: filter.provider,
        model: filter.model,
        since: filter.since,
        until: filter.until,
        limit: filter.limit ?? 50,
        cursor: filter.cursor,
      })}`,
      signal,
    ),
  session: (id: string, signal?: AbortSignal) => get<SessionDetail>(sessionPath(id), signal),
  /** `{ from: 'end' }` the latest page; `{ before }` the page before; `{ after }` newer messages. */
  messages: (
    id: string,
    at: { from: 'end' } | { before: string } | { after: string },
    limit: number,
    signal?: AbortSignal,
  ) => get<MessagesPage>(`${sessionPath(id)}/messages${query({ ...at, limit })}`, signal),
  report: async (signal?: AbortSignal): Promise<ConformanceReport[]> => {
    const body = await get<ConformanceReport | ConformanceReport[]>('/api/report', signal);
    return Array.isArray(body) ? body : [body];
  },
};
