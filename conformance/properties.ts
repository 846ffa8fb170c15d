import fc from 'fast-check';
import type { AgentStorage } from '../src/contract/storage.js';
import type {
  Answer,
  Batch,
  NewMessage,
  NewQuestion,
  NewSession,
  NewSetting,
  NewToolCall,
  Page,
  PageQuery,
  SessionQuery,
  SessionUpdate,
  SettingValue,
  ToolCallUpdate,
} from '../src/contract/types.js';
import {
  type ArbitraryOptions,
  type BatchSpec,
  buildBatch,
  buildInput,
  buildList,
  buildValue,
  clockValueArb,
  type IdRef,
  type InputSpec,
  inputArbitraries,
  type ListSpec,
  type Resolve,
  showBatch,
  showInput,
  showList,
  showVal,
  type Table,
  TIE_TIMESTAMPS,
  type Val,
} from './arbitraries.js';
import { measureTarget, runsWithin } from './calibrate.js';
import {
  agree,
  bindIds,
  clip,
  copyPlain,
  fromAdapter,
  fromModel,
  type IdTables,
  type MapId,
  newIdTables,
  type Outcome,
  outcomeText,
  type RecordTable,
  realIds,
  render,
  type Shape,
  sameId,
  scribble,
  viewList,
  viewPage,
  viewRecord,
} from './compare.js';
import { T0 } from './fixtures.js';
import {
  MESSAGE_RECORD_FIELDS,
  MODEL_PAGE_LIMIT,
  type ModelCapabilities,
  modelCapabilities,
  QUESTION_FIELDS,
  ReferenceModel,
  SESSION_FIELDS,
  SETTING_FIELDS,
  TOOL_CALL_FIELDS,
} from './model.js';
import type { ConformanceTarget } from './types.js';

export { render } from './compare.js';

/**
 * Model-based property testing of the contract: fast-check generates random sequences of
 * operations (valid and invalid inputs, known, foreign and malformed ids, ties in time, long
 * runs of ties, repeated creates, and every optional capability the adapter declares:
 * listing with filters and cursors, pages and counts, deletes, batches and their retries,
 * conditional updates, questions and settings) and runs each against a fresh store of the
 * target and against the reference model (`conformance/model.ts`) side by side. Every
 * answer must agree: returned records (ids compared through the mapping built as rows are
 * created, never literally), `null` / `[]` / counts, pages (their items, and whether a next
 * cursor exists: cursors are opaque, so the adapter's are followed and compared by the pages
 * they lead to), and error codes (by `code` only). Inputs and results the adapter handled
 * are scribbled on afterwards, so a store that keeps a reference to either shows it in a
 * later read; every run ends with a read of everything, through every read it declares.
 *
 * What the adapter declares in `capabilities` decides part of the contract: an optional
 * capability's commands are generated only when it is declared, and with `idempotency`
 * repeated creates (by `clientKey` / `toolCallId`) are exercised and checked.
 */

export interface ModelBasedOptions {
  /** fast-check seed. Default: `AGENT_STORAGE_SEED`, else random. */
  seed?: number | undefined;
  /**
   * Runs (command sequences). Default: `AGENT_STORAGE_RUNS`, else as many as fit in a few
   * seconds on this target (`DEFAULT_RUNS` at most; see `conformance/calibrate.ts`).
   */
  numRuns?: number | undefined;
  /** Longest command sequence. Default: `AGENT_STORAGE_MAX_COMMANDS`, else 40. */
  maxCommands?: number | undefined;
  /** fast-check path of a counterexample to replay (needs its seed). Default: `AGENT_STORAGE_PATH` with an env seed. */
  path?: string | undefined;
  /** The commands' replay path printed with a failure. Default: `AGENT_STORAGE_REPLAY_PATH` with an env seed. */
  replayPath?: string | undefined;
  /** Extra hunting grounds, off by default (see `ArbitraryOptions`). */
  arbitraries?: ArbitraryOptions | undefined;
}

/** Runs on a fast target; slower ones get fewer (`SEQUENCE_BUDGET_MS`). */
export const DEFAULT_RUNS = 100;
export const DEFAULT_MAX_COMMANDS = 40;
/** Time the default run count aims at on a slow target. */
export const SEQUENCE_BUDGET_MS = 4000;

// ---------------------------------------------------------------- the world

/** A create both sides accepted, kept (as given) so that a later command can repeat it. */
interface Created {
  real: Record<string, unknown>;
  model: Record<string, unknown>;
}

interface Pair {
  real: unknown;
  model: unknown;
}

type PagedTable = 'sessions' | 'messages' | 'toolCalls';

/** A next cursor both sides issued (for the same page), and how to ask for the page after it. */
interface IssuedCursor {
  table: PagedTable;
  real: string;
  model: string;
  /** The session paged (for messages and tool calls). */
  session: Pair | null;
  /** listSessions: the filters of the query that issued it (no limit, no cursor). */
  query: Pair | null;
  /** The direction it continues in. */
  direction: 'after' | 'before';
}

/** fast-check's "model": the reference model plus the id mapping, the shared clock and what can be repeated. */
export interface World {
  model: ReferenceModel;
  capabilities: ModelCapabilities;
  clock: { now: number };
  ids: IdTables;
  created: {
    messages: Created[];
    toolCalls: Created[];
    batches: Created[];
    /** Accepted non-empty createQuestions / createSettings calls: their session and items. */
    questions: [Pair, Pair][];
    settings: [Pair, Pair][];
  };
  cursors: IssuedCursor[];
  step: number;
}

export const SHAPES = {
  session: { table: 'sessions', keys: ['id', ...SESSION_FIELDS], refs: {} },
  message: { table: 'messages', keys: ['id', ...MESSAGE_RECORD_FIELDS], refs: { sessionId: 'sessions' } },
  toolCall: {
    table: 'toolCalls',
    keys: ['id', ...TOOL_CALL_FIELDS],
    refs: { sessionId: 'sessions', messageId: 'messages' },
  },
  question: {
    table: 'questions',
    keys: ['id', ...QUESTION_FIELDS],
    refs: { sessionId: 'sessions', toolCallId: 'toolCalls' },
  },
  setting: {
    table: 'settings',
    keys: ['id', ...SETTING_FIELDS],
    refs: { sessionId: 'sessions', toolCallId: 'toolCalls' },
  },
} as const satisfies Record<string, Shape>;

export type View = (v: unknown, mapId: MapId) => string;

