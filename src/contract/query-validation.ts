import {
  checkValue,
  describe,
  type FieldSpec,
  invalid,
  lookAt,
  requireObject,
  type ValidationContext,
  validateIdArgument,
} from './input-checks.js';
import { checkList } from './list-checks.js';
import type { SessionStatus } from './types.js';
import { PAGE_LIMIT, SESSION_STATUSES } from './types.js';

/** Validation of listing and paging queries, and the cursors they carry. */

/** A position in a keyset order: the sort key and the id that breaks ties. */
export interface CursorPosition {
  key: number;
  id: string;
}

/**
 * Which list a cursor walks: `sessions`, or `messages:<sessionId>` / `toolCalls:<sessionId>`.
 * A cursor only continues the list it came from.
 */
export type CursorScope = string;

/**
 * Cursors are opaque to callers; inside they are `<scope>.<key>.<id>` in plain text, which
 * costs nanoseconds to write and read on every page call (base64url of JSON cost about
 * half a microsecond each way; see docs/performance.md). Everything in one is checked on the way in.
 */
export function encodeCursor(scope: CursorScope, position: CursorPosition): string {
  return `${scope}.${position.key}.${position.id}`;
}

const CURSOR_KEY = /^(?:0|-?[1-9][0-9]*)$/;

function decodeCursor(
  ctx: ValidationContext,
  op: string,
  field: string,
  cursor: unknown,
  scope: CursorScope,
): CursorPosition {
  if (typeof cursor !== 'string') invalid(ctx, op, field, `must be a cursor string, got ${describe(cursor)}`);
  // The scope may itself hold dots one day; key and id never do, so split from the end.
  const idAt = cursor.lastIndexOf('.');
  const keyAt = idAt > 0 ? cursor.lastIndexOf('.', idAt - 1) : -1;
  const keyText = cursor.slice(keyAt + 1, idAt);
  const key = Number(keyText);
  if (keyAt <= 0 || !CURSOR_KEY.test(keyText) || !Number.isSafeInteger(key) || idAt === cursor.length - 1) {
    invalid(ctx, op, field, 'is not a cursor this storage issued');
  }
  if (cursor.slice(0, keyAt) !== scope) invalid(ctx, op, field, 'is a cursor of another list');
  return { key, id: cursor.slice(idAt + 1) };
}

function checkLimit(ctx: ValidationContext, op: string, limit: unknown): number {
  if (limit === undefined) return PAGE_LIMIT.default;
  if (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 1 || limit > PAGE_LIMIT.max) {
    invalid(ctx, op, 'limit', `must be an integer from 1 to ${PAGE_LIMIT.max}, got ${describe(limit)}`);
  }
  return limit;
}

export interface SessionQueryRecord {
  statuses: SessionStatus[] | null;
  agentName: string | null;
  provider: string | null;
  model: string | null;
  startedFrom: number | null;
  startedBefore: number | null;
  endedBefore: number | null;
  limit: number;
  cursor: CursorPosition | null;
}

const FILTERS = ['status', 'agentName', 'provider', 'model', 'startedFrom', 'startedBefore', 'endedBefore'];

const LISTING_KEYS: readonly string[] = [...FILTERS, 'limit', 'cursor'];
const DELETING_KEYS: readonly string[] = [...FILTERS, 'limit'];
const NAME: FieldSpec = { kind: 'name' };
const TIMESTAMP: FieldSpec = { kind: 'timestamp' };

/**
 * One optional filter, `null` when absent. A function of the module, not a closure made per
 * listing: the benchmark runs the source through tsx, whose `keepNames` gives every closure
 * made per call a `defineProperty` of its name.
 */
function filter(
  ctx: ValidationContext,
  op: string,
  obj: Record<string, unknown>,
  field: string,
  spec: FieldSpec,
) {
  return obj[field] === undefined ? null : checkValue(ctx, op, field, spec, obj[field]);
}

