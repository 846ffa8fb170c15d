import { AgentStorageError } from '../contract/errors.js';
import { encodeJson } from '../contract/json.js';
import {
  MESSAGE_ROLES,
  type Message,
  type Question,
  SESSION_STATUSES,
  type Session,
  type Setting,
  TOOL_CALL_STATUSES,
  type ToolCall,
} from '../contract/types.js';

/** The `format` of an export's header line. */
export const EXPORT_FORMAT = 'agent-storage-kit/export';
/**
 * The format version this build writes and the newest it reads. Version 2 added the `end`
 * record, without which a version 2 export is known to be cut short.
 */
export const EXPORT_VERSION = 2;

/** The first record of every export. */
export interface ExportHeader {
  type: 'header';
  format: typeof EXPORT_FORMAT;
  version: number;
  /** Unix seconds. */
  exportedAt: number;
  /** The `adapter` of the store exported from (informational). */
  adapter: string;
}

/**
 * The last record of an export (format version 2 and later): it says the export is whole. A
 * file without it was cut short (a killed export, a full disk), and its last session may be
 * missing rows, so `importRecords` refuses to import that session.
 */
export interface ExportEnd {
  type: 'end';
  /** How many `session` records came before it. */
  sessions: number;
  /** How many records came before it, the header included (its line number minus one). */
  records: number;
}

/** One line of an export: the header, the end, or a contract record tagged with its kind; ids are the source's. */
export type ExportRecord =
  | ExportHeader
  | ExportEnd
  | ({ type: 'session' } & Session)
  | ({ type: 'message' } & Message)
  | ({ type: 'toolCall' } & ToolCall)
  | ({ type: 'question' } & Question)
  | ({ type: 'setting' } & Setting);

/** The `adapter` named by errors about an export's text, which no store wrote. */
export const TRANSFER = 'transfer';

/**
 * One record as a line of text (no newline): JSON with the stored key order and `-0` kept,
 * which plain `JSON.stringify` would write as `0`. Field by field, so that each JSON value
 * (`config`, `request`, `response`) may be nested as deep as the store took it: encoded
 * inside its record it would sit one level deeper than `MAX_JSON_DEPTH` allows.
 */
export function formatExportLine(record: ExportRecord): string {
  let line = '';
  for (const [key, value] of Object.entries(record))
    line += `${line === '' ? '{' : ','}${JSON.stringify(key)}:${typeof value === 'string' ? JSON.stringify(value) : encodeJson(value)}`;
  return line === '' ? '{}' : `${line}}`;
}

type Kind = 'string' | 'string?' | 'time' | 'time?' | 'count' | 'number?' | 'json' | readonly string[];

const STRING = 'string';
const NULLABLE = 'string?';
const SCHEMAS: Record<ExportRecord['type'], Record<string, Kind>> = {
  header: { format: STRING, version: 'time', exportedAt: 'time', adapter: STRING },
  end: { sessions: 'count', records: 'count' },
  session: {
    id: STRING,
    agentName: STRING,
    provider: STRING,
    model: STRING,
    systemPrompt: NULLABLE,
    userPrompt: STRING,
    config: 'json',
    status: SESSION_STATUSES,
    startedAt: 'time',
    endedAt: 'time?',
    result: NULLABLE,
    error: NULLABLE,
  },
  message: {
    id: STRING,
    sessionId: STRING,
    role: MESSAGE_ROLES,
    content: STRING,
    createdAt: 'time',
    clientKey: NULLABLE,
  },
  toolCall: {
    id: STRING,
    sessionId: STRING,
    messageId: NULLABLE,
    toolCallId: STRING,
    toolName: STRING,
    request: 'json',
    response: 'json',
    status: TOOL_CALL_STATUSES,
    executionTimeMs: 'number?',
    createdAt: 'time',
    completedAt: 'time?',
    errorDetails: NULLABLE,
    clientKey: NULLABLE,
  },
  question: {
    id: STRING,
    sessionId: STRING,
    toolCallId: NULLABLE,
    questionId: STRING,
    question: STRING,
    description: NULLABLE,
    responseType: STRING,
    answer: NULLABLE,
    createdAt: 'time',
    answeredAt: 'time?',
  },
  setting: {
    id: STRING,
    sessionId: STRING,
    toolCallId: NULLABLE,
    settingKey: STRING,
    settingName: STRING,
    description: NULLABLE,
    settingType: STRING,
    settingValue: NULLABLE,
    createdAt: 'time',
    updatedAt: 'time?',
  },
};

function fits(kind: Kind, value: unknown): boolean {
  if (typeof kind !== 'string') return kind.includes(value as string);
  if (value === null) return kind.endsWith('?') || kind === 'json';
  switch (kind) {
    case 'string':
    case 'string?':
      return typeof value === 'string';
    case 'time':
    case 'time?':
      return Number.isSafeInteger(value);
    case 'count':
      return Number.isSafeInteger(value) && (value as number) >= 0;
    case 'number?':
      return typeof value === 'number' && Number.isFinite(value);
    default:
      return true; // json: anything JSON.parse gave back
  }
}

