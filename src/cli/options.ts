import type { SessionQuery, SessionStatus } from '../contract/types.js';
import { SESSION_STATUSES } from '../contract/types.js';
import { DEFAULT_URL } from '../create-storage.js';
import { type CliIo, UsageError } from './io.js';

/**
 * Option values shared by several commands, parsed once: which store (`--url`, else
 * `AGENT_STORAGE_URL` when set and not empty, else the embedded default), the listing filters,
 * and times given as a date or as Unix seconds.
 */

/** The store a command works on. An empty `AGENT_STORAGE_URL` means "not set", as in `createStorage`. */
export function storeUrl(flag: string | undefined, io: Pick<CliIo, 'env'>): string {
  return flag ?? (io.env.AGENT_STORAGE_URL || DEFAULT_URL);
}

/** `YYYY-MM-DD`, optionally `THH:MM[:SS[.fff]]` (or a space for the T) and `Z` or `±HH[:]MM`. */
const ISO_DATE =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(?:Z|[+-](\d{2}):?(\d{2}))?)?$/;

function isCalendarDate(m: RegExpExecArray): boolean {
  const [year, month, day, hour = 0, minute = 0, second = 0, offsetHours = 0, offsetMinutes = 0] = m
    .slice(1)
    .map((v) => (v === undefined ? undefined : Number(v)));
  // Day 0 of the next month is the month's last day (setUTCFullYear: Date.UTC reads years 0–99 as 19xx).
  const last = new Date(0);
  last.setUTCFullYear(year as number, month as number, 0);
  const days = last.getUTCDate();
  return (
    (month as number) >= 1 &&
    (month as number) <= 12 &&
    (day as number) >= 1 &&
    (day as number) <= days &&
    hour <= 23 &&
    minute <= 59 &&
    second <= 59 &&
    offsetHours <= 23 &&
    offsetMinutes <= 59
  );
}

/**
 * Why a local date-time (no `Z`, no offset) names no single instant in the machine's zone, or
 * `null` when it names one: `ms` is what `Date.parse` made of it. In a spring-forward gap
 * (02:30 where clocks jump from 02:00 to 03:00) Date.parse quietly moves the time by the jump;
 * in a fall-back hour the same clock time happens twice and it picks the first. Either way the
 * instant would not be the one the user meant, or not the only one, so an offset is asked for.
 */
function localTimeProblem(fields: readonly number[], ms: number): string | null {
  const [year, month, day, hour, minute, second] = fields;
  const reads = (t: number) => {
    const d = new Date(t);
    return (
      d.getFullYear() === year &&
      d.getMonth() + 1 === month &&
      d.getDate() === day &&
      d.getHours() === hour &&
      d.getMinutes() === minute &&
      d.getSeconds() === second
    );
  };
  if (!reads(ms))
    return "does not exist in this machine's time zone (clocks skip it for daylight saving time)";
  // How far the zone's offset moves around this instant; a clock time read at both ends of the move is ambiguous.
  const shift = Math.abs(
    new Date(ms + 86_400_000).getTimezoneOffset() - new Date(ms - 86_400_000).getTimezoneOffset(),
  );
  if (shift !== 0 && (reads(ms + shift * 60_000) || reads(ms - shift * 60_000)))
    return "happens twice in this machine's time zone (clocks go back over it for daylight saving time)";
  return null;
}

/**
 * A point in time: Unix seconds (`1767225600`), an ISO 8601 date or date-time
 * (`2026-01-01`, `2026-01-01T12:00:00Z`), or an age before now (`30d`, `12h`, `90m`). A date
 * alone is midnight UTC; a date-time without `Z` or an offset is the machine's local time
 * (as ECMAScript and `date -d` read it), refused when daylight saving time skips it or
 * repeats it. A day the month does not have is refused, not rolled over, and eight digits
 * that make a date (`20260101`) are refused as ambiguous.
 */
