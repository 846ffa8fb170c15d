import fc from 'fast-check';
import type { AgentStorage } from '../src/contract/storage.js';
import type { Page } from '../src/contract/types.js';
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
  clip,
  copyPlain,
  fromAdapter,
  fromModel,
  type IdTables,
  newIdTables,
  type Outcome,
  render,
  scribble,
} from './compare.js';
import { T0 } from './fixtures.js';
import { declared, invoke, judge, OPERATIONS, type OperationName, showCall } from './operations.js';
import {
  MODEL_PAGE_LIMIT,
  type ModelCapabilities,
  modelCapabilities,
  ReferenceModel,
} from './reference-model.js';
import type { ConformanceTarget } from './types.js';

export { render } from './compare.js';

/**
 * Model-based property testing of the contract: fast-check generates random sequences of
 * operations (valid and invalid inputs, known, foreign and malformed ids, ties in time, long
 * runs of ties, repeated creates, and every optional capability the adapter declares:
 * listing with filters and cursors, pages and counts, deletes, batches and their retries,
 * conditional updates, questions and settings) and runs each against a fresh store of the
 * target and against the reference model (`conformance/reference-model.ts`) side by side. Every
 * answer must agree: returned records (ids compared through the mapping built as rows are
 * created, never literally), `null` / `[]` / counts, pages (their items, and whether a next
 * cursor exists: cursors are opaque, so the adapter's are followed and compared by the pages
 * they lead to), and error codes (by `code` only). Inputs and results the adapter handled
 * are scribbled on afterwards, so a store that keeps a reference to either shows it in a
 * later read; every run ends with a read of everything, through every read it declares.
 * Each call is made, labelled and judged through the operation table (`operations.ts`),
 * the one the interleavings use too; commands here only say which call, with what.
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

interface Pair {
  real: unknown;
  model: unknown;
}

/** Both sides' arguments of one call: the adapter's, and the model's (ids resolved for each). */
interface Args {
  real: unknown[];
  model: unknown[];
}

type PagedName = 'listSessions' | 'getMessagesPage' | 'getToolCallsPage';
type PagedTable = 'sessions' | 'messages' | 'toolCalls';

const PAGED_TABLE: Record<PagedName, PagedTable> = {
  listSessions: 'sessions',
  getMessagesPage: 'messages',
  getToolCallsPage: 'toolCalls',
};
const PAGE_OF = { messages: 'getMessagesPage', toolCalls: 'getToolCallsPage' } as const;

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

/** The writes a later command repeats (`repeat`, `repeatBatch`, `repeatChildren`); one that made no rows is not kept. */
type Repeatable = 'createMessage' | 'createToolCall' | 'appendBatch' | 'createQuestions' | 'createSettings';

/** fast-check's "model": the reference model plus the id mapping, the shared clock and what can be repeated. */
export interface World {
  model: ReferenceModel;
  capabilities: ModelCapabilities;
  clock: { now: number };
  ids: IdTables;
  /** The repeatable writes both sides accepted, by operation: their arguments, as given. */
  created: Record<Repeatable, Args[]>;
  cursors: IssuedCursor[];
  step: number;
}

