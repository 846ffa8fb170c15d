import { unixSeconds } from '../contract/clock.js';
import { amended, isAgentStorageError, problemOf } from '../contract/errors.js';
import type { ValidationContext } from '../contract/input-checks.js';
import type { AgentStorage } from '../contract/storage.js';
import { countOption } from './export-records.js';
import { type ExportRecord, emptyExport, lineError, TRANSFER } from './format.js';
import type { SessionSnapshot } from './snapshot.js';
import { checkRowValues, checkWritable } from './write-checks.js';
import { BATCH_SIZE } from './write-rows.js';
import { TIE_RUN_GROUPS, type WriteSessionResult, writeSessions } from './write-session.js';

/** What `importRecords` reports for each session it has handled. */
export interface ImportedSession {
  /** False when the store already held an identical session (nothing written). */
  written: boolean;
  /** The session's id in the export. */
  sourceId: string;
  /** Its id in the store. */
  id: string;
}

/** Options of `importRecords`. */
export interface ImportOptions {
  /**
   * Checked between sessions, and between batches when the store declares `deleteSession`
   * (a group cut short is deleted again). On abort the import writes the whole sessions it
   * has read and resolves early with `interrupted: true`: every session counted is whole in
   * the store, and importing the same records again finishes the job without duplicates.
   */
  signal?: AbortSignal | undefined;
  /** Called after each session, once it is written (or found already there). */
  onSession?: ((info: ImportedSession) => void) | undefined;
  /**
   * Whole sessions written together, their rows sharing `appendBatch` calls (a group also
   * closes at BATCH_SIZE rows); default 32, as a copy writes. 1 writes each on its own.
   */
  groupSize?: number | undefined;
}

/** How many sessions an import writes together by default (see `ImportOptions.groupSize`). */
export const IMPORT_GROUP_SIZE = 32;

/** Result of `importRecords`. */
export interface ImportResult {
  /** Sessions handled: `written + skipped`. */
  sessions: number;
  written: number;
  /** Identical sessions the store already held. */
  skipped: number;
  /** True when `signal` stopped the import before the end of the records. */
  interrupted: boolean;
}

/**
 * Writes the sessions read before an import stopped. Their failure is what the caller must
 * hear first (sessions it may count on are not stored), and why the import stopped second:
 * the store's error, with both in its message.
 */
async function writeAfterStop(write: () => Promise<void>, why: string): Promise<void> {
  try {
    await write();
  } catch (e) {
    throw isAgentStorageError(e) ? amended(e, ` (writing the sessions read before the import ${why})`) : e;
  }
}

/**
 * Imports export records into `store`, whole sessions in groups through `writeSessions` (as a
 * copy writes them), so importing the same export twice writes nothing the second time
 * (`written: 0`), and two identical sessions in one export are imported as two. Memory is
 * proportional to a group (`groupSize` sessions or BATCH_SIZE rows, or one larger session).
 *
 * Record `n` (counting from 1) is called "line n", as it is in an export file. Rejects with
 * `INVALID_INPUT` naming the line when the first record is not a header, a header comes
 * later, a row does not follow its own session's record, or a reference points at no earlier
 * row of the session (a tool call's message, a question's or setting's tool call), when an
 * export of format version 2 or later has no `end` record or one whose counts differ (it was
 * cut short: the session it stops in is not imported), or a record follows the end; and with
 * whatever `writeSession` rejects with (`NOT_SUPPORTED` for a capability the store lacks).
 * Sessions before the bad one stay imported (also in its group: the sessions of a group
 * before one the store refuses are written first); when writing them fails, that store
 * error is thrown instead, naming the line that stopped the import. A store error fails the
 * group it hit, whose partial copies are deleted (capability `deleteSession`); earlier groups stay. Keeps
 * the id of every session it wrote or found (two equal sessions in one export are two).
 */
