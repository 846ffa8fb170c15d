import fc from 'fast-check';
import type { AgentStorage } from '../src/contract/storage.js';
import type { SessionStatus, ToolCallStatus } from '../src/contract/types.js';
import { measureTarget, runsWithin } from './calibrate.js';
import {
  bindIds,
  clip,
  cloneIdTables,
  fromAdapter,
  fromModel,
  type IdTables,
  newIdTables,
  type Outcome,
  outcomeText,
  type RecordTable,
  render,
} from './compare.js';
import { T0 } from './fixtures.js';
import { declared, invoke, judge, type OperationName } from './operations.js';
import { envInteger, envString, probeCapabilities } from './properties.js';
import { MODEL_PAGE_LIMIT, type ModelCapabilities, ReferenceModel } from './reference-model.js';
import type { ConformanceTarget } from './types.js';

/**
 * Interleavings: a few operations (creates of messages and tool calls in one or two
 * sessions, plain and conditional updates, idempotent repeats, batches, answers, deletes and
 * reads) are started concurrently, by up to three "workers" whose own operations run one
 * after another, in an order fast-check's scheduler (`fc.scheduler`) picks: the scheduler
 * releases each operation's start, and a real store's I/O overlaps however it does. They run
 * against one store, or (when the target can `reopen`) against two stores open on the same
 * data at once, as two processes would.
 *
 * When everything has settled, the observed results must be explained by SOME sequential
 * order of the operations run through the reference model (linearizability): an order that
 * keeps every operation that finished before another started ahead of it, in which every
 * operation gives the answer the store gave (ids through the mapping, error codes among the
 * model's acceptable ones), and after which the model's state is what the store reads back
 * (through both stores, when there are two). This is what "every acknowledged write is
 * visible exactly once", "reads see a prefix", "ties keep insertion order" and "at most one
 * of two conditional updates from the same status succeeds" amount to. With at most six
 * operations, every order is tried (720 at most). A step is a call of the contract, made
 * on a store and on the model and judged through the operation table (`operations.ts`) the
 * model-based sequences use too.
 */

export interface InterleavingOptions {
  /** fast-check seed. Default: `AGENT_STORAGE_SEED`, else random. */
  seed?: number | undefined;
  /**
   * Runs. Default: `AGENT_STORAGE_RUNS`, else as many as fit in a few seconds on this
   * target (`DEFAULT_INTERLEAVING_RUNS` at most).
   */
  numRuns?: number | undefined;
  /** fast-check path of a counterexample to replay (needs its seed). Default: `AGENT_STORAGE_PATH` with an env seed. */
  path?: string | undefined;
  /** Most concurrent operations in one run (2 to 6). Default 5. */
  maxOperations?: number | undefined;
  /**
   * Whether runs may use two stores over the same data (`target.reopen`). Default: when the
   * target has `reopen`.
   */
  twoStores?: boolean | undefined;
  /**
   * Whether runs on two stores include the steps that write in a transaction (batches,
   * questions, answers, setting values). Default on. (Two SQLite stores of one process once
   * blocked each other: a second store's write spun on the busy timeout synchronously,
   * freezing the event loop the first store's transaction needed; they now share one gate.)
   */
  twoStoreTransactions?: boolean | undefined;
}

/** Steps that write in a transaction (several statements across awaits). */
function inTransaction(step: Step): boolean {
  return (
    step.op === 'appendBatch' ||
    step.op === 'createQuestion' ||
    step.op === 'answer' ||
    step.op === 'setSetting'
  );
}

export const DEFAULT_INTERLEAVING_RUNS = 250;
export const INTERLEAVING_BUDGET_MS = 3000;

// ---------------------------------------------------------------- operations

/** Which of the two setup sessions an operation works on. */
type Which = 0 | 1;