/** How each kind of answer is compared. */
export const VIEWS = {
  session: ((v, mapId) => (v === null ? 'null' : viewRecord(v, SHAPES.session, mapId))) as View,
  messages: ((v, mapId) => viewList(v, SHAPES.message, mapId)) as View,
  toolCalls: ((v, mapId) => viewList(v, SHAPES.toolCall, mapId)) as View,
  questions: ((v, mapId) => viewList(v, SHAPES.question, mapId)) as View,
  settings: ((v, mapId) => viewList(v, SHAPES.setting, mapId)) as View,
  sessionPage: ((v, mapId) => viewPage(v, SHAPES.session, mapId)) as View,
  messagePage: ((v, mapId) => viewPage(v, SHAPES.message, mapId)) as View,
  toolCallPage: ((v, mapId) => viewPage(v, SHAPES.toolCall, mapId)) as View,
  /** Counts, booleans. */
  value: ((v) => render(v)) as View,
  done: (() => 'done') as View,
};

const PAGE_VIEW: Record<PagedTable, View> = {
  sessions: VIEWS.sessionPage,
  messages: VIEWS.messagePage,
  toolCalls: VIEWS.toolCallPage,
};

function newWorld(clock: { now: number }, capabilities: ModelCapabilities): World {
  return {
    model: new ReferenceModel(() => clock.now, { capabilities }),
    capabilities,
    clock,
    ids: newIdTables(),
    created: { messages: [], toolCalls: [], batches: [], questions: [], settings: [] },
    cursors: [],
    step: 0,
  };
}

/**
 * What the adapter is given and what the model is given for an id argument. A literal id
 * is looked up among the ids the adapter issued for that table: one it issued means the
 * same row to the model; any other string means no row (`unissued:...` is never a model id).
 */
function literal(world: World, table: Table, real: unknown): Pair {
  if (typeof real !== 'string') return { real, model: real };
  return { real, model: world.ids[table].toModel.get(real) ?? `unissued:${real}` };
}

function picked(world: World, table: Table, pick: number): Pair {
  const ids = world.ids[table];
  if (ids.order.length === 0) return literal(world, table, '1');
  const model = ids.order[pick % ids.order.length] as string;
  return { real: ids.toReal.get(model), model };
}

function resolvePair(world: World, table: Table, ref: IdRef, session: IdRef | undefined): Pair {
  switch (ref.kind) {
    case 'raw':
      return literal(world, table, ref.value);
    case 'known':
      return picked(world, table, ref.pick);
    case 'cross':
      return literal(world, table, picked(world, ref.table, ref.pick).real);
    case 'sibling': {
      // A row of this table in the session the same input names (a message of a tool
      // call's session, a tool call of a question's session).
      const sessionId =
        session === undefined ? undefined : resolvePair(world, 'sessions', session, undefined).model;
      const rows: { id: string; sessionId: string }[] =
        table === 'toolCalls' ? world.model.toolCalls : world.model.messages;
      const mine = rows.filter((r) => r.sessionId === sessionId).map((r) => r.id);
      if (mine.length === 0) return { real: null, model: null };
      const model = mine[ref.pick % mine.length] as string;
      return { real: world.ids[table].toReal.get(model), model };
    }
  }
}

function resolver(world: World, side: keyof Pair): Resolve {
  return (table, ref, session) => resolvePair(world, table, ref, session)[side];
}

// ---------------------------------------------------------------- comparing

class Mismatch extends Error {
  override readonly name = 'ModelMismatch';
}

function explain(label: string, model: string, adapter: string): never {
  throw new Mismatch(
    `${label}\n  the contract (model) says: ${model}\n  the adapter answered:      ${adapter}\n` +
      '  (ids in records are shown as the model names them: session-1 is the first session created)',
  );
}

/** Compares two answers: equal views when both resolve, an acceptable code when both reject. */
function expectSame(label: string, model: Outcome, adapter: Outcome, view: View, world: World): void {
  if (!agree(model, adapter, view, world.ids)) {
    explain(
      label,
      outcomeText(model, (v) => view(v, sameId)),
      outcomeText(adapter, (v) => view(v, realIds(world.ids))),
    );
  }
}

/** Creates: the same code, or ids that are new (or, for an idempotent repeat, the first one's). */
function expectIds(
  label: string,
  model: Outcome,
  adapter: Outcome,
  world: World,
  lists: (value: unknown) => [RecordTable, unknown][],
): void {
  if (model.ok && adapter.ok) {
    const mine = lists(model.value);
    const theirs = lists(adapter.value);
    for (const [i, [table, modelIds]] of mine.entries()) {
      const problem = bindIds(world.ids, table, modelIds as string[], theirs[i]?.[1]);
      if (problem !== undefined) explain(label, `ids of ${table}: ${render(modelIds)}`, problem);
    }
    return;
  }
  expectSame(label, model, adapter, (v) => render(v), world);
}

const one =
  (table: RecordTable) =>
  (v: unknown): [RecordTable, unknown][] => [[table, typeof v === 'string' ? [v] : v]];
const batchIds = (v: unknown): [RecordTable, unknown][] => {
  const r = (v ?? {}) as { messageIds?: unknown; toolCallIds?: unknown };
  return [
    ['messages', r.messageIds],
    ['toolCalls', r.toolCallIds],
  ];
};

/** The next cursors of a page both sides returned (taken before the adapter's page is scribbled on). */
interface NextCursors {
  model: string | null;
  real: string | null;
}

function nextCursors(model: Outcome, adapter: Outcome): NextCursors | null {
  if (!model.ok || !adapter.ok) return null;
  const cursorOf = (v: unknown) => {
    const c = (v as Partial<Page<unknown>> | null)?.nextCursor;
    return typeof c === 'string' ? c : null;
  };
  return { model: cursorOf(model.value), real: cursorOf(adapter.value) };
}

/** After a page both sides agree on: keep its next cursor (if any) to be followed later. */
function remember(
  world: World,
  next: NextCursors | null,
  context: Omit<IssuedCursor, 'real' | 'model'>,
): void {
  if (next?.model != null && next.real !== null)
    world.cursors.push({ ...context, real: next.real, model: next.model });
}

// ---------------------------------------------------------------- commands