/** The filters and limit of a listing (`listSessions`, `deleteSessions`), and a cursor where `op` takes one. */
function sessionFilters(
  ctx: ValidationContext,
  op: string,
  obj: Record<string, unknown>,
  cursor: boolean,
): SessionQueryRecord {
  const known = cursor ? LISTING_KEYS : DELETING_KEYS;
  for (const key of Object.keys(obj))
    if (!known.includes(key)) invalid(ctx, op, key, `is not a filter of ${op}`);
  let statuses: SessionStatus[] | null = null;
  if (obj.status !== undefined) {
    const list = lookAt(ctx, op, 'status', obj.status, Array.isArray)
      ? checkList(ctx, op, 'status', obj.status, (v) => v)
      : [obj.status];
    if (list.length === 0) invalid(ctx, op, 'status', 'must name at least one status');
    statuses = list.map(
      (s) =>
        checkValue(
          ctx,
          op,
          'status',
          { kind: 'text', oneOf: SESSION_STATUSES } as FieldSpec,
          s,
        ) as SessionStatus,
    );
  }
  return {
    statuses,
    agentName: filter(ctx, op, obj, 'agentName', NAME) as string | null,
    provider: filter(ctx, op, obj, 'provider', NAME) as string | null,
    model: filter(ctx, op, obj, 'model', NAME) as string | null,
    startedFrom: filter(ctx, op, obj, 'startedFrom', TIMESTAMP) as number | null,
    startedBefore: filter(ctx, op, obj, 'startedBefore', TIMESTAMP) as number | null,
    endedBefore: filter(ctx, op, obj, 'endedBefore', TIMESTAMP) as number | null,
    limit: checkLimit(ctx, op, obj.limit),
    cursor: obj.cursor === undefined ? null : decodeCursor(ctx, op, 'cursor', obj.cursor, 'sessions'),
  };
}

export function validateSessionQuery(ctx: ValidationContext, input: unknown): SessionQueryRecord {
  const obj = input === undefined ? {} : requireObject(ctx, 'listSessions', 'query', input);
  return sessionFilters(ctx, 'listSessions', obj, true);
}

/** `deleteSessions`: like a listing without a cursor, and never without a filter. */
export function validateSessionDeleteQuery(ctx: ValidationContext, input: unknown): SessionQueryRecord {
  const op = 'deleteSessions';
  const obj = requireObject(ctx, op, 'query', input);
  const q = sessionFilters(ctx, op, obj, false);
  if (!FILTERS.some((f) => obj[f] !== undefined))
    invalid(
      ctx,
      op,
      'query',
      'needs at least one filter: deleting every session takes an explicit one, such as startedBefore',
    );
  return q;
}

export interface PageQueryRecord {
  limit: number;
  after: CursorPosition | null;
  before: CursorPosition | null;
  /** The last `limit` rows (`from: 'end'`); never with a cursor. */
  fromEnd: boolean;
}

/** `list` names the rows paged; cursors are scoped to it and to the session. */
export function validatePageQuery(
  ctx: ValidationContext,
  op: string,
  list: 'messages' | 'toolCalls',
  sessionId: unknown,
  input: unknown,
): PageQueryRecord {
  const scope = `${list}:${validateIdArgument(ctx, op, 'sessionId', sessionId)}`;
  const obj = input === undefined ? {} : requireObject(ctx, op, 'query', input);
  for (const key of Object.keys(obj))
    if (!['limit', 'after', 'before', 'from'].includes(key))
      invalid(ctx, op, key, `is not an option of ${op}`);
  if (obj.after !== undefined && obj.before !== undefined)
    invalid(ctx, op, 'before', 'cannot be combined with after');
  if (obj.from !== undefined && obj.from !== 'start' && obj.from !== 'end')
    invalid(ctx, op, 'from', "must be 'start' or 'end'");
  const fromEnd = obj.from === 'end';
  // A cursor already says where to read; 'end' with one would be two answers to one question.
  if (obj.from !== undefined && (obj.after !== undefined || obj.before !== undefined))
    invalid(ctx, op, 'from', 'cannot be combined with a cursor');
  return {
    limit: checkLimit(ctx, op, obj.limit),
    after: obj.after === undefined ? null : decodeCursor(ctx, op, 'after', obj.after, scope),
    before: obj.before === undefined ? null : decodeCursor(ctx, op, 'before', obj.before, scope),
    fromEnd,
  };
}