export async function importRecords(
  store: AgentStorage,
  records: AsyncIterable<ExportRecord> | Iterable<ExportRecord>,
  options: ImportOptions = {},
): Promise<ImportResult> {
  const { signal, onSession } = options;
  const result: ImportResult = { sessions: 0, written: 0, skipped: 0, interrupted: false };
  let group: SessionSnapshot | undefined;
  // Ids seen in the current group, which references must name (export order: messages, then
  // tool calls, then questions and settings).
  let messageIds = new Set<string>();
  let toolCallIds = new Set<string>();
  let line = 0;
  let version = 0;
  let sessions = 0;
  let ended = false;
  // Whole sessions read and not yet written: written together (`writeSessions`), as a copy
  // writes them, once they hold IMPORT_GROUP_SIZE sessions or BATCH_SIZE rows.
  let pending: SessionSnapshot[] = [];
  let pendingRows = 0;
  // Store sessions this import wrote or found: two equal sessions in one export are two.
  const claimed = new Set<string>();
  const passSignal = store.capabilities.deleteSession ? { signal } : {};
  const groupSize = countOption('groupSize', options.groupSize, IMPORT_GROUP_SIZE);
  // Each record's values are checked as the store will check them when it is written, so a
  // bad value is refused naming its line, and the sessions before it are imported.
  const ctx: ValidationContext = { adapter: store.adapter, clock: unixSeconds };
  const checkValues = (what: string, check: (ctx: ValidationContext) => void) => {
    try {
      check(ctx);
    } catch (e) {
      if (!isAgentStorageError(e, 'INVALID_INPUT')) throw e;
      throw lineError(line, `${what} would be refused by the store: ${problemOf(e)}`, e.field);
    }
  };
  // Writes the whole sessions read so far. Once the signal has fired they are written whole
  // anyway (an abort mid-group would throw them away), and the caller then stops.
  const write = async () => {
    const snapshots = pending;
    pending = [];
    pendingRows = 0;
    // A group is all or nothing: a session the store refuses (checked before anything is
    // written) would refuse the sessions before it too. Those are written, then its refusal
    // thrown, as without groups. A store error is thrown as it comes: never retried here.
    const refused = snapshots.findIndex((snapshot) => {
      try {
        checkWritable(store, snapshot, { values: false });
        return false;
      } catch {
        return true;
      }
    });
    const whole = refused === -1 ? snapshots : snapshots.slice(0, refused);
    if (whole.length > 0) {
      const interruptible = signal?.aborted ? {} : passSignal;
      const written = await writeSessions(store, whole, { ...interruptible, claimed, valuesChecked: true });
      for (const [i, snapshot] of whole.entries()) {
        const { id, written: wrote } = written[i] as WriteSessionResult;
        result.sessions++;
        if (wrote) result.written++;
        else result.skipped++;
        onSession?.({ written: wrote, sourceId: snapshot.session.id, id });
      }
    }
    if (refused !== -1) checkWritable(store, snapshots[refused] as SessionSnapshot, { values: false });
  };
  // Puts the session just read with the others; writes them once they fill a group, unless
  // the next session (`nextStartedAt`) was started in the same second as this one: such a run
  // stays in one group (up to TIE_RUN_GROUPS groups' worth), which keeps its listing order.
  const flush = async (nextStartedAt?: number) => {
    if (group === undefined) return;
    pending.push(group);
    pendingRows += group.messages.length + group.toolCalls.length;
    const run =
      nextStartedAt === group.session.startedAt &&
      pending.length < groupSize * TIE_RUN_GROUPS &&
      pendingRows < BATCH_SIZE * TIE_RUN_GROUPS;
    group = undefined;
    if ((pending.length >= groupSize || pendingRows >= BATCH_SIZE) && !run) await write();
  };
  try {
    for await (const record of records) {
      line++;
      if (line === 1 && record.type !== 'header')
        throw lineError(line, `is a ${record.type} record, not the header an export starts with`, 'type');
      if (ended) throw lineError(line, `is a ${record.type} record after the end record`, 'type');
      if (record.type === 'header') {
        if (line !== 1) throw lineError(line, 'is a second header; only the first line may be one', 'type');
        version = record.version;
        continue;
      }
      if (record.type === 'end') {
        if (version < 2)
          throw lineError(line, `is an end record, which a version ${version} export does not have`, 'type');
        if (record.sessions !== sessions || record.records !== line - 1)
          throw lineError(
            line,
            `says the export has ${record.sessions} sessions in ${record.records} records before it, but it has ${sessions} in ${line - 1}`,
            record.sessions !== sessions ? 'sessions' : 'records',
          );
        await flush();
        await write();
        ended = true;
        continue;
      }
      if (record.type === 'session') {
        sessions++;
        await flush(record.startedAt);
        signal?.throwIfAborted();
        const { type: _, ...session } = record;
        checkValues(`session ${JSON.stringify(session.id)}`, (c) => checkRowValues.session(c, session));
        group = { session, messages: [], toolCalls: [], questions: [], settings: [] };
        messageIds = new Set();
        toolCallIds = new Set();
        continue;
      }
      const what = `${record.type} ${JSON.stringify(record.id)}`;
      if (group === undefined) throw lineError(line, `${what} comes before any session record`, 'sessionId');
      if (record.sessionId !== group.session.id)
        throw lineError(
          line,
          `${what} belongs to session ${JSON.stringify(record.sessionId)} but follows session ${JSON.stringify(group.session.id)}; a row must follow its own session`,
          'sessionId',
        );
      const unknown = (field: string, target: string, id: string) =>
        lineError(line, `${what} names ${target} ${JSON.stringify(id)}, not earlier in its session`, field);
      switch (record.type) {
        case 'message': {
          const { type: _, ...message } = record;
          checkValues(what, (c) => checkRowValues.message(c, message));
          group.messages.push(message);
          messageIds.add(message.id);
          break;
        }
        case 'toolCall': {
          const { type: _, ...call } = record;
          if (call.messageId !== null && !messageIds.has(call.messageId))
            throw unknown('messageId', 'message', call.messageId);
          checkValues(what, (c) => checkRowValues.toolCall(c, call));
          group.toolCalls.push(call);
          toolCallIds.add(call.id);
          break;
        }
        default: {
          const { type, ...row } = record;
          if (row.toolCallId !== null && !toolCallIds.has(row.toolCallId))
            throw unknown('toolCallId', 'tool call', row.toolCallId);
          if (type === 'question') {
            const question = row as SessionSnapshot['questions'][number];
            checkValues(what, (c) => checkRowValues.question(c, question));
            group.questions.push(question);
          } else {
            const setting = row as SessionSnapshot['settings'][number];
            checkValues(what, (c) => checkRowValues.setting(c, setting));
            group.settings.push(setting);
          }
        }
      }
    }
    if (line === 0) throw emptyExport();
    // Since version 2 an export ends with its end record: without it the file was cut short,
    // and the session it stops in may be missing rows. That one is not imported.
    if (version >= 2 && !ended)
      throw lineError(
        line + 1,
        `is missing: the export ends without its end record, so it was cut short (an export killed, a full disk)${group === undefined ? '' : `; its last session, ${JSON.stringify(group.session.id)}, was not imported`}`,
      );
    await flush();
    await write();
  } catch (e) {
    const badRecords = isAgentStorageError(e, 'INVALID_INPUT') && e.adapter === TRANSFER;
    // Records that end early once the signal fired (`export | import` and Ctrl-C, which stops
    // both) were cut by the same interrupt: it is what to report. Either way the whole
    // sessions read before it are written, as they would have been without groups.
    if (signal?.aborted && (e === signal.reason || badRecords)) {
      await writeAfterStop(write, 'was interrupted');
      return { ...result, interrupted: true };
    }
    if (badRecords) await writeAfterStop(write, `stopped at ${problemOf(e)}`);
    throw e;
  }
  return result;
}
