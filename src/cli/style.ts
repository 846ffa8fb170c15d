import stringWidth from 'string-width';
import type { SessionStatus, ToolCallStatus } from '../contract/types.js';

/**
 * How text looks: cut to the terminal's width on a TTY, and in ANSI colour unless `NO_COLOR`
 * is set; plain and whole when piped (so `grep` and files get every character). One object
 * per output, made by `styleFor`.
 */
export interface Style {
  readonly color: boolean;
  /** Columns to fit lines in; `Infinity` when piped. */
  readonly width: number;
  dim(s: string): string;
  bold(s: string): string;
  red(s: string): string;
  green(s: string): string;
  yellow(s: string): string;
  cyan(s: string): string;
  magenta(s: string): string;
  status(s: SessionStatus | ToolCallStatus): string;
  /** One line cut to `width` terminal columns (a CJK character or an emoji takes two), with `…` where it was cut. */
  fit(line: string, indent?: number): string;
}

const code = (open: number, close: number) => (s: string) => `\u001b[${open}m${s}\u001b[${close}m`;

const STATUS_COLOR = {
  running: 'cyan',
  waiting_for_user_input: 'yellow',
  completed: 'green',
  failed: 'red',
  pending: 'yellow',
  executing: 'cyan',
} as const;

/** `color`: ANSI colours; `tty`: cut lines to `columns`. */
export function styleFor(options: { color: boolean; tty: boolean; columns: number }): Style {
  const paint = options.color
    ? {
        dim: code(2, 22),
        bold: code(1, 22),
        red: code(31, 39),
        green: code(32, 39),
        yellow: code(33, 39),
        cyan: code(36, 39),
        magenta: code(35, 39),
      }
    : {
        dim: (s: string) => s,
        bold: (s: string) => s,
        red: (s: string) => s,
        green: (s: string) => s,
        yellow: (s: string) => s,
        cyan: (s: string) => s,
        magenta: (s: string) => s,
      };
  const width = options.tty ? Math.max(40, options.columns) : Number.POSITIVE_INFINITY;
  return {
    color: options.color,
    width,
    ...paint,
    status: (s) => paint[STATUS_COLOR[s]](s),
    fit(line, indent = 0) {
      return cut(line, Math.max(1, width - indent), options.color);
    },
  };
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: ANSI colour sequences, which take no columns
const ANSI = /\u001b\[[0-9;]*m/g;
// biome-ignore lint/suspicious/noControlCharactersInRegex: the same, kept as parts of a split
const ANSI_PART = /(\u001b\[[0-9;]*m)/;

/** The terminal columns `text` takes: colour sequences none, a CJK character or an emoji two, a tab its four spaces. */
export function columnsOf(text: string): number {
  return stringWidth(text.replace(ANSI, '').replaceAll('\t', '    '));
}

/** `line` cut to `room` columns (see `columnsOf`), with `…` where it was cut. */
function cut(line: string, room: number, color: boolean): string {
  if (columnsOf(line) <= room) return line;
  let visible = 0;
  let out = '';
  for (const part of line.split(ANSI_PART)) {
    if (part.startsWith('\u001b[')) {
      out += part;
      continue;
    }
    for (const ch of part) {
      const w = columnsOf(ch);
      if (visible + w > room - 1) return `${out}…${color ? '\u001b[0m' : ''}`;
      out += ch === '\t' ? '    ' : ch;
      visible += w;
    }
  }
  return out;
}

/**
 * Control characters (a stored `\u001b[2J`, a carriage return) and the characters that reorder
 * or break what follows them on screen (bidirectional overrides, embeddings, isolates and
 * marks; the line and paragraph separators) shown as escapes: stored text never drives the
 * terminal, and an unterminated right-to-left override cannot spoof the rest of a line.
 */
export function printable(text: string): string {
  return text.replace(CONTROL, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: the point is to find them (tab and newline are kept)
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]/g;

/** Unix seconds as `2026-01-01 12:00:00Z`: UTC, so output is the same on every machine. */
export function formatTime(seconds: number | null): string {
  if (seconds === null) return '—';
  const d = new Date(seconds * 1000);
  return Number.isNaN(d.getTime())
    ? String(seconds)
    : d.toISOString().replace('T', ' ').replace('.000Z', 'Z');
}

/** A duration in seconds as `42 s`, `3 min 5 s`, `2 h 4 min`. */
export function formatDuration(seconds: number): string {
  if (seconds < 0) return `${seconds} s`;
  if (seconds < 60) return `${seconds} s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min ${seconds % 60} s`;
  return `${Math.floor(seconds / 3600)} h ${Math.floor((seconds % 3600) / 60)} min`;
}