/** One concurrent operation, as data (fast-check prints and shrinks it). */
export type Step =
  | {
      op: 'createMessage';
      session: Which;
      content: string;
      clientKey: string | null;
      createdAt: number | null;
    }
  | {
      op: 'createToolCall';
      session: Which;
      toolCallId: string;
      clientKey: string | null;
      request: number;
      linked: boolean;
    }
  | { op: 'updateSession'; session: Which; status: SessionStatus }
  | { op: 'finish'; session: Which; from: SessionStatus; to: SessionStatus }
  | { op: 'updateToolCall'; status: ToolCallStatus }
  | {
      op: 'appendBatch';
      session: Which;
      keys: (string | null)[];
      call: string | null;
      /** The batch's tool call's clientKey (with idempotency). */
      callKey: string | null;
    }
  | { op: 'deleteSession'; session: Which }
  | { op: 'createQuestion'; session: Which; questionId: string }
  | { op: 'answer'; answer: string }
  | { op: 'setSetting'; value: string }
  | {
      op: 'read';
      what:
        | 'session'
        | 'messages'
        | 'toolCalls'
        | 'pending'
        | 'list'
        | 'count'
        | 'page'
        | 'questions'
        | 'settings';
      session: Which;
    };

/**
 * A step, the worker that runs it (a worker's steps run one after another), the store it
 * uses, and how long the worker waits, once the scheduler lets it go, before it starts:
 * 0 not at all, 1 and 2 that many times a few microtask turns (so that it starts in the
 * middle of another step's awaits), 3 until pending I/O had a turn (a macrotask).
 */
export interface Planned {
  step: Step;
  worker: number;
  store: number;
  pause: number;
}

async function pause(kind: number): Promise<void> {
  if (kind === 3) return new Promise((resolve) => setImmediate(resolve));
  for (let i = 0; i < kind * 4; i++) await null;
}

export function showStep(s: Step): string {
  switch (s.op) {
    case 'createMessage':
      return `createMessage(S${s.session}, ${JSON.stringify(s.content)}${s.clientKey === null ? '' : `, clientKey ${JSON.stringify(s.clientKey)}`}${s.createdAt === null ? '' : `, createdAt ${s.createdAt}`})`;
    case 'createToolCall':
      return `createToolCall(S${s.session}, ${JSON.stringify(s.toolCallId)}${s.clientKey === null ? '' : `, clientKey ${JSON.stringify(s.clientKey)}`}, request ${s.request}${s.linked ? ', messageId M0' : ''})`;
    case 'updateSession':
      return `updateSession(S${s.session}, { status: ${s.status} })`;
    case 'finish':
      return `updateSession(S${s.session}, { status: ${s.to} }, { expectedStatus: ${s.from} })`;
    case 'updateToolCall':
      return `updateToolCall(C0, { status: ${s.status} })`;
    case 'appendBatch':
      return `appendBatch(S${s.session}, messages ${render(s.keys)}${s.call === null ? '' : `, tool call ${JSON.stringify(s.call)}${s.callKey === null ? '' : ` (clientKey ${JSON.stringify(s.callKey)})`} of messages[0]`})`;
    case 'deleteSession':
      return `deleteSession(S${s.session})`;
    case 'createQuestion':
      return `createQuestions(S${s.session}, [${JSON.stringify(s.questionId)}])`;
    case 'answer':
      return `answerQuestions(S0, [q1: ${JSON.stringify(s.answer)}])`;
    case 'setSetting':
      return `setSettingValues(S0, [s1: ${JSON.stringify(s.value)}])`;
    case 'read':
      return `read ${s.what}(S${s.session})`;
  }
}