function newWorld(clock: { now: number }, capabilities: ModelCapabilities): World {
  return {
    model: new ReferenceModel(() => clock.now, { capabilities }),
    capabilities,
    clock,
    ids: newIdTables(),
    created: {
      createMessage: [],
      createToolCall: [],
      appendBatch: [],
      createQuestions: [],
      createSettings: [],
    },
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

/** A value for each side. */
function pair(world: World, val: Val): Pair {
  return { real: buildValue(val, resolver(world, 'real')), model: buildValue(val, resolver(world, 'model')) };
}

/** Each side's arguments of a call; a list's `sibling` references look in the session of argument 0. */
function buildArgs(world: World, specs: readonly ArgSpec[]): Args {
  const first = specs[0];
  const session = first !== undefined && 'val' in first && first.val.t === 'ref' ? first.val.ref : undefined;
  const side = (which: keyof Pair) => {
    const resolve = resolver(world, which);
    return specs.map((s) =>
      'val' in s
        ? buildValue(s.val, resolve)
        : 'input' in s
          ? buildInput(s.input, resolve)
          : 'list' in s
            ? buildList(s.list, resolve, session)
            : buildBatch(s.batch, resolve),
    );
  };
  return { real: side('real'), model: side('model') };
}

// ---------------------------------------------------------------- calling and comparing

class Mismatch extends Error {
  override readonly name = 'ModelMismatch';
}

function explain(label: string, model: string, adapter: string): never {
  throw new Mismatch(
    `${label}\n  the contract (model) says: ${model}\n  the adapter answered:      ${adapter}\n` +
      '  (ids in records are shown as the model names them: session-1 is the first session created)',
  );
}

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

/**
 * One call on both sides, the model first, judged as `OPERATIONS` says (else a Mismatch
 * labelled `text`). The adapter's data argument is scribbled on once it answered, and an
 * answer compared as a view once compared, so a store that kept either shows it in a later
 * read. A repeatable write both sides accepted is kept, as given, for a later command to
 * repeat. Returns the page's next cursors and a copy of the arguments the model accepted
 * (taken before the adapter saw its own).
 */
async function perform(
  world: World,
  store: AgentStorage,
  name: OperationName,
  args: Args,
  text: string,
): Promise<{ next: NextCursors | null; kept: Args | null }> {
  const spec = OPERATIONS[name];
  const model = fromModel(() => invoke(world.model, name, args.model));
  // Accepted input is plain data: keep a copy (the adapter's own gets scribbled on).
  const kept = model.ok ? { real: copyPlain(args.real), model: copyPlain(args.model) } : null;
  const adapter = await fromAdapter(() => invoke(store, name, args.real) as Promise<unknown>);
  if (spec.data !== undefined) scribble(args.real[spec.data]);
  const problem = judge(name, model, adapter, world.ids);
  if (problem !== undefined) {
    const { table } = problem;
    explain(text, table === undefined ? problem.model : `ids of ${table}: ${problem.model}`, problem.adapter);
  }
  const next = nextCursors(model, adapter);
  if (adapter.ok && 'view' in spec.check) scribble(adapter.value);
  // A create that made no rows (an empty list) has nothing to repeat.
  const empty = model.ok && Array.isArray(model.value) && model.value.length === 0;
  if (kept !== null && adapter.ok && !empty) world.created[name as Repeatable]?.push(kept);
  return { next, kept };
}

/** One page on both sides; its next cursor (when both issued one) is kept to be followed later. */
async function readPage(
  world: World,
  store: AgentStorage,
  name: PagedName,
  args: Args,
  text: string,
  query: Pair | null,
  direction: 'after' | 'before',
): Promise<NextCursors | null> {
  const { next } = await perform(world, store, name, args, text);
  const session = name === 'listSessions' ? null : { real: args.real[0], model: args.model[0] };
  remember(world, next, { table: PAGED_TABLE[name], session, query, direction });
  return next;
}

/** Valid queries are plain data: the filters of one, to follow its cursor with. */
function filters(v: unknown): Record<string, unknown> {
  if (v === null || typeof v !== 'object') return {};
  const { limit: _limit, cursor: _cursor, ...rest } = copyPlain(v as Record<string, unknown>);
  return rest;
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

// ---------------------------------------------------------------- commands

/** An argument of a call, as data: fast-check prints and shrinks it, the runner builds it for each side. */
export type ArgSpec = { val: Val } | { input: InputSpec } | { list: ListSpec } | { batch: BatchSpec };

export type Op =
  /** One call of the contract (an optional trailing query left out when the command has none). */
  | { op: 'call'; name: OperationName; args: ArgSpec[] }
  | { op: 'setClock'; now: number }
  | { op: 'audit' }
  /** `count` creates in a row into one session, all at one instant (or the clock's): long runs of ties. */
  | { op: 'bulk'; table: 'messages' | 'toolCalls'; sessionId: Val; count: number; createdAt: number | null }
  /**
   * Repeats the `pick`-th create of a message or tool call that both sides accepted: as it
   * was, without its createdAt, with a changed payload, or with changed mutable fields.
   */
  | { op: 'repeat'; table: 'messages' | 'toolCalls'; pick: number; change: RepeatChange }
  /** Follows the `pick`-th cursor a listing issued, same filters; `foreign`: a page's cursor instead. */
  | { op: 'listMore'; pick: number; limit: Val | null; foreign: boolean }
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
  /** Retries the `pick`-th batch both sides accepted, as it was or without its createdAt values. */
  | { op: 'repeatBatch'; pick: number; change: 'none' | 'no-createdAt' }
  /** Repeats the `pick`-th createQuestions / createSettings both sides accepted (its keys are taken now). */
  | { op: 'repeatChildren'; table: 'questions' | 'settings'; pick: number };

export type RepeatChange = 'none' | 'no-createdAt' | 'payload' | 'mutable';

function showArg(arg: ArgSpec): string {
  if ('val' in arg) return showVal(arg.val);
  if ('input' in arg) return showInput(arg.input);
  return 'list' in arg ? showList(arg.list) : showBatch(arg.batch);
}

function showOp(op: Op): string {
  switch (op.op) {
    case 'call':
      return `${op.name}(${op.args.map(showArg).join(', ')})`;
    case 'setClock':
      return `setClock(${op.now})`;
    case 'audit':
      return 'audit()';
    case 'bulk':
      return `bulk(${op.table}, ${showVal(op.sessionId)}, ${op.count}, createdAt ${op.createdAt ?? 'from the clock'})`;
    case 'repeat':
      return `repeat(${op.table}[${op.pick}], ${op.change})`;
    case 'listMore':
      return `listMore(${op.foreign ? 'a page cursor' : 'cursor'}[${op.pick}], limit ${op.limit === null ? 'default' : showVal(op.limit)})`;
    case 'pageMore':
      return `pageMore(cursor[${op.pick}], limit ${op.limit === null ? 'default' : showVal(op.limit)}, ${op.mode}${op.mode === 'elsewhere' ? ` ${showVal(op.elsewhere)}` : ''})`;
    case 'repeatBatch':
      return `repeatBatch(batch[${op.pick}], ${op.change})`;
    case 'repeatChildren':
      return `repeat(${op.table === 'questions' ? 'createQuestions' : 'createSettings'}[${op.pick}])`;
  }
}

/** The `pick`-th call of a repeatable write both sides accepted, copied; `undefined` when there is none. */
function again(world: World, name: Repeatable, pick: number): Args | undefined {
  const done = world.created[name];
  const entry = done[pick % Math.max(done.length, 1)];
  return entry === undefined ? undefined : { real: copyPlain(entry.real), model: copyPlain(entry.model) };
}

function repeated(args: Args, table: 'messages' | 'toolCalls', change: RepeatChange): Args {
  for (const input of [args.real[0], args.model[0]] as Record<string, unknown>[]) {
    if (change === 'no-createdAt') delete input.createdAt;
    if (change === 'payload' && table === 'messages') input.content = `${String(input.content)}!`;
    if (change === 'payload' && table === 'toolCalls') input.request = { changed: input.request ?? null };
    if (change === 'mutable' && table === 'toolCalls') {
      input.status = 'completed';
      input.response = { repeated: true };
      input.errorDetails = 'again';
    }
  }
  return args;
}

async function execute(world: World, store: AgentStorage, op: Op): Promise<void> {
  const label = (text: string) => `step ${world.step}: ${clip(text, 400)}`;
  switch (op.op) {
    case 'call': {
      const { name } = op;
      const args = buildArgs(world, op.args);
      const text = label(showCall(name, args.real));
      if (name === 'getMessagesPage' || name === 'getToolCallsPage') {
        await readPage(world, store, name, args, text, null, 'after');
        return;
      }
      const { next, kept } = await perform(world, store, name, args, text);
      if (name === 'listSessions') {
        scribble(args.real[0]);
        const base = kept === null ? null : { real: filters(kept.real[0]), model: filters(kept.model[0]) };
        remember(world, next, { table: 'sessions', session: null, query: base, direction: 'after' });
      }
      return;
    }
    case 'setClock':
      world.clock.now = op.now;
      return;
    case 'audit':
      return audit(world, store, `step ${world.step}: audit`);
    case 'repeat': {
      const name = op.table === 'messages' ? 'createMessage' : 'createToolCall';
      const entry = again(world, name, op.pick);
      if (entry === undefined) return;
      const args = repeated(entry, op.table, op.change);
      await perform(world, store, name, args, label(`${showCall(name, args.real)} [repeat, ${op.change}]`));
      return;
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
        const name = op.table === 'messages' ? 'createMessage' : 'createToolCall';
        await execute(world, store, { op: 'call', name, args: [{ input: { kind: 'object', entries } }] });
      }
      return;
    case 'listMore': {
      const mine = world.cursors.filter((c) => (c.table === 'sessions') !== op.foreign);
      const cursor = mine[op.pick % Math.max(mine.length, 1)];
      if (cursor === undefined) return;
      const own = world.cursors.find((c) => c.table === 'sessions');
      const base = cursor.table === 'sessions' ? cursor.query : (own?.query ?? null);
      const q = continued(base, cursor, ['cursor'], op.limit === null ? null : pair(world, op.limit));
      const text = label(`listSessions(${render(q.real)}) [following a ${cursor.table} cursor]`);
      await readPage(world, store, 'listSessions', { real: [q.real], model: [q.model] }, text, base, 'after');
      return;
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
      const session = op.mode === 'elsewhere' ? pair(world, op.elsewhere) : cursor.session;
      const q = continued(null, cursor, keys, op.limit === null ? null : pair(world, op.limit));
      const args = { real: [session.real, q.real], model: [session.model, q.model] };
      const name = PAGE_OF[table];
      await readPage(world, store, name, args, label(showCall(name, args.real)), null, direction);
      return;
    }
    case 'repeatBatch': {
      const args = again(world, 'appendBatch', op.pick);
      if (args === undefined) return;
      if (op.change === 'no-createdAt') {
        for (const side of [args.real[0], args.model[0]] as Record<string, unknown>[]) {
          for (const key of ['messages', 'toolCalls']) {
            for (const item of (side[key] ?? []) as Record<string, unknown>[]) delete item.createdAt;
          }
        }
      }
      const text = label(`${showCall('appendBatch', args.real)} [retry, ${op.change}]`);
      await perform(world, store, 'appendBatch', args, text);
      return;
    }
    case 'repeatChildren': {
      const name = op.table === 'questions' ? 'createQuestions' : 'createSettings';
      const args = again(world, name, op.pick);
      if (args === undefined) return;
      await perform(world, store, name, args, label(`${showCall(name, args.real)} [repeat]`));
      return;
    }
  }
}

/** Every page of a paged read, both sides, compared page by page while following the cursors. */
async function walk(
  world: World,
  store: AgentStorage,
  label: string,
  name: PagedName,
  session: Pair | null,
  query: (cursor: string | undefined) => Record<string, unknown>,
  direction: 'after' | 'before' = 'after',
  from?: { real: string; model: string },
): Promise<{ real: string; model: string } | undefined> {
  let cursor = from;
  for (let n = 1; n <= 200; n++) {
    const at = cursor;
    const side = (which: keyof Pair) => [...(session === null ? [] : [session[which]]), query(at?.[which])];
    const args = { real: side('real'), model: side('model') };
    const next = await readPage(world, store, name, args, `${label}, page ${n}`, null, direction);
    if (next === null || next.model === null || next.real === null) return at;
    cursor = { model: next.model, real: next.real };
  }
  return cursor;
}

/** The reads of each session an audit makes, in this order (those the adapter declares). */
const AUDIT_READS: readonly OperationName[] = [
  'getSession',
  'getMessages',
  'getToolCalls',
  'getPendingToolCalls',
  'countMessages',
  'countToolCalls',
  'getQuestions',
  'getPendingQuestions',
  'getSettings',
  'getPendingSettings',
];

/** Reads everything the model knows, through every read the adapter declares, and compares. */
async function audit(world: World, store: AgentStorage, label: string): Promise<void> {
  const caps = world.capabilities;
  if (caps.listSessions) {
    const max = MODEL_PAGE_LIMIT.max;
    const args = { real: [{ limit: max }], model: [{ limit: max }] };
    await perform(world, store, 'listSessions', args, `${label}: listSessions({ limit: ${max} })`);
    await walk(
      world,
      store,
      `${label}: listSessions({ limit: 3 }) and the pages after it`,
      'listSessions',
      null,
      (cursor) => ({ limit: 3, ...(cursor === undefined ? {} : { cursor }) }),
    );
  }
  const reads = AUDIT_READS.filter((name) => declared(name, caps));
  for (const modelId of world.ids.sessions.order) {
    const realId = world.ids.sessions.toReal.get(modelId) as string;
    for (const name of reads) {
      await perform(
        world,
        store,
        name,
        { real: [realId], model: [modelId] },
        `${label}: ${showCall(name, [realId])}`,
      );
    }
    if (caps.paging) {
      const session = { real: realId, model: modelId };
      for (const name of ['getMessagesPage', 'getToolCallsPage'] as const) {
        const last = await walk(
          world,
          store,
          `${label}: ${name}(${JSON.stringify(realId)}, { limit: 2 }) and the pages after it`,
          name,
          session,
          (after) => ({ limit: 2, ...(after === undefined ? {} : { after }) }),
        );
        // And back from the last page's cursor to the start.
        if (last !== undefined) {
          await walk(
            world,
            store,
            `${label}: ${name}(${JSON.stringify(realId)}, { limit: 3, before }) and the pages before it`,
            name,
            session,
            (before) => ({ limit: 3, before: before as string }),
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
  const call = (name: OperationName, ...args: ArgSpec[]) => cmd({ op: 'call', name, args });
  /** A query argument, left out when the command has none. */
  const query = (q: InputSpec | null): ArgSpec[] => (q === null ? [] : [{ input: q }]);
  const pick = fc.nat({ max: 63 });
  const pagedTable = fc.constantFrom('messages' as const, 'toolCalls' as const);
  const limit = fc.option(a.limit, { nil: null, freq: 4 });
  const arbs: Weighted<StorageCommand>[] = [
    { weight: 6, arbitrary: a.newSession.map((input) => call('createSession', { input })) },
    { weight: 2, arbitrary: a.sessionRef.map((id) => call('getSession', { val: id })) },
    {
      weight: 2,
      arbitrary: fc
        .tuple(a.sessionRef, a.sessionUpdate)
        .map(([id, update]) => call('updateSession', { val: id }, { input: update })),
    },
    { weight: 4, arbitrary: a.newMessage.map((input) => call('createMessage', { input })) },
    { weight: 2, arbitrary: a.sessionRef.map((id) => call('getMessages', { val: id })) },
    { weight: 5, arbitrary: a.newToolCall.map((input) => call('createToolCall', { input })) },
    {
      weight: 4,
      arbitrary: fc
        .tuple(a.toolCallRef, a.toolCallUpdate)
        .map(([id, update]) => call('updateToolCall', { val: id }, { input: update })),
    },
    { weight: 2, arbitrary: a.sessionRef.map((id) => call('getToolCalls', { val: id })) },
    {
      weight: 3,
      arbitrary: a.sessionRef.map((id) => call('getPendingToolCalls', { val: id })),
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
      { weight: 3, arbitrary: a.sessionQuery.map((q) => call('listSessions', ...query(q))) },
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
          .map((r) => call(PAGE_OF[r.table], { val: r.sessionId }, ...query(r.query))),
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
          .map((r) =>
            call(r.table === 'messages' ? 'countMessages' : 'countToolCalls', { val: r.sessionId }),
          ),
      },
    );
  }
  if (caps.deleteSession) {
    arbs.push(
      { weight: 1, arbitrary: a.sessionRef.map((id) => call('deleteSession', { val: id })) },
      { weight: 1, arbitrary: a.sessionDeleteQuery.map((q) => call('deleteSessions', ...query(q))) },
    );
  }
  if (caps.batch) {
    arbs.push({ weight: 4, arbitrary: a.batch.map((batch) => call('appendBatch', { batch })) });
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
        .map((r) => call('updateSession', { val: r.id }, { input: r.update }, { input: r.options })),
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
      arbitrary: fc.tuple(a.sessionRef, items).map(([id, l]) => call(create, { val: id }, { list: l })),
    },
    {
      weight: 3,
      arbitrary: fc.tuple(a.sessionRef, values).map(([id, l]) => call(set, { val: id }, { list: l })),
    },
    { weight: 1, arbitrary: a.sessionRef.map((id) => call(all, { val: id })) },
    { weight: 1, arbitrary: a.sessionRef.map((id) => call(pending, { val: id })) },
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
  if (caps.questions) {
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
    `Model-based check failed for ${name}: the adapter disagrees with the reference model (conformance/reference-model.ts).`,
    cause,
    `Minimal command sequence: ${sequence === '' ? '(none: the failure is in setup or the final audit)' : sequence}`,
    `seed: ${seed}, path: "${path}", replayPath: "${replayPath}" (failed after ${details.numRuns} run(s), shrunk ${details.numShrinks} time(s))`,
    `Replay: ${replay}`,
    `    or: checkModelBased(target, { seed: ${seed}, path: '${path}', replayPath: '${replayPath}' })`,
  ].join('\n');
}