/** An INVALID_INPUT naming the line, as every complaint about an export's text is. */
export function lineError(lineNumber: number, problem: string, field?: string): AgentStorageError {
  return new AgentStorageError('INVALID_INPUT', `line ${lineNumber}: ${problem}`, {
    adapter: TRANSFER,
    ...(field === undefined ? {} : { field }),
  });
}

/** What an export with no record at all (an empty file, blank lines only) is refused as. */
export const emptyExport = (): AgentStorageError =>
  lineError(1, 'is missing: the export is empty, without even a header');

/**
 * Parses and checks one line of an export (`lineNumber` counts from 1, the header's line).
 * Rejects, with `AgentStorageError` `INVALID_INPUT` naming the line: text that is not a JSON
 * object, an unknown `type`, a missing, extra or mistyped field, a first line that is not
 * the header or a header on another line, another `format`, and a `version` newer than
 * `EXPORT_VERSION` (an export made by a newer agent-storage-kit).
 */
export function parseExportLine(line: string, lineNumber: number): ExportRecord {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch (e) {
    throw lineError(lineNumber, `is not JSON (${e instanceof Error ? e.message : String(e)})`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw lineError(lineNumber, 'is not a JSON object');
  const record = value as Record<string, unknown>;
  const type = record.type;
  if (typeof type !== 'string' || !Object.hasOwn(SCHEMAS, type))
    throw lineError(lineNumber, `has unknown record type ${JSON.stringify(type)}`, 'type');
  if (lineNumber === 1 && type !== 'header')
    throw lineError(lineNumber, `is a ${type} record, not the header an export starts with`, 'type');
  if (lineNumber !== 1 && type === 'header')
    throw lineError(lineNumber, 'is a second header; only the first line may be one', 'type');
  if (type === 'header') checkHeader(record, lineNumber);
  const schema = SCHEMAS[type as ExportRecord['type']];
  for (const [field, kind] of Object.entries(schema)) {
    if (!Object.hasOwn(record, field)) throw lineError(lineNumber, `${type} lacks field ${field}`, field);
    if (!fits(kind, record[field]))
      throw lineError(lineNumber, `${type} has a bad ${field}: ${JSON.stringify(record[field])}`, field);
  }
  for (const field of Object.keys(record))
    if (field !== 'type' && !Object.hasOwn(schema, field))
      throw lineError(lineNumber, `${type} has unknown field ${field}`, field);
  return record as unknown as ExportRecord;
}

function checkHeader(record: Record<string, unknown>, lineNumber: number): void {
  if (record.format !== EXPORT_FORMAT)
    throw lineError(
      lineNumber,
      `header names format ${JSON.stringify(record.format)}, not ${EXPORT_FORMAT}`,
      'format',
    );
  const version = record.version;
  if (!Number.isSafeInteger(version) || (version as number) < 1)
    throw lineError(lineNumber, `header has a bad version: ${JSON.stringify(version)}`, 'version');
  if ((version as number) > EXPORT_VERSION)
    throw lineError(
      lineNumber,
      `made by a newer agent-storage-kit (format version ${version}); upgrade to import it`,
      'version',
    );
}

/**
 * Parses an export's lines (from `readline`, say), numbering them from 1. A blank line is
 * refused like any other bad line, so line numbers in errors are the file's, except at the
 * end of the file: blank lines there (an editor's, or an `echo` appended) are ignored.
 */
export async function* parseExportLines(
  lines: AsyncIterable<string> | Iterable<string>,
): AsyncGenerator<ExportRecord> {
  // One line behind: the last line is known as such, and one that is not whole JSON there is
  // what a killed export leaves (a record cut mid-line), said as such. Blank lines wait for
  // the next line that is not: only then are they known not to be the file's end.
  let n = 0;
  let previous: { line: string; at: number } | undefined;
  let firstBlank = 0;
  for await (const raw of lines) {
    n++;
    // A byte-order mark (an editor's, saving as "UTF-8 with BOM") is no part of the first record.
    const line = n === 1 && raw.charCodeAt(0) === 0xfeff ? raw.slice(1) : raw;
    if (line.trim() === '') {
      if (firstBlank === 0) firstBlank = n;
      continue;
    }
    if (previous !== undefined) yield parseExportLine(previous.line, previous.at);
    if (firstBlank !== 0) throw lineError(firstBlank, 'is blank; an export has blank lines only at its end');
    previous = { line, at: n };
  }
  if (previous !== undefined) yield parseLastLine(previous.line, previous.at);
}

function parseLastLine(line: string, lineNumber: number): ExportRecord {
  if (lineNumber > 1) {
    try {
      JSON.parse(line);
    } catch {
      throw lineError(
        lineNumber,
        'is the last line and not whole JSON: the export ends mid-record, so it was cut short (an export killed, a full disk)',
      );
    }
  }
  return parseExportLine(line, lineNumber);
}