function stepsArb(caps: ModelCapabilities): fc.Arbitrary<Step> {
  const session = fc.oneof(
    { weight: 3, arbitrary: fc.constant<Which>(0) },
    { weight: 1, arbitrary: fc.constant<Which>(1) },
  );
  const status = fc.constantFrom<SessionStatus>('running', 'completed', 'failed', 'waiting_for_user_input');
  const key = caps.idempotency ? fc.option(fc.constantFrom('k1', 'k2'), { nil: null }) : fc.constant(null);
  const reads = ['session', 'messages', 'toolCalls', 'pending'] as const;
  const arbs: { weight: number; arbitrary: fc.Arbitrary<Step> }[] = [
    {
      weight: 6,
      arbitrary: fc
        .record({
          session,
          content: fc.constantFrom('a', 'b'),
          clientKey: key,
          createdAt: fc.oneof(
            { weight: 4, arbitrary: fc.constant(null) },
            { weight: 1, arbitrary: fc.constantFrom(T0, T0 + 2) },
          ),
        })
        .map((r): Step => ({ op: 'createMessage', ...r })),
    },
    {
      weight: 4,
      arbitrary: fc
        .record({
          session,
          toolCallId: fc.constantFrom('c1', 'c2'),
          clientKey: key,
          request: fc.constantFrom(1, 2),
          linked: fc.boolean(),
        })
        .map((r): Step => ({ op: 'createToolCall', ...r })),
    },
    {
      weight: 2,
      arbitrary: fc.record({ session, status }).map((r): Step => ({ op: 'updateSession', ...r })),
    },
    {
      weight: 2,
      arbitrary: fc
        .constantFrom<ToolCallStatus>('executing', 'completed', 'pending')
        .map((s): Step => ({ op: 'updateToolCall', status: s })),
    },
    {
      weight: 4,
      arbitrary: fc
        .record({
          session,
          what: fc.constantFrom(
            ...reads,
            ...(caps.listSessions ? (['list'] as const) : []),
            ...(caps.paging ? (['count', 'page'] as const) : []),
            ...(caps.questions ? (['questions'] as const) : []),
            ...(caps.settings ? (['settings'] as const) : []),
          ),
        })
        .map((r): Step => ({ op: 'read', ...r })),
    },
  ];
  if (caps.conditionalUpdate) {
    arbs.push({
      weight: 6,
      arbitrary: fc
        .record({
          session,
          from: fc.constantFrom<SessionStatus>('running', 'running', 'running', 'completed'),
          to: fc.constantFrom<SessionStatus>('completed', 'failed'),
        })
        .map((r): Step => ({ op: 'finish', ...r })),
    });
  }
  if (caps.batch) {
    arbs.push({
      weight: 3,
      arbitrary: fc
        .record({
          session,
          keys: fc.uniqueArray(key, { minLength: 1, maxLength: 2, selector: (k) => k ?? Symbol() }),
          call: fc.option(fc.constantFrom('c1', 'c3'), { nil: null }),
          callKey: key,
        })
        .map((r): Step => ({ op: 'appendBatch', ...r })),
    });
  }
  if (caps.deleteSession) {
    arbs.push({ weight: 1, arbitrary: session.map((s): Step => ({ op: 'deleteSession', session: s })) });
  }
  if (caps.questions) {
    arbs.push(
      {
        weight: 2,
        arbitrary: fc
          .record({ session, questionId: fc.constantFrom('q1', 'q2') })
          .map((r): Step => ({ op: 'createQuestion', ...r })),
      },
      { weight: 1, arbitrary: fc.constantFrom('yes', 'no').map((a): Step => ({ op: 'answer', answer: a })) },
    );
  }
  if (caps.settings) {
    arbs.push({
      weight: 1,
      arbitrary: fc.constantFrom('x', 'y').map((v): Step => ({ op: 'setSetting', value: v })),
    });
  }
  return fc.oneof(...arbs);
}

// ---------------------------------------------------------------- running a step

/** The rows the setup made, by the side's own ids. */
interface Setup {
  sessions: [string, string];
  message: string;
  toolCall: string;
}

/** A call of the contract, with one side's arguments. */
interface Call {
  name: OperationName;
  args: unknown[];
}

/** The operation each kind of read step makes. */
const READ_OPERATION: Record<Extract<Step, { op: 'read' }>['what'], OperationName> = {
  session: 'getSession',
  messages: 'getMessages',
  toolCalls: 'getToolCalls',
  pending: 'getPendingToolCalls',
  list: 'listSessions',
  count: 'countMessages',
  page: 'getMessagesPage',
  questions: 'getQuestions',
  settings: 'getSettings',
};