export type Op =
  | { op: 'createSession'; input: InputSpec }
  | { op: 'getSession'; id: Val }
  | { op: 'updateSession'; id: Val; update: InputSpec }
  | { op: 'createMessage'; input: InputSpec }
  | { op: 'getMessages'; sessionId: Val }
  | { op: 'createToolCall'; input: InputSpec }
  | { op: 'updateToolCall'; id: Val; update: InputSpec }
  | { op: 'getToolCalls'; sessionId: Val }
  | { op: 'getPendingToolCalls'; sessionId: Val }
  | { op: 'setClock'; now: number }
  | { op: 'audit' }
  /** `count` creates in a row into one session, all at one instant (or the clock's): long runs of ties. */
  | { op: 'bulk'; table: 'messages' | 'toolCalls'; sessionId: Val; count: number; createdAt: number | null }
  /**
   * Repeats the `pick`-th create of a message or tool call that both sides accepted: as it
   * was, without its createdAt, with a changed payload, or with changed mutable fields.
   */
  | { op: 'repeat'; table: 'messages' | 'toolCalls'; pick: number; change: RepeatChange }
  // listSessions
  | { op: 'listSessions'; query: InputSpec | null }
  /** Follows the `pick`-th cursor a listing issued, same filters; `foreign`: a page's cursor instead. */
  | { op: 'listMore'; pick: number; limit: Val | null; foreign: boolean }
  // paging
  | { op: 'page'; table: 'messages' | 'toolCalls'; sessionId: Val; query: InputSpec | null }
  /**
   * Follows the `pick`-th cursor a page issued: onwards, the other way, with both `after`
   * and `before`, in another session (`elsewhere`), or in the other table.
   */
  | {
      op: 'pageMore';
      pick: number;
      limit: Val | null;
      mode: 'same' | 'flip' | 'both' | 'elsewhere' | 'other-table';
      elsewhere: Val;
    }
  | { op: 'count'; table: 'messages' | 'toolCalls'; sessionId: Val }
  // deleteSession
  | { op: 'deleteSession'; id: Val }
  // batch
  | { op: 'appendBatch'; batch: BatchSpec }
  /** Retries the `pick`-th batch both sides accepted, as it was or without its createdAt values. */
  | { op: 'repeatBatch'; pick: number; change: 'none' | 'no-createdAt' }
  /** Repeats the `pick`-th createQuestions / createSettings both sides accepted (its keys are taken now). */
  | { op: 'repeatChildren'; table: 'questions' | 'settings'; pick: number }
  // conditionalUpdate
  | { op: 'updateSessionIf'; id: Val; update: InputSpec; options: InputSpec }
  // requirements and settings
  | {
      op: 'createQuestions' | 'answerQuestions' | 'createSettings' | 'setSettingValues';
      sessionId: Val;
      items: ListSpec;
    }
  | { op: 'getQuestions' | 'getPendingQuestions' | 'getSettings' | 'getPendingSettings'; sessionId: Val };

export type RepeatChange = 'none' | 'no-createdAt' | 'payload' | 'mutable';

function showOp(op: Op): string {
  switch (op.op) {
    case 'createSession':
    case 'createMessage':
    case 'createToolCall':
      return `${op.op}(${showInput(op.input)})`;
    case 'getSession':
    case 'deleteSession':
      return `${op.op}(${showVal(op.id)})`;
    case 'updateSession':
    case 'updateToolCall':
      return `${op.op}(${showVal(op.id)}, ${showInput(op.update)})`;
    case 'updateSessionIf':
      return `updateSession(${showVal(op.id)}, ${showInput(op.update)}, ${showInput(op.options)})`;
    case 'getMessages':
    case 'getToolCalls':
    case 'getPendingToolCalls':
    case 'getQuestions':
    case 'getPendingQuestions':
    case 'getSettings':
    case 'getPendingSettings':
      return `${op.op}(${showVal(op.sessionId)})`;
    case 'setClock':
      return `setClock(${op.now})`;
    case 'audit':
      return 'audit()';
    case 'bulk':
      return `bulk(${op.table}, ${showVal(op.sessionId)}, ${op.count}, createdAt ${op.createdAt ?? 'from the clock'})`;
    case 'repeat':
      return `repeat(${op.table}[${op.pick}], ${op.change})`;
    case 'listSessions':
      return `listSessions(${op.query === null ? '' : showInput(op.query)})`;
    case 'listMore':
      return `listMore(${op.foreign ? 'a page cursor' : 'cursor'}[${op.pick}], limit ${op.limit === null ? 'default' : showVal(op.limit)})`;
    case 'page':
      return `${op.table === 'messages' ? 'getMessagesPage' : 'getToolCallsPage'}(${showVal(op.sessionId)}${op.query === null ? '' : `, ${showInput(op.query)}`})`;
    case 'pageMore':
      return `pageMore(cursor[${op.pick}], limit ${op.limit === null ? 'default' : showVal(op.limit)}, ${op.mode}${op.mode === 'elsewhere' ? ` ${showVal(op.elsewhere)}` : ''})`;
    case 'count':
      return `${op.table === 'messages' ? 'countMessages' : 'countToolCalls'}(${showVal(op.sessionId)})`;
    case 'appendBatch':
      return `appendBatch(${showBatch(op.batch)})`;
    case 'repeatBatch':
      return `repeatBatch(batch[${op.pick}], ${op.change})`;
    case 'repeatChildren':
      return `repeat(${op.table === 'questions' ? 'createQuestions' : 'createSettings'}[${op.pick}])`;
    case 'createQuestions':
    case 'answerQuestions':
    case 'createSettings':
    case 'setSettingValues':
      return `${op.op}(${showVal(op.sessionId)}, ${showList(op.items)})`;
  }
}

type CreateTable = 'sessions' | 'messages' | 'toolCalls';

/** One create on both sides: same code, or a new id (or, for a repeat, the first one's). */
async function create(
  world: World,
  store: AgentStorage,
  table: CreateTable,
  input: { real: unknown; model: unknown },
  text: string,
): Promise<void> {
  const m = world.model;
  const expected = fromModel(() =>
    table === 'sessions'
      ? m.createSession(input.model as NewSession)
      : table === 'messages'
        ? m.createMessage(input.model as NewMessage)
        : m.createToolCall(input.model as NewToolCall),
  );
  // Accepted input is plain data: keep a copy to repeat later (the adapter's copy gets scribbled on).
  const kept =
    expected.ok && table !== 'sessions'
      ? { real: copyPlain(input.real), model: copyPlain(input.model) }
      : null;
  const actual = await fromAdapter(() =>
    table === 'sessions'
      ? store.createSession(input.real as NewSession)
      : table === 'messages'
        ? store.createMessage(input.real as NewMessage)
        : store.createToolCall(input.real as NewToolCall),
  );
  scribble(input.real);
  expectIds(text, expected, actual, world, one(table));
  if (kept !== null && table !== 'sessions' && actual.ok) world.created[table].push(kept as Created);
}

