// Formatting helpers: every time is shown in UTC, every result is plain text.

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

/** Unix seconds → `2026-01-31 14:05:09` (UTC); empty for null. */
export function formatTime(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) return '';
  const d = new Date(seconds * 1000);
  if (Number.isNaN(d.getTime())) return String(seconds);
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(
    d.getUTCMinutes(),
  )}:${pad(d.getUTCSeconds())}`;
}

/** Milliseconds → `850 ms`, `12.4 s`, `3m 07s`, `2h 05m`, `3d 4h`. */
export function formatDuration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '';
  if (ms < 0) return `-${formatDuration(-ms)}`;
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = ms / 1000;
  if (s < 60) return `${s < 10 ? s.toFixed(2) : s.toFixed(1)} s`;
  const total = Math.floor(s);
  if (total < 3600) return `${Math.floor(total / 60)}m ${pad(total % 60)}s`;
  if (total < 86400) return `${Math.floor(total / 3600)}h ${pad(Math.floor((total % 3600) / 60))}m`;
  return `${Math.floor(total / 86400)}d ${Math.floor((total % 86400) / 3600)}h`;
}

/**
 * A session's length: ended − started; for a running (or waiting) one, "… so far" up to now;
 * for a finished one with no end time recorded, nothing (it did not run until now).
 */
export function sessionDuration(startedAt: number, endedAt: number | null, live: boolean): string {
  if (endedAt !== null) return formatDuration((endedAt - startedAt) * 1000);
  if (!live) return '';
  const now = Math.floor(Date.now() / 1000);
  return now >= startedAt ? `${formatDuration((now - startedAt) * 1000)} so far` : '';
}

/** `12,345`; `10,000+` for a count that hit the server's cap. */
export function formatCount(n: number, capped = false): string {
  const s = n.toLocaleString('en-US');
  return capped && n >= 10000 ? `${s}+` : s;
}

/** The first non-empty line of `text`, cut to `max` characters. */
export function firstLine(text: string | null | undefined, max = 120): string {
  if (!text) return '';
  const line = text.split(/\r?\n/).find((l) => l.trim() !== '') ?? '';
  const t = line.trim();
  return t.length > max ? `${t.slice(0, max - 1)}…` : t;
}

/** `2026-01-31` (a date input's value, read as UTC) → Unix seconds at its start; null when empty/invalid. */
export function dateToUnix(value: string): number | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (!m) return null;
  const t = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  return Number.isNaN(t) ? null : t / 1000;
}

/** Status ids as words: `waiting_for_user_input` → `waiting for user input`. */
export function statusLabel(status: string): string {
  return status.replaceAll('_', ' ');
}

/** A long id shortened for tables (the full id stays in the link and title). */
export function shortId(id: string, max = 14): string {
  return id.length > max ? `${id.slice(0, max - 1)}…` : id;
}