/** The call a step makes, with the ids of one side's setup (fresh arguments every time). */
function callOf(step: Step, setup: Setup): Call {
  const sessionId = 'session' in step ? setup.sessions[step.session] : setup.sessions[0];
  const to = (name: OperationName, ...args: unknown[]): Call => ({ name, args });
  switch (step.op) {
    case 'createMessage':
      return to('createMessage', {
        sessionId,
        role: 'user',
        content: step.content,
        ...(step.clientKey === null ? {} : { clientKey: step.clientKey }),
        ...(step.createdAt === null ? {} : { createdAt: step.createdAt }),
      });
    case 'createToolCall':
      return to('createToolCall', {
        sessionId,
        toolCallId: step.toolCallId,
        ...(step.clientKey === null ? {} : { clientKey: step.clientKey }),
        toolName: 'tool',
        request: step.request,
        ...(step.linked && step.session === 0 ? { messageId: setup.message } : {}),
      });
    case 'updateSession':
      return to('updateSession', sessionId, { status: step.status });
    case 'finish':
      return to('updateSession', sessionId, { status: step.to }, { expectedStatus: step.from });
    case 'updateToolCall':
      return to('updateToolCall', setup.toolCall, { status: step.status });
    case 'appendBatch':
      return to('appendBatch', {
        messages: step.keys.map((k, i) => ({
          sessionId,
          role: 'assistant' as const,
          content: `batch ${i}`,
          ...(k === null ? {} : { clientKey: k }),
        })),
        ...(step.call === null
          ? {}
          : {
              toolCalls: [
                {
                  sessionId,
                  toolCallId: step.call,
                  ...(step.callKey === null ? {} : { clientKey: step.callKey }),
                  toolName: 'tool',
                  request: 0,
                  messageIndex: 0,
                },
              ],
            }),
      });
    case 'deleteSession':
      return to('deleteSession', sessionId);
    case 'createQuestion':
      return to('createQuestions', sessionId, [{ questionId: step.questionId, question: 'Which?' }]);
    case 'answer':
      return to('answerQuestions', sessionId, [{ questionId: 'q1', answer: step.answer }]);
    case 'setSetting':
      return to('setSettingValues', sessionId, [{ settingKey: 's1', value: step.value }]);
    case 'read': {
      const name = READ_OPERATION[step.what];
      return step.what === 'list'
        ? to(name, {})
        : step.what === 'page'
          ? to(name, sessionId, { limit: 2 })
          : to(name, sessionId);
    }
  }
}

/**
 * Whether the adapter's answer to `name` is the model's, binding the ids of new rows in
 * `ids`; `undefined` when it is, else why not.
 */
function verdict(name: OperationName, model: Outcome, adapter: Outcome, ids: IdTables): string | undefined {
  const d = judge(name, model, adapter, ids);
  if (d === undefined) return undefined;
  if (d.table !== undefined) return `ids of ${d.table}: the model made ${d.model}, ${d.adapter}`;
  return `the model says ${d.model}; the store answered ${d.adapter}`;
}

// ---------------------------------------------------------------- the final state

interface FinalRead {
  label: string;
  name: OperationName;
  args: (setup: Setup) => unknown[];
}

/** The reads of each setup session the final state is compared by, in this order (those declared). */
const SESSION_READS: readonly OperationName[] = [
  'getSession',
  'getMessages',
  'getToolCalls',
  'getPendingToolCalls',
  'countMessages',
  'getQuestions',
  'getSettings',
];

function finalReads(caps: ModelCapabilities): FinalRead[] {
  const reads: FinalRead[] = [];
  if (caps.listSessions) {
    reads.push({
      label: `listSessions({ limit: ${MODEL_PAGE_LIMIT.max} })`,
      name: 'listSessions',
      args: () => [{ limit: MODEL_PAGE_LIMIT.max }],
    });
  }
  for (const which of [0, 1] as const) {
    for (const name of SESSION_READS.filter((n) => declared(n, caps))) {
      reads.push({ label: `${name}(S${which})`, name, args: (setup) => [setup.sessions[which]] });
    }
  }
  return reads;
}

// ---------------------------------------------------------------- one run

interface Observed {
  planned: Planned;
  start: number;
  end: number;
  outcome: Outcome;
}