function repeated(entry: Created, table: 'messages' | 'toolCalls', change: RepeatChange): Created {
  const out = { real: copyPlain(entry.real), model: copyPlain(entry.model) };
  for (const input of [out.real, out.model]) {
    if (change === 'no-createdAt') delete input.createdAt;
    if (change === 'payload' && table === 'messages') input.content = `${String(input.content)}!`;
    if (change === 'payload' && table === 'toolCalls') input.request = { changed: input.request ?? null };
    if (change === 'mutable' && table === 'toolCalls') {
      input.status = 'completed';
      input.response = { repeated: true };
      input.errorDetails = 'again';
    }
  }
  return out;
}

/** A read on both sides, compared; returns both answers. */
async function read(
  world: World,
  label: string,
  onModel: () => unknown,
  onAdapter: () => Promise<unknown>,
  view: View,
): Promise<{ model: Outcome; adapter: Outcome; next: NextCursors | null }> {
  const model = fromModel(onModel);
  const adapter = await fromAdapter(onAdapter);
  expectSame(label, model, adapter, view, world);
  const next = nextCursors(model, adapter);
  if (adapter.ok) scribble(adapter.value);
  return { model, adapter, next };
}

/** Both sides' query objects with a cursor (and limit) set; `null` limit leaves the default. */
function continued(
  base: Pair | null,
  cursor: { real: string; model: string },
  keys: readonly string[],
  limit: Pair | null,
): Pair {
  const side = (which: 'real' | 'model') => {
    const q: Record<string, unknown> = base === null ? {} : copyPlain(base[which] as Record<string, unknown>);
    for (const key of keys) q[key] = cursor[which];
    if (limit !== null) q.limit = limit[which];
    return q;
  };
  return { real: side('real'), model: side('model') };
}

