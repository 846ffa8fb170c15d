import type { AgentStorage } from '../src/contract/storage.js';
import { seededRandom } from './seeded-random.js';
import type { SpawnSpec } from './types.js';

/**
 * The writes the fault tier's child processes make, and the check of what a store holds
 * afterwards. A writer announces each write before it starts (`try`) and reports how it
 * ended (`ack` with the ids, or `fail` with the error code), one JSON line each on stdout:
 * a pipe write is synchronous on Linux, so a line the parent received was written before
 * the next write began. A write is acknowledged exactly when its `ack` line arrived.
 *
 * Every row a writer creates carries a token naming the write (`w2n17`), so the check can
 * tell, for each write, whether it is stored, from the rows alone.
 */

/** The environment variable that carries a writer child's `WorkerSpec`, as JSON. */
export const WORKER_SPEC = 'AGENT_STORAGE_FAULT_WORKER';

/** What a writer child is told to do. */
export interface WorkerSpec {
  store: SpawnSpec;
  /** Distinguishes the writers of one trial (tokens, agent names). */
  worker: number;
  /** Seeds the writer's choice of operations. */
  seed: number;
  /** Stop after this many writes (`undefined`: after `forMs`, or when killed). */
  writes?: number;
  /** Stop this long after starting. */
  forMs?: number;
  /** Characters of padding in each message: commit-failure trials fill files quickly. */
  padding?: number;
  /** The most messages one appendBatch writes (default 12): bigger batches, longer transactions. */
  batchMessages?: number;
}

/** One write, as the writer announces it. References name rows acknowledged earlier. */
export type Write =
  | { op: 'createSession'; token: string }
  | { op: 'createMessage'; token: string; sessionId: string }
  | { op: 'createToolCall'; token: string; sessionId: string; messageId: string | null }
  | { op: 'appendBatch'; token: string; sessionId: string; messages: number; toolCalls: number }
  | { op: 'updateToolCall'; token: string; id: string }
  | { op: 'updateSession'; token: string; id: string };

export type WorkerEvent =
  | { t: 'ready' }
  | { t: 'try'; n: number; w: Write }
  | { t: 'ack'; n: number; ids: string[] }
  | { t: 'fail'; n: number; code: string; message: string }
  | { t: 'done' };

export const agentNameOf = (worker: number) => `fault-writer-${worker}`;
const pad = (token: string, padding: number) => (padding > 0 ? `${token}|${'x'.repeat(padding)}` : token);
const tokenOf = (text: string) => text.split('|')[0] as string;

/**
 * The writer's loop: creates and updates rows one write at a time, announcing each, until
 * `spec.writes` writes or `spec.forMs` have passed, or `stop` is aborted (or the process is
 * killed). A failed write is reported and the loop goes on: a store that failed once must
 * still store what it acknowledges later.
 */
export async function runWriter(
  store: AgentStorage,
  spec: WorkerSpec,
  emit: (event: WorkerEvent) => void,
  stop?: AbortSignal,
): Promise<void> {
  const rand = seededRandom(spec.seed * 31 + spec.worker);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(rand() * list.length)] as T;
  const padding = spec.padding ?? 0;
  const sessions: string[] = [];
  const messages = new Map<string, string[]>();
  const toolCalls: string[] = [];
  const until = spec.forMs === undefined ? Number.POSITIVE_INFINITY : Date.now() + spec.forMs;
  const goOn = (n: number) =>
    (spec.writes === undefined || n < spec.writes) && Date.now() < until && !stop?.aborted;
  for (let n = 0; goOn(n); n++) {
    const token = `w${spec.worker}n${n}`;
    const roll = rand();
    const sessionId = sessions.length > 0 ? pick(sessions) : undefined;
    let write: Write;
    if (sessionId === undefined || roll < 0.08) write = { op: 'createSession', token };
    else if (roll < 0.45) write = { op: 'createMessage', token, sessionId };
    else if (roll < 0.6) {
      const own = messages.get(sessionId) ?? [];
      write = {
        op: 'createToolCall',
        token,
        sessionId,
        messageId: own.length > 0 && rand() < 0.5 ? pick(own) : null,
      };
    } else if (roll < 0.78 && store.capabilities.batch) {
      write = {
        op: 'appendBatch',
        token,
        sessionId,
        messages: 1 + Math.floor(rand() * (spec.batchMessages ?? 12)),
        toolCalls: Math.floor(rand() * 3),
      };
    } else if (roll < 0.9 && toolCalls.length > 0)
      write = { op: 'updateToolCall', token, id: pick(toolCalls) };
    else write = { op: 'updateSession', token, id: sessionId };
    emit({ t: 'try', n, w: write });
    let ids: string[];
    try {
      ids = await perform(store, write, spec.worker, padding);
    } catch (e) {
      const err = e as { code?: unknown; message?: unknown };
      emit({
        t: 'fail',
        n,
        code: String(err?.code ?? 'THROWN'),
        message: String(err?.message ?? e).slice(0, 300),
      });
      continue;
    }
    emit({ t: 'ack', n, ids });
    if (write.op === 'createSession') sessions.push(ids[0] as string);
    if (write.op === 'createMessage')
      messages.set(write.sessionId, [...(messages.get(write.sessionId) ?? []), ids[0] as string]);
    if (write.op === 'createToolCall') toolCalls.push(ids[0] as string);
    if (write.op === 'appendBatch') {
      messages.set(write.sessionId, [
        ...(messages.get(write.sessionId) ?? []),
        ...ids.slice(0, write.messages),
      ]);
      toolCalls.push(...ids.slice(write.messages));
    }
  }
}

