import { createWriteStream } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { finished } from 'node:stream/promises';
import type { AgentStorage } from '../src/contract/storage.js';
import type { Batch, BatchToolCall, NewMessage, NewSession } from '../src/contract/types.js';
import { COPY_GROUP_SIZE, copySessions } from '../src/transfer/copy.js';
import { exportRecords } from '../src/transfer/export-records.js';
import { formatExportLine } from '../src/transfer/format.js';
import { BATCH_SIZE } from '../src/transfer/write-rows.js';
import { MESSAGE_CONTENT, TOOL_REQUEST, TOOL_RESPONSE } from './fixtures.js';
import { bootstrapRatio, fullGc } from './harness.js';
import type { ScratchStore, Target } from './targets.js';

/**
 * Export and copy at scale (`--op transfer`, size `--scale N` sessions): the issue's
 * "100,000 sessions / 2,000,000 messages" store, or a fraction of it. Per adapter, a
 * generated source store is exported to a JSONL file (`exportRecords` +
 * `formatExportLine`, written as the CLI writes it) and copied (`copySessions`, journal and
 * final verification included) into an empty store of the same adapter; for a destination
 * other than SQLite, a second run copies from a SQLite source instead (the usual move: from
 * the embedded default to a bigger backend; SQLite → Postgres is the CLI's headline), and
 * exports nothing, the export being the source's. The copy is
 * compared with the destination's batch-append throughput: a second empty store receives
 * the same sessions written the way the copy writes them, `createSession` per session and
 * one `appendBatch` per group of sessions, reading and verifying nothing (target ≥
 * {@link COPY_TARGET}×).
 * So that drift of a shared machine lands on both alike, the sessions are taken in
 * {@link ROUNDS} slices by `startedAt`; each round copies one slice (one `copySessions` call
 * with a `startedFrom`/`startedBefore` query) and batch-appends the same slice, who goes
 * first swapping every round, as the harness's kit/raw rounds do. RSS is sampled while each
 * phase runs.
 */

/** Messages per generated session (the 2,000,000 / 100,000), a tool call on every fourth. */
export const MESSAGES_PER_SESSION = 20;
const TOOL_CALLS_PER_SESSION = MESSAGES_PER_SESSION / 4;

/** Default `--scale` (sessions): a couple of minutes for all three adapters in a full run. */
export const DEFAULT_SCALE = { quick: 200, full: 5_000 } as const;

/** Copy throughput ÷ the destination's batch-append throughput, at least. */
export const COPY_TARGET = 0.8;

/** Sessions per `appendBatch` while the source is generated (not measured). */
const GENERATE_CHUNK = 50;

/** Slices of the store the copy and the batch append alternate over. */
const ROUNDS = 10;

export interface Rate {
  seconds: number;
  sessionsPerSec: number;
  messagesPerSec: number;
}

export interface RssUse {
  /** `rss` when the phase began (after a full GC). */
  startBytes: number;
  /** Largest `rss` sampled during the phase (every {@link SAMPLE_EVERY} sessions, and at its end). */
  peakBytes: number;
  /** Largest `heapUsed` sampled. */
  peakHeapBytes: number;
}

export interface TransferResult {
  /** The destination's adapter (the copy's and the baseline's). */
  adapter: string;
  /** The source's adapter: `adapter` itself, or SQLite for the pair run. */
  source: string;
  sessions: number;
  messages: number;
  toolCalls: number;
  /** Time to generate the source (createSession per session, appendBatch per 50 sessions). */
  generateSeconds: number;
  /** The source exported (absent in the pair run: the source's own run exports it). */
  export?: Rate & RssUse & { records: number; bytes: number };
  /**
   * All `copySessions` calls together; `writeSeconds` is the time up to each call's last
   * progress report, `verifySeconds` the rest (re-reading both sides and comparing).
   */
  copy: Rate &
    RssUse & {
      writeSeconds: number;
      verifySeconds: number;
      copied: number;
      verified: number;
      mismatches: number;
    };
  /** The same sessions written to an empty store as the copy writes them (createSession each, appendBatch per group), nothing read. */
  batchAppend: Rate;
  rounds: number;
  /** copy sessions/s ÷ batchAppend sessions/s, with its 95% interval (bootstrap over rounds). */
  ratio: number;
  ratioInterval: [number, number];
  /** The same for the copy's writing phase alone (verification excluded). */
  writeRatio: number;
  target: number;
  met: boolean;
}

const SAMPLE_EVERY = 100;
const T0 = 1_767_225_600; // 2026-01-01T00:00:00Z
/** When session number `i` starts: a minute after the previous one. */
const startOf = (i: number) => T0 + i * 60;

/** Session number `i` of the generated store: a finished run, one minute after the previous one. */
function sessionOf(i: number): NewSession {
  const startedAt = startOf(i);
  return {
    agentName: i % 4 === 3 ? 'codebase-analysis' : 'sqlite-reader',
    provider: 'anthropic',
    model: 'claude-sonnet-4-5',
    systemPrompt: 'You are a careful analyst. Use the sqlite_query tool; never guess numbers.',
    userPrompt: `question ${i}: which customers spent the most in 2024?`,
    config: { temperature: 0, maxTurns: 8, tools: ['sqlite_query'] },
    status: 'completed',
    startedAt,
    endedAt: startedAt + MESSAGES_PER_SESSION + 1,
    result: 'customer 1 spent the most',
  };
}