async function execute(world: World, store: AgentStorage, op: Op): Promise<void> {
  const real = resolver(world, 'real');
  const model = resolver(world, 'model');
  const input = (spec: InputSpec) => ({ real: buildInput(spec, real), model: buildInput(spec, model) });
  const arg = (val: Val) => ({ real: buildValue(val, real), model: buildValue(val, model) });
  const list = (spec: ListSpec, session: Val) => {
    const ref = session.t === 'ref' ? session.ref : undefined;
    return { real: buildList(spec, real, ref), model: buildList(spec, model, ref) };
  };
  const label = (text: string) => `step ${world.step}: ${clip(text, 400)}`;
  const m = world.model;

  switch (op.op) {
    case 'setClock':
      world.clock.now = op.now;
      return;
    case 'audit':
      return audit(world, store, `step ${world.step}: audit`);
    case 'repeat': {
      const done = world.created[op.table];
      const entry = done[op.pick % Math.max(done.length, 1)];
      if (entry === undefined) return;
      const i = repeated(entry, op.table, op.change);
      const name = op.table === 'messages' ? 'createMessage' : 'createToolCall';
      return create(world, store, op.table, i, label(`${name}(${render(i.real)}) [repeat, ${op.change}]`));
    }
    case 'bulk':
      for (let n = 0; n < op.count; n++) {
        const entries: [string, Val][] = [['sessionId', op.sessionId]];
        if (op.table === 'messages') {
          entries.push(['role', { t: 'plain', v: 'user' }], ['content', { t: 'plain', v: `bulk ${n}` }]);
        } else {
          entries.push(
            ['toolCallId', { t: 'plain', v: `bulk-${n}` }],
            ['toolName', { t: 'plain', v: 'bulk' }],
            ['request', { t: 'json', v: n }],
            ['status', { t: 'plain', v: n % 3 === 0 ? 'executing' : 'pending' }],
          );
        }
        if (op.createdAt !== null) entries.push(['createdAt', { t: 'plain', v: op.createdAt }]);
        const create = op.table === 'messages' ? 'createMessage' : 'createToolCall';
        await execute(world, store, { op: create, input: { kind: 'object', entries } });
      }
      return;
    case 'createSession': {
      const i = input(op.input);
      return create(world, store, 'sessions', i, label(`createSession(${render(i.real)})`));
    }
    case 'createMessage': {
      const i = input(op.input);
      return create(world, store, 'messages', i, label(`createMessage(${render(i.real)})`));
    }
    case 'createToolCall': {
      const i = input(op.input);
      return create(world, store, 'toolCalls', i, label(`createToolCall(${render(i.real)})`));
    }
    case 'updateSession':
    case 'updateSessionIf': {
      const id = arg(op.id);
      const u = input(op.update);
      const o = op.op === 'updateSessionIf' ? input(op.options) : null;
      const text = label(
        `updateSession(${render(id.real)}, ${render(u.real)}${o === null ? '' : `, ${render(o.real)}`})`,
      );
      const expected = fromModel(() =>
        o === null
          ? m.updateSession(id.model as string, u.model as SessionUpdate)
          : m.updateSession(id.model as string, u.model as SessionUpdate, o.model as never),
      );
      const actual = await fromAdapter(() =>
        o === null
          ? store.updateSession(id.real as string, u.real as SessionUpdate)
          : store.updateSession(id.real as string, u.real as SessionUpdate, o.real as never),
      );
      scribble(u.real);
      return expectSame(text, expected, actual, VIEWS.done, world);
    }
    case 'updateToolCall': {
      const id = arg(op.id);
      const u = input(op.update);
      const text = label(`updateToolCall(${render(id.real)}, ${render(u.real)})`);
      const expected = fromModel(() => m.updateToolCall(id.model as string, u.model as ToolCallUpdate));
      const actual = await fromAdapter(() =>
        store.updateToolCall(id.real as string, u.real as ToolCallUpdate),
      );
      scribble(u.real);
      return expectSame(text, expected, actual, VIEWS.done, world);
    }
    case 'getSession': {
      const id = arg(op.id);
      await read(
        world,
        label(`getSession(${render(id.real)})`),
        () => m.getSession(id.model as string),
        () => store.getSession(id.real as string),
        VIEWS.session,
      );
      return;
    }
    case 'getMessages':
    case 'getToolCalls':
    case 'getPendingToolCalls':
    case 'getQuestions':
    case 'getPendingQuestions':
    case 'getSettings':
    case 'getPendingSettings': {
      const name = op.op;
      const id = arg(op.sessionId);
      const view =
        name === 'getMessages'
          ? VIEWS.messages
          : name === 'getToolCalls' || name === 'getPendingToolCalls'
            ? VIEWS.toolCalls
            : name === 'getQuestions' || name === 'getPendingQuestions'
              ? VIEWS.questions
              : VIEWS.settings;
      await read(
        world,
        label(`${name}(${render(id.real)})`),
        () => m[name](id.model as string),
        () => store[name](id.real as string),
        view,
      );
      return;
    }
    case 'listSessions': {
      const q = op.query === null ? { real: undefined, model: undefined } : input(op.query);
      // Valid queries are plain data: keep the filters to follow the cursor with.
      const filters = (v: unknown) => {
        if (v === null || typeof v !== 'object') return {};
        const { limit: _limit, cursor: _cursor, ...rest } = copyPlain(v as Record<string, unknown>);
        return rest;
      };
      const base = fromModel(() => m.listSessions(q.model as SessionQuery)).ok
        ? { real: filters(q.real), model: filters(q.model) }
        : null;
      const { next } = await read(
        world,
        label(`listSessions(${q.real === undefined ? '' : render(q.real)})`),
        () => m.listSessions(q.model as SessionQuery),
        () => store.listSessions(q.real as SessionQuery),
        VIEWS.sessionPage,
      );
      scribble(q.real);
      remember(world, next, { table: 'sessions', session: null, query: base, direction: 'after' });
      return;
    }
    case 'listMore': {
      const mine = world.cursors.filter((c) => (c.table === 'sessions') !== op.foreign);
      const cursor = mine[op.pick % Math.max(mine.length, 1)];
      if (cursor === undefined) return;
      const own = world.cursors.find((c) => c.table === 'sessions');
      const base = cursor.table === 'sessions' ? cursor.query : (own?.query ?? null);
      const q = continued(base, cursor, ['cursor'], op.limit === null ? null : arg(op.limit));
      const { next } = await read(
        world,
        label(`listSessions(${render(q.real)}) [following a ${cursor.table} cursor]`),
        () => m.listSessions(q.model as SessionQuery),
        () => store.listSessions(q.real as SessionQuery),
        VIEWS.sessionPage,
      );
      remember(world, next, { table: 'sessions', session: null, query: base, direction: 'after' });
      return;
    }
    case 'page': {
      const id = arg(op.sessionId);
      const q = op.query === null ? { real: undefined, model: undefined } : input(op.query);
      return pageRead(world, store, op.table, id, q, 'after', label);
    }
    case 'pageMore': {
      const pages = world.cursors.filter((c) => c.table !== 'sessions');
      const cursor = pages[op.pick % Math.max(pages.length, 1)];
      if (cursor === undefined || cursor.session === null) return;
      const table = (
        op.mode === 'other-table' ? (cursor.table === 'messages' ? 'toolCalls' : 'messages') : cursor.table
      ) as 'messages' | 'toolCalls';
      const direction =
        op.mode === 'flip' ? (cursor.direction === 'after' ? 'before' : 'after') : cursor.direction;
      const keys = op.mode === 'both' ? ['after', 'before'] : [direction];
      const session = op.mode === 'elsewhere' ? arg(op.elsewhere) : cursor.session;
      const q = continued(null, cursor, keys, op.limit === null ? null : arg(op.limit));
      return pageRead(world, store, table, session, q, direction, label);
    }
    case 'count': {
      const id = arg(op.sessionId);
      const name = op.table === 'messages' ? 'countMessages' : 'countToolCalls';
      await read(
        world,
        label(`${name}(${render(id.real)})`),
        () => m[name](id.model as string),
        () => store[name](id.real as string),
        VIEWS.value,
      );
      return;
    }
    case 'deleteSession': {
      const id = arg(op.id);
      await read(
        world,
        label(`deleteSession(${render(id.real)})`),
        () => m.deleteSession(id.model as string),
        () => store.deleteSession(id.real as string),
        VIEWS.value,
      );
      return;
    }
    case 'appendBatch': {
      const b = { real: buildBatch(op.batch, real), model: buildBatch(op.batch, model) };
      return batch(world, store, b, label(`appendBatch(${render(b.real)})`));
    }
    case 'repeatBatch': {
      const done = world.created.batches;
      const entry = done[op.pick % Math.max(done.length, 1)];
      if (entry === undefined) return;
      const b = { real: copyPlain(entry.real), model: copyPlain(entry.model) };
      if (op.change === 'no-createdAt') {
        for (const side of [b.real, b.model]) {
          for (const key of ['messages', 'toolCalls']) {
            for (const item of (side[key] ?? []) as Record<string, unknown>[]) delete item.createdAt;
          }
        }
      }
      return batch(world, store, b, label(`appendBatch(${render(b.real)}) [retry, ${op.change}]`));
    }
    case 'createQuestions':
    case 'createSettings': {
      const id = arg(op.sessionId);
      return children(world, store, op.op, id, list(op.items, op.sessionId), label);
    }
    case 'repeatChildren': {
      const done = world.created[op.table];
      const entry = done[op.pick % Math.max(done.length, 1)];
      if (entry === undefined) return;
      const [id, items] = entry;
      const name = op.table === 'questions' ? 'createQuestions' : 'createSettings';
      const again = { real: copyPlain(items.real), model: copyPlain(items.model) };
      return children(world, store, name, id, again, (text) => label(`${text} [repeat]`));
    }
    case 'answerQuestions':
    case 'setSettingValues': {
      const name = op.op;
      const id = arg(op.sessionId);
      const items = list(op.items, op.sessionId);
      const text = label(`${name}(${render(id.real)}, ${render(items.real)})`);
      const expected = fromModel(() =>
        name === 'answerQuestions'
          ? m.answerQuestions(id.model as string, items.model as Answer[])
          : m.setSettingValues(id.model as string, items.model as SettingValue[]),
      );
      const actual = await fromAdapter(() =>
        name === 'answerQuestions'
          ? store.answerQuestions(id.real as string, items.real as Answer[])
          : store.setSettingValues(id.real as string, items.real as SettingValue[]),
      );
      scribble(items.real);
      return expectSame(text, expected, actual, VIEWS.done, world);
    }
  }
}