async function perform(store: AgentStorage, w: Write, worker: number, padding: number): Promise<string[]> {
  switch (w.op) {
    case 'createSession':
      return [
        await store.createSession({
          agentName: agentNameOf(worker),
          provider: 'fault-tier',
          model: 'writer',
          userPrompt: w.token,
          config: { token: w.token },
        }),
      ];
    case 'createMessage':
      return [
        await store.createMessage({
          sessionId: w.sessionId,
          role: 'assistant',
          content: pad(w.token, padding),
        }),
      ];
    case 'createToolCall':
      return [
        await store.createToolCall({
          sessionId: w.sessionId,
          messageId: w.messageId,
          toolCallId: w.token,
          toolName: 'fault_tool',
          request: { token: w.token },
        }),
      ];
    case 'appendBatch': {
      const r = await store.appendBatch({
        messages: Array.from({ length: w.messages }, (_, i) => ({
          sessionId: w.sessionId,
          role: 'tool' as const,
          content: pad(`${w.token}.${i}`, padding),
        })),
        toolCalls: Array.from({ length: w.toolCalls }, (_, i) => ({
          sessionId: w.sessionId,
          toolCallId: `${w.token}.${i}`,
          toolName: 'fault_tool',
          request: { token: `${w.token}.${i}` },
          messageIndex: i % w.messages,
        })),
      });
      return [...r.messageIds, ...r.toolCallIds];
    }
    case 'updateToolCall':
      await store.updateToolCall(w.id, { status: 'completed', response: { token: w.token } });
      return [];
    case 'updateSession':
      await store.updateSession(w.id, { result: w.token });
      return [];
  }
}

/** The outcome of checking a store against what its writers reported. */
export interface FaultTally {
  /** Writes whose `ack` arrived. */
  acknowledged: number;
  /** Writes reported as failed. */
  failed: number;
  /** Writes begun but neither acknowledged nor reported (the writer died or stopped). */
  inFlight: number;
  /** Acknowledged writes that are not stored, or stored differently. */
  lost: number;
  /** Writes reported as failed that are stored anyway. */
  phantom: number;
  /** Multi-row writes stored in part. */
  torn: number;
  /** What each problem was, for the failure message (the first few). */
  problems: string[];
}

/** A tally with nothing counted yet. */
export function emptyTally(): FaultTally {
  return { acknowledged: 0, failed: 0, inFlight: 0, lost: 0, phantom: 0, torn: 0, problems: [] };
}

interface Outcome {
  write: Write;
  result: 'ack' | 'fail' | 'in-flight';
  ids: string[];
  code?: string;
}

/** Replays a writer's events into one outcome per write. */
export function outcomes(events: readonly WorkerEvent[]): Outcome[] {
  const byN = new Map<number, Outcome>();
  for (const e of events) {
    if (e.t === 'try') byN.set(e.n, { write: e.w, result: 'in-flight', ids: [] });
    const o = e.t === 'ack' || e.t === 'fail' ? byN.get(e.n) : undefined;
    if (o !== undefined && e.t === 'ack') Object.assign(o, { result: 'ack', ids: e.ids });
    if (o !== undefined && e.t === 'fail') Object.assign(o, { result: 'fail', code: e.code });
  }
  return [...byN.values()];
}

/**
 * Checks `store` (opened after the writers ended) against each writer's outcomes: every
 * acknowledged write stored exactly, no failed write stored, no multi-row write in part.
 * Sessions created by a write that did not acknowledge are found through `listSessions`
 * when the adapter has it; without it only acknowledged sessions are read.
 */