/** The setup, on the store and on the model: two sessions, a message, a tool call, a question, a setting. */
async function setUp(
  store: AgentStorage,
  model: ReferenceModel,
  caps: ModelCapabilities,
  ids: IdTables,
): Promise<{ real: Setup; model: Setup }> {
  const both = async <T>(
    table: RecordTable,
    onModel: () => T,
    onStore: () => Promise<T>,
    idsOf: (v: T) => string[],
  ): Promise<[T, T]> => {
    const m = onModel();
    const r = await onStore();
    const problem = bindIds(ids, table, idsOf(m), idsOf(r));
    if (problem !== undefined) throw new Error(`setup: ${table}: ${problem}`);
    return [m, r];
  };
  const session = (agentName: string) => ({
    agentName,
    provider: 'anthropic',
    model: 'm1',
    userPrompt: 'go',
    startedAt: T0,
  });
  const id = (v: string) => [v];
  const [m0, r0] = await both(
    'sessions',
    () => model.createSession(session('agent-a')),
    () => store.createSession(session('agent-a')),
    id,
  );
  const [m1, r1] = await both(
    'sessions',
    () => model.createSession(session('agent-b')),
    () => store.createSession(session('agent-b')),
    id,
  );
  const message = (sessionId: string) => ({
    sessionId,
    role: 'user' as const,
    content: 'setup',
    createdAt: T0,
  });
  const [mm, rm] = await both(
    'messages',
    () => model.createMessage(message(m0)),
    () => store.createMessage(message(r0)),
    id,
  );
  const call = (sessionId: string, messageId: string) => ({
    sessionId,
    messageId,
    toolCallId: 'c0',
    toolName: 'tool',
    request: 0,
    createdAt: T0,
  });
  const [mc, rc] = await both(
    'toolCalls',
    () => model.createToolCall(call(m0, mm)),
    () => store.createToolCall(call(r0, rm)),
    id,
  );
  if (caps.questions) {
    const q = [{ questionId: 'q1', question: 'Which?', createdAt: T0 }];
    await both(
      'questions',
      () => model.createQuestions(m0, q),
      () => store.createQuestions(r0, q),
      (v) => v,
    );
  }
  if (caps.settings) {
    const s = [{ settingKey: 's1', settingName: 'S', createdAt: T0 }];
    await both(
      'settings',
      () => model.createSettings(m0, s),
      () => store.createSettings(r0, s),
      (v) => v,
    );
  }
  return {
    real: { sessions: [r0, r1], message: rm, toolCall: rc },
    model: { sessions: [m0, m1], message: mm, toolCall: mc },
  };
}

class Unexplained extends Error {
  override readonly name = 'Unexplained';
}

/**
 * Tries every order of the observed steps that respects real time, running the model
 * along; returns `undefined` when one explains everything, else the best attempt's story.
 */
function explain(
  observed: Observed[],
  finals: { reads: FinalRead[]; results: Outcome[][] },
  start: { model: ReferenceModel; ids: IdTables; setup: Setup },
): string | undefined {
  const n = observed.length;
  const before = (a: number, b: number) => (observed[a] as Observed).end < (observed[b] as Observed).start;
  let best: { order: number[]; problem: string } = { order: [], problem: '' };
  const note = (order: number[], problem: string) => {
    if (order.length >= best.order.length) best = { order: [...order], problem };
  };
  const search = (model: ReferenceModel, ids: IdTables, order: number[], placed: Set<number>): boolean => {
    if (order.length === n) {
      // Every store's final reads must be this state.
      for (const [s, results] of finals.results.entries()) {
        for (const [i, read] of finals.reads.entries()) {
          const expected = fromModel(() => invoke(model, read.name, read.args(start.setup)));
          const d = judge(read.name, expected, results[i] as Outcome, ids);
          if (d !== undefined) {
            note(
              order,
              `after all of them, store ${s + 1} reads ${read.label}: ${d.adapter}\n    but the model, run in this order, has ${d.model}`,
            );
            return false;
          }
        }
      }
      return true;
    }
    for (let i = 0; i < n; i++) {
      if (placed.has(i)) continue;
      // Every step that ended before this one started must come first.
      let ready = true;
      for (let j = 0; j < n && ready; j++) if (j !== i && !placed.has(j) && before(j, i)) ready = false;
      if (!ready) continue;
      const o = observed[i] as Observed;
      const nextModel = model.clone();
      const nextIds = cloneIdTables(ids);
      const c = callOf(o.planned.step, start.setup);
      const expected = fromModel(() => invoke(nextModel, c.name, c.args));
      const problem = verdict(c.name, expected, o.outcome, nextIds);
      if (problem !== undefined) {
        note([...order, i], `#${i} ${showStep(o.planned.step)}: ${problem}`);
        continue;
      }
      placed.add(i);
      order.push(i);
      if (search(nextModel, nextIds, order, placed)) return true;
      order.pop();
      placed.delete(i);
    }
    return false;
  };
  if (search(start.model, start.ids, [], new Set())) return undefined;
  const timeline = observed
    .map(
      (o, i) =>
        `  #${i} [worker ${o.planned.worker}, store ${o.planned.store + 1}, t${o.start}..t${o.end}] ${showStep(o.planned.step)} → ${clip(
          outcomeText(o.outcome, (v) => render(v)),
          300,
        )}`,
    )
    .join('\n');
  return [
    'No sequential order of the concurrent operations explains what the store(s) answered.',
    'What happened (t: the order starts and ends were seen in; an operation that ended before another started must come first):',
    timeline,
    `The order that went furthest: ${best.order.map((i) => `#${i}`).join(', ') || '(none)'}; then`,
    `    ${clip(best.problem, 1500)}`,
    '  (ids in records are shown as the model names them: session-1 is S0, session-2 is S1)',
  ].join('\n');
}