async function children(
  world: World,
  store: AgentStorage,
  name: 'createQuestions' | 'createSettings',
  id: Pair,
  items: Pair,
  label: (text: string) => string,
): Promise<void> {
  const m = world.model;
  const text = label(`${name}(${render(id.real)}, ${render(items.real)})`);
  const expected = fromModel(() =>
    name === 'createQuestions'
      ? m.createQuestions(id.model as string, items.model as NewQuestion[])
      : m.createSettings(id.model as string, items.model as NewSetting[]),
  );
  const kept =
    expected.ok && (expected.value as string[]).length > 0
      ? { real: copyPlain(items.real), model: copyPlain(items.model) }
      : null;
  const actual = await fromAdapter(() =>
    name === 'createQuestions'
      ? store.createQuestions(id.real as string, items.real as NewQuestion[])
      : store.createSettings(id.real as string, items.real as NewSetting[]),
  );
  scribble(items.real);
  expectIds(text, expected, actual, world, one(name === 'createQuestions' ? 'questions' : 'settings'));
  if (kept !== null && actual.ok)
    world.created[name === 'createQuestions' ? 'questions' : 'settings'].push([id, kept]);
}

async function pageRead(
  world: World,
  store: AgentStorage,
  table: 'messages' | 'toolCalls',
  session: Pair,
  q: Pair,
  direction: 'after' | 'before',
  label: (text: string) => string,
): Promise<void> {
  const m = world.model;
  const name = table === 'messages' ? 'getMessagesPage' : 'getToolCallsPage';
  const { next } = await read(
    world,
    label(`${name}(${render(session.real)}${q.real === undefined ? '' : `, ${render(q.real)}`})`),
    () => m[name](session.model as string, q.model as PageQuery),
    () => store[name](session.real as string, q.real as PageQuery),
    PAGE_VIEW[table],
  );
  remember(world, next, { table, session, query: null, direction });
}

async function batch(
  world: World,
  store: AgentStorage,
  b: { real: unknown; model: unknown },
  text: string,
): Promise<void> {
  const expected = fromModel(() => world.model.appendBatch(b.model as Batch));
  const kept = expected.ok
    ? {
        real: copyPlain(b.real) as Record<string, unknown>,
        model: copyPlain(b.model) as Record<string, unknown>,
      }
    : null;
  const actual = await fromAdapter(() => store.appendBatch(b.real as Batch));
  scribble(b.real);
  expectIds(text, expected, actual, world, batchIds);
  if (kept !== null && actual.ok) world.created.batches.push(kept);
}

/** Every page of a paged read, both sides, compared page by page while following the cursors. */
async function walk(
  world: World,
  label: string,
  table: PagedTable,
  session: Pair | null,
  onModel: (cursor: string | undefined) => unknown,
  onAdapter: (cursor: string | undefined) => Promise<unknown>,
  direction: 'after' | 'before' = 'after',
  from?: { real: string; model: string },
): Promise<{ real: string; model: string } | undefined> {
  let cursor = from;
  for (let n = 1; n <= 200; n++) {
    const at = cursor;
    const { next } = await read(
      world,
      `${label}, page ${n}`,
      () => onModel(at?.model),
      () => onAdapter(at?.real),
      PAGE_VIEW[table],
    );
    remember(world, next, { table, session, query: null, direction });
    if (next === null || next.model === null || next.real === null) return at;
    cursor = { model: next.model, real: next.real };
  }
  return cursor;
}

/** Reads everything the model knows, through every read the adapter declares, and compares. */
async function audit(world: World, store: AgentStorage, label: string): Promise<void> {
  const m = world.model;
  const caps = world.capabilities;
  if (caps.listSessions) {
    await read(
      world,
      `${label}: listSessions({ limit: ${MODEL_PAGE_LIMIT.max} })`,
      () => m.listSessions({ limit: MODEL_PAGE_LIMIT.max }),
      () => store.listSessions({ limit: MODEL_PAGE_LIMIT.max }),
      VIEWS.sessionPage,
    );
    await walk(
      world,
      `${label}: listSessions({ limit: 3 }) and the pages after it`,
      'sessions',
      null,
      (cursor) => m.listSessions({ limit: 3, ...(cursor === undefined ? {} : { cursor }) }),
      (cursor) => store.listSessions({ limit: 3, ...(cursor === undefined ? {} : { cursor }) }),
    );
  }
  for (const modelId of world.ids.sessions.order) {
    const realId = world.ids.sessions.toReal.get(modelId) as string;
    const reads: [string, () => unknown, () => Promise<unknown>, View][] = [
      ['getSession', () => m.getSession(modelId), () => store.getSession(realId), VIEWS.session],
      ['getMessages', () => m.getMessages(modelId), () => store.getMessages(realId), VIEWS.messages],
      ['getToolCalls', () => m.getToolCalls(modelId), () => store.getToolCalls(realId), VIEWS.toolCalls],
      [
        'getPendingToolCalls',
        () => m.getPendingToolCalls(modelId),
        () => store.getPendingToolCalls(realId),
        VIEWS.toolCalls,
      ],
    ];
    if (caps.paging) {
      reads.push(
        ['countMessages', () => m.countMessages(modelId), () => store.countMessages(realId), VIEWS.value],
        ['countToolCalls', () => m.countToolCalls(modelId), () => store.countToolCalls(realId), VIEWS.value],
      );
    }
    if (caps.requirements) {
      reads.push(
        ['getQuestions', () => m.getQuestions(modelId), () => store.getQuestions(realId), VIEWS.questions],
        [
          'getPendingQuestions',
          () => m.getPendingQuestions(modelId),
          () => store.getPendingQuestions(realId),
          VIEWS.questions,
        ],
      );
    }
    if (caps.settings) {
      reads.push(
        ['getSettings', () => m.getSettings(modelId), () => store.getSettings(realId), VIEWS.settings],
        [
          'getPendingSettings',
          () => m.getPendingSettings(modelId),
          () => store.getPendingSettings(realId),
          VIEWS.settings,
        ],
      );
    }
    for (const [name, onModel, onAdapter, view] of reads) {
      await read(world, `${label}: ${name}(${JSON.stringify(realId)})`, onModel, onAdapter, view);
    }
    if (caps.paging) {
      const session = { real: realId, model: modelId };
      for (const table of ['messages', 'toolCalls'] as const) {
        const name = table === 'messages' ? 'getMessagesPage' : 'getToolCallsPage';
        const last = await walk(
          world,
          `${label}: ${name}(${JSON.stringify(realId)}, { limit: 2 }) and the pages after it`,
          table,
          session,
          (after) => m[name](modelId, { limit: 2, ...(after === undefined ? {} : { after }) }),
          (after) => store[name](realId, { limit: 2, ...(after === undefined ? {} : { after }) }),
        );
        // And back from the last page's cursor to the start.
        if (last !== undefined) {
          await walk(
            world,
            `${label}: ${name}(${JSON.stringify(realId)}, { limit: 3, before }) and the pages before it`,
            table,
            session,
            (before) => m[name](modelId, { limit: 3, before: before as string }),
            (before) => store[name](realId, { limit: 3, before: before as string }),
            'before',
            last,
          );
        }
      }
    }
  }
}