export function parseTime(flag: string, value: string, now = Date.now()): number {
  const text = value.trim();
  // 20260101 is a date in ISO 8601's basic form, and as Unix seconds a day in August 1970:
  // a date written without dashes is refused rather than read as 1970.
  const basic = /^(\d{4})(\d{2})(\d{2})$/.exec(text);
  if (basic && isCalendarDate(basic) && Number(basic[1]) >= 1900)
    throw new UsageError(
      `--${flag}: ${JSON.stringify(value)} reads as a date or as Unix seconds in 1970: write the date as ${basic[1]}-${basic[2]}-${basic[3]}`,
    );
  if (/^-?\d+$/.test(text)) {
    const n = Number(text);
    if (Number.isSafeInteger(n)) return n;
  }
  const age = /^(\d+)([smhdw])$/.exec(text);
  if (age) {
    const unit = { s: 1, m: 60, h: 3600, d: 86400, w: 604800 }[age[2] as 's' | 'm' | 'h' | 'd' | 'w'];
    return Math.floor(now / 1000) - Number(age[1]) * unit;
  }
  const date = ISO_DATE.exec(text);
  // Date.parse rolls 2026-02-30 over to March 2: each field is checked against its range first.
  if (date) {
    if (!isCalendarDate(date))
      throw new UsageError(`--${flag}: ${JSON.stringify(value)} is not a day and time the calendar has`);
    const ms = Date.parse(text);
    const local = date[4] !== undefined && !/(?:Z|[+-]\d{2}:?\d{2})$/.test(text);
    const problem =
      local && !Number.isNaN(ms)
        ? localTimeProblem(
            date.slice(1, 7).map((v) => Number(v ?? 0)),
            ms,
          )
        : null;
    if (problem !== null)
      throw new UsageError(`--${flag}: ${JSON.stringify(value)} ${problem}: give an offset (Z, +01:00, …)`);
    if (!Number.isNaN(ms)) return Math.floor(ms / 1000);
  }
  throw new UsageError(
    `--${flag} must be Unix seconds, an ISO date (2026-01-01, 2026-01-01T12:00:00Z) or an age (30d, 12h), got ${JSON.stringify(value)}`,
  );
}

/** The listing filters as flags (commander option values). */
export interface FilterFlags {
  status?: string[];
  agent?: string;
  provider?: string;
  model?: string;
  since?: string;
  until?: string;
  endedBefore?: string;
}

/** The flags as a `SessionQuery` (without limit and cursor). A status the contract does not know is a usage error. */
export function filtersOf(flags: FilterFlags, now = Date.now()): Omit<SessionQuery, 'limit' | 'cursor'> {
  const statuses = (flags.status ?? []).flatMap((s) => s.split(',')).filter((s) => s !== '');
  if (flags.status !== undefined && statuses.length === 0) throw new UsageError('--status names no status');
  for (const [flag, value] of [
    ['agent', flags.agent],
    ['provider', flags.provider],
    ['model', flags.model],
  ] as const)
    if (value === '') throw new UsageError(`--${flag} must not be empty`);
  for (const s of statuses) {
    if (!(SESSION_STATUSES as readonly string[]).includes(s))
      throw new UsageError(
        `--status must be one of ${SESSION_STATUSES.join(', ')}, got ${JSON.stringify(s)}`,
      );
  }
  return {
    ...(statuses.length > 0 ? { status: statuses as SessionStatus[] } : {}),
    ...(flags.agent !== undefined ? { agentName: flags.agent } : {}),
    ...(flags.provider !== undefined ? { provider: flags.provider } : {}),
    ...(flags.model !== undefined ? { model: flags.model } : {}),
    ...(flags.since !== undefined ? { startedFrom: parseTime('since', flags.since, now) } : {}),
    ...(flags.until !== undefined ? { startedBefore: parseTime('until', flags.until, now) } : {}),
    ...(flags.endedBefore !== undefined
      ? { endedBefore: parseTime('ended-before', flags.endedBefore, now) }
      : {}),
  };
}