/** The scheduler `fc.scheduler()` generates from `seed`. */
function schedulerOf(seed: number): fc.Scheduler {
  return fc.sample(fc.scheduler(), { seed, numRuns: 1 })[0] as fc.Scheduler;
}

async function runOnce(
  target: ConformanceTarget,
  caps: ModelCapabilities,
  s: fc.Scheduler,
  plan: Planned[],
  twoStores: boolean,
): Promise<void> {
  const clock = { now: T0 };
  const first = await target.create({ clock: () => clock.now });
  const stores: AgentStorage[] = [first];
  try {
    const model = new ReferenceModel(() => clock.now, { capabilities: caps });
    const ids = newIdTables();
    const setup = await setUp(first, model, caps, ids);
    const reads = finalReads(caps);
    if (twoStores && target.reopen) {
      const second = await target.reopen(first, { clock: () => clock.now });
      stores.push(second);
      // The second store sees what the first wrote before it opened.
      for (const read of reads) {
        const expected = fromModel(() => invoke(model, read.name, read.args(setup.model)));
        const actual = await fromAdapter(async () => invoke(second, read.name, read.args(setup.real)));
        const d = judge(read.name, expected, actual, ids);
        if (d !== undefined) {
          throw new Unexplained(
            `a second store over the same data, opened after the setup, reads ${read.label}: ${d.adapter}\n    but the setup wrote ${d.model}`,
          );
        }
      }
    }
    // Everything concurrent happens at one instant: ties in createdAt are the norm.
    clock.now = T0 + 1;
    const start = { model: model.clone(), ids: cloneIdTables(ids), setup: setup.model };

    let tick = 0;
    const observed: Observed[] = plan.map((planned) => ({
      planned,
      start: -1,
      end: -1,
      outcome: { ok: false, code: '<never ran>', message: '', codes: [] },
    }));
    const workers = [...new Set(plan.map((p) => p.worker))].map(async (worker) => {
      for (const [i, planned] of plan.entries()) {
        if (planned.worker !== worker) continue;
        const o = observed[i] as Observed;
        await s.schedule(Promise.resolve(), `#${i} ${showStep(planned.step)}`);
        await pause(planned.pause);
        const store = stores[planned.store % stores.length] as AgentStorage;
        const c = callOf(planned.step, setup.real);
        o.start = ++tick;
        o.outcome = await fromAdapter(async () => invoke(store, c.name, c.args));
        o.end = ++tick;
      }
    });
    // Release the starts one by one, as fast as they come: the scheduler picks the order,
    // and steps overlap as much as the store's own awaits and I/O let them.
    let settled = false;
    const all = Promise.all(workers).finally(() => {
      settled = true;
    });
    while (!settled) {
      if (s.count() > 0) await s.waitOne();
      else await Promise.race([all, new Promise((resolve) => setImmediate(resolve))]);
    }
    await all;

    const results: Outcome[][] = [];
    for (const store of stores) {
      const mine: Outcome[] = [];
      for (const read of reads) {
        mine.push(await fromAdapter(async () => invoke(store, read.name, read.args(setup.real))));
      }
      results.push(mine);
    }
    const story = explain(observed, { reads, results }, start);
    if (story !== undefined) throw new Unexplained(`${story}\nSchedule: ${String(s)}`);
  } finally {
    for (const store of stores.reverse()) await store.close();
  }
}