class StorageCommand implements fc.AsyncCommand<World, AgentStorage> {
  constructor(readonly op: Op) {}
  check(): boolean {
    return true;
  }
  async run(world: World, store: AgentStorage): Promise<void> {
    world.step += 1;
    await execute(world, store, this.op);
  }
  toString(): string {
    return showOp(this.op);
  }
}

type Weighted<T> = { weight: number; arbitrary: fc.Arbitrary<T> };

/**
 * The command generators, weighted towards building state and reading it back; those of an
 * optional capability only when `options.capabilities` declares it.
 */
export function commandArbitraries(options: ArbitraryOptions = {}): fc.Arbitrary<StorageCommand>[] {
  const caps = modelCapabilities({ capabilities: options.capabilities, idempotency: options.idempotency });
  const a = inputArbitraries({ ...options, idempotency: caps.idempotency });
  const cmd = (op: Op) => new StorageCommand(op);
  const pick = fc.nat({ max: 63 });
  const pagedTable = fc.constantFrom('messages' as const, 'toolCalls' as const);
  const limit = fc.option(a.limit, { nil: null, freq: 4 });
  const arbs: Weighted<StorageCommand>[] = [
    { weight: 6, arbitrary: a.newSession.map((input) => cmd({ op: 'createSession', input })) },
    { weight: 2, arbitrary: a.sessionRef.map((id) => cmd({ op: 'getSession', id })) },
    {
      weight: 2,
      arbitrary: fc
        .tuple(a.sessionRef, a.sessionUpdate)
        .map(([id, update]) => cmd({ op: 'updateSession', id, update })),
    },
    { weight: 4, arbitrary: a.newMessage.map((input) => cmd({ op: 'createMessage', input })) },
    { weight: 2, arbitrary: a.sessionRef.map((sessionId) => cmd({ op: 'getMessages', sessionId })) },
    { weight: 5, arbitrary: a.newToolCall.map((input) => cmd({ op: 'createToolCall', input })) },
    {
      weight: 4,
      arbitrary: fc
        .tuple(a.toolCallRef, a.toolCallUpdate)
        .map(([id, update]) => cmd({ op: 'updateToolCall', id, update })),
    },
    { weight: 2, arbitrary: a.sessionRef.map((sessionId) => cmd({ op: 'getToolCalls', sessionId })) },
    {
      weight: 3,
      arbitrary: a.sessionRef.map((sessionId) => cmd({ op: 'getPendingToolCalls', sessionId })),
    },
    { weight: 2, arbitrary: clockValueArb.map((now) => cmd({ op: 'setClock', now })) },
    { weight: 1, arbitrary: fc.constant(cmd({ op: 'audit' })) },
    {
      weight: 3,
      arbitrary: fc
        .record({
          table: pagedTable,
          pick,
          change: fc.constantFrom<RepeatChange>('none', 'no-createdAt', 'payload', 'mutable'),
        })
        .map((r) => cmd({ op: 'repeat', ...r })),
    },
    {
      weight: 1,
      arbitrary: fc
        .record({
          table: pagedTable,
          sessionId: a.sessionRef,
          count: fc.integer({ min: 2, max: 12 }),
          createdAt: fc.option(fc.constantFrom(...TIE_TIMESTAMPS)),
        })
        .map((b) => cmd({ op: 'bulk', ...b })),
    },
  ];
  if (caps.listSessions) {
    arbs.push(
      { weight: 3, arbitrary: a.sessionQuery.map((query) => cmd({ op: 'listSessions', query })) },
      {
        weight: 3,
        arbitrary: fc
          .record({
            pick,
            limit,
            foreign: fc.oneof({ weight: 8, arbitrary: fc.constant(false) }, fc.constant(true)),
          })
          .map((r) => cmd({ op: 'listMore', ...r })),
      },
    );
  }
  if (caps.paging) {
    arbs.push(
      {
        weight: 2,
        arbitrary: fc
          .record({ table: pagedTable, sessionId: a.sessionRef, query: a.pageQuery })
          .map((r) => cmd({ op: 'page', ...r })),
      },
      {
        weight: 3,
        arbitrary: fc
          .record({
            pick,
            limit,
            mode: fc.oneof(
              { weight: 8, arbitrary: fc.constant('same' as const) },
              { weight: 3, arbitrary: fc.constant('flip' as const) },
              {
                weight: 1,
                arbitrary: fc.constantFrom('both' as const, 'elsewhere' as const, 'other-table' as const),
              },
            ),
            elsewhere: a.sessionRef,
          })
          .map((r) => cmd({ op: 'pageMore', ...r })),
      },
      {
        weight: 1,
        arbitrary: fc
          .record({ table: pagedTable, sessionId: a.sessionRef })
          .map((r) => cmd({ op: 'count', ...r })),
      },
    );
  }
  if (caps.deleteSession) {
    arbs.push({ weight: 1, arbitrary: a.sessionRef.map((id) => cmd({ op: 'deleteSession', id })) });
  }
  if (caps.batch) {
    arbs.push({ weight: 4, arbitrary: a.batch.map((batch) => cmd({ op: 'appendBatch', batch })) });
    if (caps.idempotency) {
      arbs.push({
        weight: 2,
        arbitrary: fc
          .record({ pick, change: fc.constantFrom('none' as const, 'no-createdAt' as const) })
          .map((r) => cmd({ op: 'repeatBatch', ...r })),
      });
    }
  }
  if (caps.conditionalUpdate) {
    arbs.push({
      weight: 3,
      arbitrary: fc
        .record({ id: a.sessionRef, update: a.sessionUpdate, options: a.expectedStatus })
        .map((r) => cmd({ op: 'updateSessionIf', ...r })),
    });
  }
  const children = (
    create: 'createQuestions' | 'createSettings',
    set: 'answerQuestions' | 'setSettingValues',
    all: 'getQuestions' | 'getSettings',
    pending: 'getPendingQuestions' | 'getPendingSettings',
    items: fc.Arbitrary<ListSpec>,
    values: fc.Arbitrary<ListSpec>,
  ): Weighted<StorageCommand>[] => [
    {
      weight: 3,
      arbitrary: fc
        .tuple(a.sessionRef, items)
        .map(([sessionId, l]) => cmd({ op: create, sessionId, items: l })),
    },
    {
      weight: 3,
      arbitrary: fc
        .tuple(a.sessionRef, values)
        .map(([sessionId, l]) => cmd({ op: set, sessionId, items: l })),
    },
    { weight: 1, arbitrary: a.sessionRef.map((sessionId) => cmd({ op: all, sessionId })) },
    { weight: 1, arbitrary: a.sessionRef.map((sessionId) => cmd({ op: pending, sessionId })) },
    {
      weight: 1,
      arbitrary: pick.map((p) =>
        cmd({
          op: 'repeatChildren',
          table: create === 'createQuestions' ? 'questions' : 'settings',
          pick: p,
        }),
      ),
    },
  ];
  if (caps.requirements) {
    arbs.push(
      ...children(
        'createQuestions',
        'answerQuestions',
        'getQuestions',
        'getPendingQuestions',
        a.newQuestions,
        a.answers,
      ),
    );
  }
  if (caps.settings) {
    arbs.push(
      ...children(
        'createSettings',
        'setSettingValues',
        'getSettings',
        'getPendingSettings',
        a.newSettings,
        a.settingValues,
      ),
    );
  }
  return [fc.oneof(...arbs)];
}