/** Its messages and tool calls (`messageIndex` from `base`, for batches of several sessions). */
function rowsOf(i: number, sessionId: string, batch: Required<Batch>): void {
  const startedAt = startOf(i);
  const base = batch.messages.length;
  const roles = ['user', 'assistant', 'tool', 'assistant'] as const;
  for (let m = 0; m < MESSAGES_PER_SESSION; m++) {
    const role = roles[m % 4] as (typeof roles)[number];
    batch.messages.push({
      sessionId,
      role,
      content: role === 'tool' ? JSON.stringify(TOOL_RESPONSE) : MESSAGE_CONTENT,
      createdAt: startedAt + m,
    } satisfies NewMessage);
    if (m % 4 === 1) {
      batch.toolCalls.push({
        sessionId,
        messageIndex: base + m,
        toolCallId: `toolu_${i}_${m}`,
        toolName: 'sqlite_query',
        request: TOOL_REQUEST,
        response: TOOL_RESPONSE,
        status: 'completed',
        executionTimeMs: 3,
        createdAt: startedAt + m,
        completedAt: startedAt + m + 1,
      } satisfies BatchToolCall);
    }
  }
}

const rate = (seconds: number, sessions: number): Rate => ({
  seconds,
  sessionsPerSec: sessions / seconds,
  messagesPerSec: (sessions * MESSAGES_PER_SESSION) / seconds,
});

/** Samples `rss` / `heapUsed` when asked; starts after a full GC. */
function rssSampler() {
  fullGc();
  const start = process.memoryUsage();
  let peak = start.rss;
  let peakHeap = start.heapUsed;
  return {
    sample() {
      const m = process.memoryUsage();
      if (m.rss > peak) peak = m.rss;
      if (m.heapUsed > peakHeap) peakHeap = m.heapUsed;
    },
    use(): RssUse {
      this.sample();
      return { startBytes: start.rss, peakBytes: peak, peakHeapBytes: peakHeap };
    },
  };
}

/**
 * Writes `sessions` generated sessions into `store`, `GENERATE_CHUNK` per appendBatch. Lets
 * the event loop turn after each chunk: @libsql/client frees a statement's native memory
 * only then (a loop of awaits that all resolve at once holds it all), and the phases measured
 * afterwards should not start from that.
 */
async function generate(store: AgentStorage, sessions: number): Promise<void> {
  for (let first = 0; first < sessions; first += GENERATE_CHUNK) {
    const batch: Required<Batch> = { messages: [], toolCalls: [] };
    for (let i = first; i < Math.min(sessions, first + GENERATE_CHUNK); i++) {
      rowsOf(i, await store.createSession(sessionOf(i)), batch);
    }
    await store.appendBatch(batch);
    await new Promise((resolve) => setImmediate(resolve));
  }
}

/**
 * The baseline: sessions `from` … `to - 1` (newest first) written as the copy writes them, from
 * memory: groups closed, as `copySessions` closes them, at COPY_GROUP_SIZE sessions or
 * BATCH_SIZE rows; in each, `createSession` per session, then one `appendBatch` of all their
 * messages and tool calls (the generated sessions are small enough to share one).
 */
async function batchAppend(store: AgentStorage, from: number, to: number): Promise<void> {
  let batch: Required<Batch> = { messages: [], toolCalls: [] };
  let sessions = 0;
  const flush = async () => {
    if (sessions > 0) await store.appendBatch(batch);
    batch = { messages: [], toolCalls: [] };
    sessions = 0;
    // As the copy does once a group: @libsql/client frees statements' native memory only when
    // the loop turns, and a round that never yields leaves the allocator holding it all.
    await letLoopTurn();
  };
  for (let i = to - 1; i >= from; i--) {
    rowsOf(i, await store.createSession(sessionOf(i)), batch);
    sessions++;
    if (sessions >= COPY_GROUP_SIZE || batch.messages.length + batch.toolCalls.length >= BATCH_SIZE)
      await flush();
  }
  await flush();
}

const letLoopTurn = () => new Promise((resolve) => setImmediate(resolve));

/** Opens scratch stores `names` (each of its target), runs `work` on them, closes (removes) them; `onOpen` gets the closer first. */
async function withStores<T>(
  dir: string,
  names: readonly (readonly [Target, string])[],
  onOpen: (close: () => Promise<void>) => void,
  work: (stores: AgentStorage[]) => Promise<T>,
): Promise<T> {
  const opened: ScratchStore[] = [];
  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= Promise.allSettled(opened.map((o) => o.close())).then((closed) => {
      const failed = closed.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (failed) throw failed.reason;
    });
    return closing;
  };
  onOpen(close);
  try {
    for (const [target, name] of names) opened.push(await target.store(dir, name));
    return await work(opened.map((o) => o.kit));
  } finally {
    await close();
  }
}