// ---------------------------------------------------------------- the check

/**
 * Runs random sets of concurrent operations against fresh stores of `target` (one store,
 * or two over the same data when the target can `reopen`) and throws when the results are
 * not explained by any sequential order of the reference model. The error names the seed
 * and path and how to replay the run. Like `runConformance`, it calls `target.teardown()`
 * when done.
 */
export async function checkInterleavings(
  target: ConformanceTarget,
  options: InterleavingOptions = {},
): Promise<void> {
  const seedFromEnv = options.seed === undefined;
  const seed = options.seed ?? envInteger('AGENT_STORAGE_SEED');
  const path = options.path ?? (seedFromEnv ? envString('AGENT_STORAGE_PATH') : undefined);
  const maxOperations = Math.min(6, Math.max(2, options.maxOperations ?? 5));
  const twoStores = (options.twoStores ?? true) && target.reopen !== undefined;
  if (path !== undefined && seed === undefined) {
    throw new Error('checkInterleavings: a path replays only with the seed it was found with');
  }

  let details: fc.RunDetails<[number, [boolean, Planned[]]]>;
  try {
    const caps = await probeCapabilities(target);
    const numRuns =
      options.numRuns ??
      envInteger('AGENT_STORAGE_RUNS') ??
      runsWithin(await measureTarget(target), {
        budgetMs: INTERLEAVING_BUDGET_MS,
        opsPerRun: 40,
        storesPerRun: twoStores ? 1.5 : 1,
        min: 10,
        max: DEFAULT_INTERLEAVING_RUNS,
      });
    const steps = stepsArb(caps);
    const planned = (two: boolean) =>
      fc.record({
        step:
          two && options.twoStoreTransactions === false ? steps.filter((st) => !inTransaction(st)) : steps,
        worker: fc.nat({ max: 2 }),
        store: two ? fc.nat({ max: 1 }) : fc.constant(0),
        pause: fc.oneof({ weight: 3, arbitrary: fc.constant(0) }, fc.integer({ min: 1, max: 3 })),
      });
    const plans = (twoStores ? fc.boolean() : fc.constant(false)).chain((two) =>
      fc.tuple(fc.constant(two), fc.array(planned(two), { minLength: 2, maxLength: maxOperations })),
    );
    // The scheduler is made afresh from a seed for every execution: fast-check's clones of
    // one generated scheduler share its random stream, so a shrunk counterexample would not
    // replay from its path with the schedule it failed with.
    const property = fc.asyncProperty(fc.noShrink(fc.nat()), plans, (schedule, [two, plan]) =>
      runOnce(target, caps, schedulerOf(schedule), plan, two),
    );
    details = await fc.check(property, {
      numRuns,
      ...(seed === undefined ? {} : { seed }),
      ...(path === undefined ? {} : { path }),
    });
  } finally {
    await target.teardown?.();
  }
  if (!details.failed) return;
  throw new Error(failureReport(target.name, details));
}

function failureReport(name: string, details: fc.RunDetails<[number, [boolean, Planned[]]]>): string {
  const seed = details.seed;
  const path = details.counterexamplePath ?? '';
  const error = details.errorInstance;
  const cause = error instanceof Error ? error.message : String(error);
  const example = details.counterexample;
  const steps =
    example === null
      ? '(none)'
      : example[1][1]
          .map(
            (p, i) =>
              `#${i} [worker ${p.worker}, store ${p.store + 1}${p.pause === 0 ? '' : `, pause ${p.pause}`}] ${showStep(p.step)}`,
          )
          .join('; ');
  return [
    `Interleaving check failed for ${name}: concurrent results no sequential order of the reference model explains (conformance/interleavings.ts).`,
    cause,
    `Operations: ${steps}${example?.[1][0] ? ' (two stores over the same data)' : ' (one store)'}; scheduler seed ${example?.[0]}`,
    `seed: ${seed}, path: "${path}" (failed after ${details.numRuns} run(s), shrunk ${details.numShrinks} time(s))`,
    `Replay: AGENT_STORAGE_SEED=${seed} AGENT_STORAGE_PATH='${path}' npx vitest run -t model.interleavings`,
    `    or: checkInterleavings(target, { seed: ${seed}, path: '${path}' })`,
  ].join('\n');
}