// ---------------------------------------------------------------- the check

export function envInteger(name: string): number | undefined {
  const raw = process.env[name];
  if (raw === undefined || raw.trim() === '') return undefined;
  const n = Number(raw);
  if (!Number.isSafeInteger(n)) throw new Error(`${name} must be an integer, got ${JSON.stringify(raw)}`);
  return n;
}

export function envString(name: string): string | undefined {
  const raw = process.env[name];
  return raw === undefined || raw.trim() === '' ? undefined : raw.trim();
}

/** The optional capabilities a store of `target` declares (one throwaway store). */
export async function probeCapabilities(target: ConformanceTarget): Promise<ModelCapabilities> {
  const probe = await target.create({ clock: () => T0 });
  try {
    return modelCapabilities({ capabilities: probe.capabilities as unknown as Partial<ModelCapabilities> });
  } finally {
    await probe.close();
  }
}

/**
 * Runs random command sequences against fresh stores of `target` and the reference model,
 * and throws when any answer differs. The error names the seed and path of the minimal
 * failing sequence and how to replay it. Like `runConformance`, it calls
 * `target.teardown()` when done.
 */
export async function checkModelBased(
  target: ConformanceTarget,
  options: ModelBasedOptions = {},
): Promise<void> {
  const seedFromEnv = options.seed === undefined;
  const seed = options.seed ?? envInteger('AGENT_STORAGE_SEED');
  const path = options.path ?? (seedFromEnv ? envString('AGENT_STORAGE_PATH') : undefined);
  const replayPath = options.replayPath ?? (seedFromEnv ? envString('AGENT_STORAGE_REPLAY_PATH') : undefined);
  const maxCommands = options.maxCommands ?? envInteger('AGENT_STORAGE_MAX_COMMANDS') ?? DEFAULT_MAX_COMMANDS;
  if (path !== undefined && seed === undefined) {
    throw new Error('checkModelBased: a path replays only with the seed it was found with');
  }

  let details: fc.RunDetails<[Iterable<fc.AsyncCommand<World, AgentStorage>>]>;
  try {
    // What the adapter declares decides part of the contract (which operations, idempotent creates).
    const capabilities = await probeCapabilities(target);
    const numRuns =
      options.numRuns ??
      envInteger('AGENT_STORAGE_RUNS') ??
      runsWithin(await measureTarget(target), {
        budgetMs: SEQUENCE_BUDGET_MS,
        opsPerRun: maxCommands * 2,
        min: 10,
        max: DEFAULT_RUNS,
      });

    const commands = fc.commands(commandArbitraries({ ...options.arbitraries, capabilities }), {
      maxCommands,
      size: 'max',
      ...(replayPath === undefined ? {} : { replayPath }),
    });
    const property = fc.asyncProperty(commands, async (cmds) => {
      const clock = { now: T0 };
      const store = await target.create({ clock: () => clock.now });
      try {
        const world = newWorld(clock, capabilities);
        await fc.asyncModelRun(() => ({ model: world, real: store }), cmds);
        await audit(world, store, 'final audit');
      } finally {
        await store.close();
      }
    });
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

function failureReport<T>(name: string, details: fc.RunDetails<[T]>): string {
  const seed = details.seed;
  const path = details.counterexamplePath ?? '';
  const text = details.counterexample === null ? '' : String(details.counterexample[0]);
  const replayPath = /\/\*replayPath="([^"]*)"\*\/\s*$/.exec(text)?.[1] ?? '';
  const sequence = text.replace(/\s*\/\*replayPath="[^"]*"\*\/\s*$/, '');
  const error = details.errorInstance;
  const cause = error instanceof Error ? error.message : String(error);
  const replay =
    `AGENT_STORAGE_SEED=${seed} AGENT_STORAGE_PATH='${path}' AGENT_STORAGE_REPLAY_PATH='${replayPath}'` +
    ' npx vitest run -t model.sequences';
  return [
    `Model-based check failed for ${name}: the adapter disagrees with the reference model (conformance/model.ts).`,
    cause,
    `Minimal command sequence: ${sequence === '' ? '(none: the failure is in setup or the final audit)' : sequence}`,
    `seed: ${seed}, path: "${path}", replayPath: "${replayPath}" (failed after ${details.numRuns} run(s), shrunk ${details.numShrinks} time(s))`,
    `Replay: ${replay}`,
    `    or: checkModelBased(target, { seed: ${seed}, path: '${path}', replayPath: '${replayPath}' })`,
  ].join('\n');
}