/**
 * Generates a source of `sessions` sessions in a store of `from` (default: `target`);
 * measures the export (only when `from` is `target`), the copy into `target` and `target`'s
 * batch-append baseline. `onOpen` gets the function that closes and removes the scratch
 * stores (for Ctrl-C); they are removed when this resolves or rejects too.
 */
export async function transferScale(
  target: Target,
  dir: string,
  sessions: number,
  log: (line: string) => void,
  onOpen: (close: () => Promise<void>) => void = () => undefined,
  from: Target = target,
): Promise<TransferResult> {
  const stores = [
    [from, 'source'],
    [target, 'copy'],
    [target, 'append'],
  ] as const;
  return withStores(dir, stores, onOpen, async ([source, copy, append]) => {
    const messages = sessions * MESSAGES_PER_SESSION;
    const started = performance.now();
    await generate(source as AgentStorage, sessions);
    const generateSeconds = (performance.now() - started) / 1000;
    log(`generated ${sessions.toLocaleString('en-US')} sessions in ${generateSeconds.toFixed(1)} s`);

    const exported =
      from === target ? await exportStore(source as AgentStorage, dir, target.name, sessions) : {};

    // Copy and batch append, alternating over slices of the store.
    const rss = rssSampler();
    const journal = join(dir, `${target.name}-copy.journal`);
    const times = { copy: [] as number[], append: [] as number[] };
    let writeMs = 0;
    const totals = { copied: 0, verified: 0, mismatches: 0 };
    const rounds = Math.min(ROUNDS, sessions);
    for (let r = 0; r < rounds; r++) {
      const [from, to] = [Math.floor((sessions * r) / rounds), Math.floor((sessions * (r + 1)) / rounds)];
      const sides = r % 2 === 0 ? (['copy', 'append'] as const) : (['append', 'copy'] as const);
      for (const side of sides) {
        if (side === 'append') {
          const t = performance.now();
          await batchAppend(append as AgentStorage, from, to);
          times.append.push(performance.now() - t);
        } else {
          let lastProgress = 0;
          const t = performance.now();
          const result = await copySessions(source as AgentStorage, copy as AgentStorage, {
            journal,
            query: { startedFrom: startOf(from), startedBefore: startOf(to) },
            onProgress: ({ done }) => {
              if (done % SAMPLE_EVERY === 0) rss.sample();
              lastProgress = performance.now();
            },
          });
          times.copy.push(performance.now() - t);
          writeMs += lastProgress - t;
          rss.sample();
          totals.copied += result.copied;
          totals.verified += result.verified;
          totals.mismatches += result.mismatches.length;
        }
        await letLoopTurn();
      }
    }
    const copyUse = rss.use();
    if (totals.copied !== sessions || totals.verified !== sessions || totals.mismatches > 0) {
      throw new Error(
        `the copy wrote ${totals.copied} and verified ${totals.verified} of ${sessions} sessions, ` +
          `${totals.mismatches} mismatches`,
      );
    }
    const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
    const [copyMs, appendMs] = [sum(times.copy), sum(times.append)];
    const ratio = appendMs / copyMs;
    const [low, high] = bootstrapRatio(times.copy, times.append);
    return {
      adapter: target.name,
      source: from.name,
      sessions,
      messages,
      toolCalls: sessions * TOOL_CALLS_PER_SESSION,
      generateSeconds,
      ...exported,
      copy: {
        ...rate(copyMs / 1000, sessions),
        ...copyUse,
        writeSeconds: writeMs / 1000,
        verifySeconds: (copyMs - writeMs) / 1000,
        ...totals,
      },
      batchAppend: rate(appendMs / 1000, sessions),
      rounds,
      ratio,
      ratioInterval: [low, high],
      writeRatio: appendMs / writeMs,
      target: COPY_TARGET,
      met: ratio >= COPY_TARGET,
    };
  });
}

/**
 * Exports `source` as the CLI's `export` writes it: a line per record to a file stream,
 * waiting for 'drain' under back-pressure (which also lets the event loop turn).
 */
async function exportStore(
  source: AgentStorage,
  dir: string,
  name: string,
  sessions: number,
): Promise<Pick<TransferResult, 'export'>> {
  const rss = rssSampler();
  const out = createWriteStream(join(dir, `${name}-export.jsonl`));
  let records = 0;
  let exported = 0;
  const started = performance.now();
  try {
    for await (const record of exportRecords(source)) {
      if (!out.write(`${formatExportLine(record)}\n`))
        await new Promise<void>((resolve) => out.once('drain', () => resolve()));
      records++;
      if (record.type === 'session' && ++exported % SAMPLE_EVERY === 0) rss.sample();
    }
  } finally {
    out.end();
    await finished(out);
  }
  const seconds = (performance.now() - started) / 1000;
  if (exported !== sessions) throw new Error(`the export held ${exported} sessions of ${sessions}`);
  return { export: { ...rate(seconds, sessions), ...rss.use(), records, bytes: out.bytesWritten } };
}
