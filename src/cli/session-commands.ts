import { AgentStorageError } from '../contract/errors.js';
import { stringifyExact } from '../contract/json.js';
import type { AgentStorage } from '../contract/storage.js';
import type { Session, SessionDeleteQuery, SessionQuery } from '../contract/types.js';
import { type TransferQuery, walkSessions } from '../transfer/export-records.js';
import { type CliIo, EXIT, flagError, letSignalsIn, writeLine } from './io.js';
import { progressBar } from './progress.js';
import { columnsOf, formatDuration, formatTime, printable, type Style, styleFor } from './style.js';
import { loadTranscript, renderTranscript } from './transcript.js';

/** `sessions`, `show` and `prune`: what an operator runs against a store, all through the contract. */

// NO_COLOR (no-color.org): set and not empty, no colours; lines are still fitted to a terminal.
const styleOf = (io: CliIo): Style =>
  styleFor({ color: io.isTTY && !io.env.NO_COLOR, tty: io.isTTY, columns: io.columns });

/** The sessions of one page as a table: id, status, agent, provider/model, start, duration, outcome. */
export function renderSessions(sessions: readonly Session[], style: Style): string[] {
  const rows = sessions.map((s) => [
    s.id,
    s.status,
    printable(s.agentName),
    `${printable(s.provider)}/${printable(s.model)}`,
    formatTime(s.startedAt),
    s.endedAt === null ? 'open' : formatDuration(s.endedAt - s.startedAt),
    printable((s.error ?? s.result ?? '').split('\n')[0] ?? ''),
  ]);
  const head = ['id', 'status', 'agent', 'model', 'started', 'took', 'outcome'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => columnsOf(r[i] as string))));
  const pad = (cells: string[], paint: (cell: string, i: number) => string = (c) => c) =>
    cells
      .map((c, i) =>
        paint(i === cells.length - 1 ? c : c + ' '.repeat((widths[i] as number) - columnsOf(c)), i),
      )
      .join('  ')
      .trimEnd();
  return [
    style.fit(style.bold(pad(head))),
    ...rows.map((r, n) =>
      style.fit(
        pad(r, (c, i) => {
          const s = sessions[n] as Session;
          if (i === 1) return c.replace(s.status, style.status(s.status));
          if (i === 6 && s.error !== null) return style.red(c);
          return c;
        }),
      ),
    ),
  ];
}

/** `sessions`: one keyset page of the listing; the next page's command goes to stderr. */
export async function sessionsCommand(
  store: AgentStorage,
  query: SessionQuery,
  options: { json: boolean },
  io: CliIo,
): Promise<number> {
  // A cursor is only ever pasted from an earlier page's hint: one the store refuses is bad usage.
  const page = await store.listSessions(query).catch(flagError('cursor'));
  if (options.json) {
    await writeLine(io.stdout, stringifyExact(page));
    return EXIT.ok;
  }
  if (page.items.length === 0) await writeLine(io.stderr, 'no sessions match');
  else for (const line of renderSessions(page.items, styleOf(io))) await writeLine(io.stdout, line);
  if (page.nextCursor !== null) await writeLine(io.stderr, `more: add --cursor ${page.nextCursor}`);
  return EXIT.ok;
}

/** `show <id>`: the transcript; `--last N` reads only the latest N messages. */
export async function showCommand(
  store: AgentStorage,
  sessionId: string,
  options: { json: boolean; last: number | undefined },
  io: CliIo,
): Promise<number> {
  const transcript = await loadTranscript(store, sessionId, { last: options.last });
  if (transcript === null) {
    throw new AgentStorageError('NOT_FOUND', `no session ${JSON.stringify(sessionId)} in this store`, {
      adapter: store.adapter,
      field: 'id',
    });
  }
  if (options.json) await writeLine(io.stdout, stringifyExact(transcript));
  else for (const line of renderTranscript(transcript, styleOf(io))) await writeLine(io.stdout, line);
  return EXIT.ok;
}

/** How many sessions match, walking the listing (the transfer library's walk); stops early on Ctrl-C. */
async function countSessions(
  store: AgentStorage,
  filters: TransferQuery,
  signal: AbortSignal,
): Promise<number> {
  let count = 0;
  for await (const _ of walkSessions(store, filters, 1000)) {
    if (signal.aborted) break;
    if (++count % 1000 === 0) await letSignalsIn();
  }
  return count;
}

/**
 * `prune`: deletes the matching sessions in bounded batches (`deleteSessions`), or with
 * `dryRun` lists and counts them without deleting. Stops between batches on Ctrl-C.
 */
export async function pruneCommand(
  store: AgentStorage,
  query: SessionDeleteQuery,
  options: { dryRun: boolean; json: boolean; batch: number },
  io: CliIo,
): Promise<number> {
  const { limit: _ignored, ...filters } = query;
  if (options.dryRun) {
    let count = 0;
    for await (const session of walkSessions(store, filters, 1000)) {
      if (io.signal.aborted) break;
      count++;
      if (!options.json) await writeLine(io.stdout, `would delete ${session.id}`);
      if (count % 1000 === 0) await letSignalsIn();
    }
    // Cut short (Ctrl-C, or the reader of the list gone), the count is of what was listed only.
    const cut = io.signal.aborted;
    await writeLine(
      options.json ? io.stdout : io.stderr,
      options.json
        ? JSON.stringify({ dryRun: true, matched: count, interrupted: cut })
        : cut
          ? `${count} sessions listed before the listing stopped (interrupted: not the whole count)`
          : `${count} sessions would be deleted`,
    );
    return cut ? EXIT.interrupted : EXIT.ok;
  }
  // The total first (a listing, cheap), so the bar has an ETA; sessions added meanwhile may exceed it.
  const bar = progressBar(io, 'prune');
  if (io.stderrIsTTY) bar.start(await countSessions(store, filters, io.signal));
  let deleted = 0;
  try {
    while (!io.signal.aborted) {
      const n = await store.deleteSessions({ ...filters, limit: options.batch });
      deleted += n;
      bar.update(deleted);
      if (n === 0) break;
      await letSignalsIn();
    }
  } finally {
    bar.stop();
  }
  await writeLine(
    options.json ? io.stdout : io.stderr,
    options.json
      ? JSON.stringify({ deleted, interrupted: io.signal.aborted })
      : `${deleted} sessions deleted${io.signal.aborted ? ' (interrupted; run again to go on)' : ''}`,
  );
  return io.signal.aborted ? EXIT.interrupted : EXIT.ok;
}