export async function checkWriters(
  store: AgentStorage,
  writers: readonly { worker: number; outcomes: readonly Outcome[] }[],
): Promise<FaultTally> {
  const tally = emptyTally();
  const problem = (kind: 'lost' | 'phantom' | 'torn', text: string) => {
    tally[kind]++;
    if (tally.problems.length < 8) tally.problems.push(`${kind}: ${text}`);
  };
  for (const { worker, outcomes: list } of writers) {
    for (const o of list) {
      if (o.result === 'ack') tally.acknowledged++;
      else if (o.result === 'fail') tally.failed++;
      else tally.inFlight++;
    }
    const sessionIds = new Set(
      list.filter((o) => o.write.op === 'createSession' && o.result === 'ack').map((o) => o.ids[0] as string),
    );
    const storedSessions = new Map<string, { id: string; userPrompt: string; result: string | null }>();
    if (store.capabilities.listSessions) {
      for (let cursor: string | undefined, more = true; more; ) {
        const page = await store.listSessions({
          agentName: agentNameOf(worker),
          limit: 1000,
          ...(cursor ? { cursor } : {}),
        });
        for (const s of page.items) storedSessions.set(s.userPrompt, s);
        cursor = page.nextCursor ?? undefined;
        more = cursor !== undefined;
      }
    } else {
      for (const id of sessionIds) {
        const s = await store.getSession(id);
        if (s !== null) storedSessions.set(s.userPrompt, s);
      }
    }
    // Every row of this writer, by token: messages and tool calls of every stored session.
    const messageRows = new Map<string, { id: string; sessionId: string }>();
    const callRows = new Map<
      string,
      { id: string; sessionId: string; response: unknown; messageId: string | null }
    >();
    for (const s of storedSessions.values()) {
      for (const m of await store.getMessages(s.id))
        messageRows.set(tokenOf(m.content), { id: m.id, sessionId: s.id });
      for (const c of await store.getToolCalls(s.id))
        callRows.set(c.toolCallId, {
          id: c.id,
          sessionId: s.id,
          response: c.response,
          messageId: c.messageId,
        });
    }
    // Updates: each row's last acknowledged value, and the values a later unfinished write may have left.
    const lastAck = new Map<string, string | null>();
    const later = new Map<string, Set<string>>();
    const failedValues = new Map<string, Set<string>>();
    for (const o of list) {
      const w = o.write;
      if (w.op === 'createSession') {
        const stored = storedSessions.get(w.token);
        if (o.result === 'ack' && stored?.id !== o.ids[0])
          problem('lost', `session ${w.token} (id ${o.ids[0]})`);
        if (o.result === 'fail' && stored !== undefined)
          problem('phantom', `session ${w.token} after ${o.code}`);
      } else if (w.op === 'createMessage' || w.op === 'createToolCall') {
        const stored = (w.op === 'createMessage' ? messageRows : callRows).get(w.token);
        const what = w.op === 'createMessage' ? 'message' : 'tool call';
        if (
          o.result === 'ack' &&
          (stored === undefined || stored.id !== o.ids[0] || stored.sessionId !== w.sessionId)
        )
          problem('lost', `${what} ${w.token} (id ${o.ids[0]})`);
        const call = w.op === 'createToolCall' ? callRows.get(w.token) : undefined;
        if (
          o.result === 'ack' &&
          w.op === 'createToolCall' &&
          call !== undefined &&
          call.messageId !== w.messageId
        )
          problem('lost', `tool call ${w.token}: messageId ${call.messageId}, not ${w.messageId}`);
        if (o.result === 'fail' && stored !== undefined)
          problem('phantom', `${what} ${w.token} after ${o.code}`);
      } else if (w.op === 'appendBatch') {
        const found = [
          ...Array.from({ length: w.messages }, (_, i) => messageRows.get(`${w.token}.${i}`)),
          ...Array.from({ length: w.toolCalls }, (_, i) => callRows.get(`${w.token}.${i}`)),
        ];
        const present = found.filter((r) => r !== undefined).length;
        if (present !== 0 && present !== found.length)
          problem('torn', `batch ${w.token}: ${present} of ${found.length} rows stored`);
        if (
          o.result === 'ack' &&
          found.some((r, i) => r === undefined || r.id !== o.ids[i] || r.sessionId !== w.sessionId)
        )
          problem('lost', `batch ${w.token} (ids ${o.ids.join(',')})`);
        if (o.result === 'fail' && present > 0) problem('phantom', `batch ${w.token} after ${o.code}`);
      } else {
        const key = `${w.op}:${w.id}`;
        if (o.result === 'ack') {
          lastAck.set(key, w.token);
          later.delete(key);
        } else if (o.result === 'in-flight') {
          later.set(key, new Set([...(later.get(key) ?? []), w.token]));
        } else {
          failedValues.set(key, new Set([...(failedValues.get(key) ?? []), w.token]));
        }
      }
    }
    const sessionsById = new Map([...storedSessions.values()].map((s) => [s.id, s]));
    const callsById = new Map([...callRows.values()].map((r) => [r.id, r]));
    const keys = new Set([...lastAck.keys(), ...failedValues.keys()]);
    for (const key of keys) {
      const [op, id] = key.split(':') as [string, string];
      const stored =
        op === 'updateSession'
          ? (sessionsById.get(id)?.result ?? null)
          : (((callsById.get(id)?.response ?? null) as { token?: string } | null)?.token ?? null);
      const acked = lastAck.get(key) ?? null;
      if (stored === acked || (stored !== null && later.get(key)?.has(stored))) continue;
      if (stored !== null && failedValues.get(key)?.has(stored))
        problem('phantom', `${op} ${id} = ${stored} after a failure`);
      else if (acked !== null) problem('lost', `${op} ${id}: ${stored} stored, ${acked} acknowledged`);
    }
  }
  return tally;
}
