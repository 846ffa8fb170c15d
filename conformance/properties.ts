import fc from 'fast-check';
import type { AgentStorage } from '../src/contract/storage.js';
import type {
  NewMessage,
  NewSession,
  NewToolCall,
  SessionUpdate,
  ToolCallUpdate,
} from '../src/contract/types.js';
import {
  type ArbitraryOptions,
  buildInput,
  buildValue,
  clockValueArb,
  type IdRef,
  type InputSpec,
  inputArbitraries,
  type Resolve,
  showInput,
  showVal,
  type Table,
  TIE_TIMESTAMPS,
  type Val,
} from './arbitraries.js';
import { T0 } from './fixtures.js';
import { MESSAGE_RECORD_FIELDS, ReferenceModel, SESSION_FIELDS, TOOL_CALL_FIELDS } from './model.js';
import type { ConformanceTarget } from './types.js';

/**
 * Model-based property testing of the contract: fast-check generates random sequences of
 * the nine operations (valid and invalid inputs, known, foreign and malformed ids, ties in
 * time, long runs of ties, repeated creates) and runs each against a fresh store of the
 * target and against the reference model (`conformance/model.ts`) side by side. Every
 * answer must agree: returned records (ids compared through the mapping built as rows are
 * created, never literally), `null` / `[]`, and error codes (by `code` only). Inputs and
 * results the adapter handled are scribbled on afterwards, so a store that keeps a
 * reference to either shows it in a later read; every run ends with a read of everything.
 *
 * What the adapter declares in `capabilities` decides part of the contract: with
 * `idempotency`, repeated creates (by `clientKey` / `toolCallId`) are exercised and checked.
 */

export interface ModelBasedOptions {
  /** fast-check seed. Default: `AGENT_STORAGE_SEED`, else random. */
  seed?: number | undefined;
  /** Runs (command sequences). Default: `AGENT_STORAGE_RUNS`, else 100. */
  numRuns?: number | undefined;
  /** Longest command sequence. Default 40. */
  maxCommands?: number | undefined;
  /** fast-check path of a counterexample to replay (needs its seed). Default: `AGENT_STORAGE_PATH` with an env seed. */
  path?: string | undefined;
  /** The commands' replay path printed with a failure. Default: `AGENT_STORAGE_REPLAY_PATH` with an env seed. */
  replayPath?: string | undefined;
  /** Extra hunting grounds, off by default (see `ArbitraryOptions`). */
  arbitraries?: ArbitraryOptions | undefined;
}

export const DEFAULT_RUNS = 100;
export const DEFAULT_MAX_COMMANDS = 40;

// ---------------------------------------------------------------- the world

/** Ids of one table: the model's in creation order, and the mapping to the adapter's. */
class IdTable {
  readonly order: string[] = [];
  readonly toReal = new Map<string, string>();
  readonly toModel = new Map<string, string>();

  bind(modelId: string, realId: string): void {
    this.order.push(modelId);
    this.toReal.set(modelId, realId);
    this.toModel.set(realId, modelId);
  }
}

/** A create both sides accepted, kept (as given) so that a later command can repeat it. */
interface Created {
  real: Record<string, unknown>;
  model: Record<string, unknown>;
}

/** fast-check's "model": the reference model plus the id mapping and the shared clock. */
export interface World {
  model: ReferenceModel;
  clock: { now: number };
  ids: Record<Table, IdTable>;
  created: { messages: Created[]; toolCalls: Created[] };
  shapes: { session: Shape; message: Shape; toolCall: Shape };
  step: number;
}

function newWorld(clock: { now: number }, idempotency: boolean): World {
  return {
    model: new ReferenceModel(() => clock.now, { idempotency }),
    clock,
    ids: { sessions: new IdTable(), messages: new IdTable(), toolCalls: new IdTable() },
    created: { messages: [], toolCalls: [] },
    shapes: {
      session: { table: 'sessions', keys: ['id', ...SESSION_FIELDS] },
      message: { table: 'messages', keys: ['id', ...MESSAGE_RECORD_FIELDS] },
      toolCall: { table: 'toolCalls', keys: ['id', ...TOOL_CALL_FIELDS] },
    },
    step: 0,
  };
}

/** A deep copy of plain input data (valid inputs only: no cycles), own `__proto__` keys kept. */
function copyPlain<T>(value: T): T {
  if (Array.isArray(value)) return value.map(copyPlain) as T;
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value)) {
    Object.defineProperty(out, key, {
      value: copyPlain((value as Record<string, unknown>)[key]),
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return out as T;
}

interface Pair {
  real: unknown;
  model: unknown;
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
      const sessionId =
        session === undefined ? undefined : resolvePair(world, 'sessions', session, undefined).model;
      const mine = world.model.messages.filter((m) => m.sessionId === sessionId).map((m) => m.id);
      if (mine.length === 0) return { real: null, model: null };
      const model = mine[ref.pick % mine.length] as string;
      return { real: world.ids.messages.toReal.get(model), model };
    }
  }
}

function resolver(world: World, side: keyof Pair): Resolve {
  return (table, ref, session) => resolvePair(world, table, ref, session)[side];
}

// ---------------------------------------------------------------- rendering and comparing

/** Exact rendering: key order, -0, holes, cycles and non-JSON values all show. */
export function render(value: unknown, seen: Set<object> = new Set()): string {
  switch (typeof value) {
    case 'number':
      return Object.is(value, -0) ? '-0' : String(value);
    case 'string':
      return JSON.stringify(value);
    case 'boolean':
      return String(value);
    case 'undefined':
      return 'undefined';
    case 'bigint':
      return `${value}n`;
    case 'symbol':
      return String(value);
    case 'function':
      return '<function>';
  }
  if (value === null) return 'null';
  const o = value as Record<string, unknown>;
  if (seen.has(o)) return '<cycle>';
  seen.add(o);
  try {
    if (Array.isArray(o)) {
      const parts: string[] = [];
      for (let i = 0; i < o.length; i++) parts.push(i in o ? render(o[i], seen) : '<hole>');
      return `[${parts.join(',')}]`;
    }
    const proto = Object.getPrototypeOf(o) as { constructor?: { name?: string } } | null;
    const tag = proto === null || proto === Object.prototype ? '' : `${proto.constructor?.name ?? 'object'} `;
    return `${tag}{${Object.keys(o)
      .map((k) => `${JSON.stringify(k)}:${render(o[k], seen)}`)
      .join(',')}}`;
  } finally {
    seen.delete(o);
  }
}

function clip(s: string, max = 600): string {
  return s.length > max ? `${s.slice(0, max)}… (${s.length} chars)` : s;
}

type MapId = (table: Table, id: unknown) => unknown;

const sameId: MapId = (_table, id) => id;

function realIds(world: World): MapId {
  return (table, id) => {
    if (typeof id !== 'string') return `<${table} id that is not a string: ${render(id)}>`;
    return world.ids[table].toModel.get(id) ?? `<${table} id ${JSON.stringify(id)} the adapter never issued>`;
  };
}

interface Shape {
  table: Table;
  keys: readonly string[];
}

/**
 * A record as the contract sees it: its documented fields in a fixed order (field order
 * is not part of the contract; key order inside JSON values is), ids mapped to the model's.
 */
function viewRecord(value: unknown, shape: Shape, mapId: MapId): string {
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    return `<not a record: ${render(value)}>`;
  const rec = value as Record<string, unknown>;
  const parts = shape.keys.map((key) => {
    const v = rec[key];
    let shown = v;
    if (key === 'id') shown = mapId(shape.table, v);
    else if (key === 'sessionId') shown = mapId('sessions', v);
    else if (key === 'messageId' && v !== null) shown = mapId('messages', v);
    return `${key}:${render(shown)}`;
  });
  const extra = Object.keys(rec).filter((k) => !shape.keys.includes(k));
  if (extra.length > 0) parts.push(`<fields the contract does not have: ${extra.join(', ')}>`);
  return `{${parts.join(',')}}`;
}

function viewList(value: unknown, shape: Shape, mapId: MapId): string {
  if (!Array.isArray(value)) return `<not an array: ${render(value)}>`;
  return `[${value.map((v) => viewRecord(v, shape, mapId)).join(',\n  ')}]`;
}

type Outcome = { ok: true; value: unknown } | { ok: false; code: string; message: string };

function fromModel(call: () => unknown): Outcome {
  try {
    return { ok: true, value: call() };
  } catch (e) {
    const err = e as { name?: unknown; code?: unknown; message?: unknown };
    if (err?.name === 'AgentStorageError' && typeof err.code === 'string') {
      return { ok: false, code: err.code, message: String(err.message) };
    }
    throw new Error(`the reference model itself failed (a bug in conformance/model.ts): ${String(e)}`);
  }
}

async function fromAdapter(call: () => Promise<unknown>): Promise<Outcome> {
  try {
    return { ok: true, value: await call() };
  } catch (e) {
    const err = e as { name?: unknown; code?: unknown; message?: unknown };
    if (err?.name === 'AgentStorageError' && typeof err.code === 'string') {
      return { ok: false, code: err.code, message: String(err.message) };
    }
    return { ok: false, code: `<not an AgentStorageError>`, message: String(err?.message ?? e) };
  }
}

class Mismatch extends Error {
  override readonly name = 'ModelMismatch';
}

function explain(label: string, model: string, adapter: string): never {
  throw new Mismatch(
    `${label}\n  the contract (model) says: ${model}\n  the adapter answered:      ${adapter}\n` +
      '  (ids in records are shown as the model names them: session-1 is the first session created)',
  );
}

function outcomeText(o: Outcome, view: (v: unknown) => string): string {
  return o.ok ? `returns ${clip(view(o.value))}` : `rejects with ${o.code} (${clip(o.message, 200)})`;
}

/** Compares two answers: equal views when both resolve, equal codes when both reject. */
function expectSame(
  label: string,
  model: Outcome,
  adapter: Outcome,
  view: (v: unknown, mapId: MapId) => string,
  world: World,
): void {
  const modelView = (v: unknown) => view(v, sameId);
  const adapterView = (v: unknown) => view(v, realIds(world));
  const agree = model.ok
    ? adapter.ok && modelView(model.value) === adapterView(adapter.value)
    : !adapter.ok && adapter.code === model.code;
  if (!agree) explain(label, outcomeText(model, modelView), outcomeText(adapter, adapterView));
}

/** A create: both reject with the same code, or both succeed and the adapter's id is a fresh string. */
function expectCreated(label: string, table: Table, model: Outcome, adapter: Outcome, world: World): void {
  const ids = world.ids[table];
  const show = (v: unknown) => (typeof v === 'string' ? 'a new id' : render(v));
  if (model.ok && adapter.ok) {
    const first = ids.toReal.get(model.value as string);
    if (first !== undefined) {
      // An idempotent repeat: the model answered with an existing row, so must the adapter.
      if (adapter.value !== first) {
        explain(label, `the id of the first create, ${JSON.stringify(first)}`, render(adapter.value));
      }
      return;
    }
    const id = adapter.value;
    if (typeof id !== 'string' || ids.toModel.has(id)) {
      explain(
        label,
        'a new id (a string no other row of the table has)',
        typeof id === 'string'
          ? `${JSON.stringify(id)}, already the id of ${ids.toModel.get(id)}`
          : `${render(id)}, not a string`,
      );
    }
    ids.bind(model.value as string, id);
    return;
  }
  expectSame(label, model, adapter, show, world);
}

/**
 * Mutates an object the adapter was given or returned, deeply, after the fact: the
 * contract says this never changes what is stored, and later reads will tell.
 */
function scribble(value: unknown, seen: Set<object> = new Set()): void {
  if (value === null || typeof value !== 'object' || seen.has(value)) return;
  seen.add(value);
  if (Array.isArray(value)) {
    for (const v of value) scribble(v, seen);
    Reflect.set(value, value.length, 'scribbled');
    return;
  }
  if (value instanceof Map || value instanceof Date) return;
  for (const key of Object.keys(value)) {
    scribble((value as Record<string, unknown>)[key], seen);
    Reflect.set(value, key, 'scribbled');
  }
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
  | { op: 'repeat'; table: 'messages' | 'toolCalls'; pick: number; change: RepeatChange };

export type RepeatChange = 'none' | 'no-createdAt' | 'payload' | 'mutable';

function showOp(op: Op): string {
  switch (op.op) {
    case 'createSession':
    case 'createMessage':
    case 'createToolCall':
      return `${op.op}(${showInput(op.input)})`;
    case 'getSession':
      return `getSession(${showVal(op.id)})`;
    case 'updateSession':
    case 'updateToolCall':
      return `${op.op}(${showVal(op.id)}, ${showInput(op.update)})`;
    case 'getMessages':
    case 'getToolCalls':
    case 'getPendingToolCalls':
      return `${op.op}(${showVal(op.sessionId)})`;
    case 'setClock':
      return `setClock(${op.now})`;
    case 'audit':
      return 'audit()';
    case 'bulk':
      return `bulk(${op.table}, ${showVal(op.sessionId)}, ${op.count}, createdAt ${op.createdAt ?? 'from the clock'})`;
    case 'repeat':
      return `repeat(${op.table}[${op.pick}], ${op.change})`;
  }
}

type View = (v: unknown, mapId: MapId) => string;
const sessionView =
  (world: World): View =>
  (v, mapId) =>
    v === null ? 'null' : viewRecord(v, world.shapes.session, mapId);
const messagesView =
  (world: World): View =>
  (v, mapId) =>
    viewList(v, world.shapes.message, mapId);
const toolCallsView =
  (world: World): View =>
  (v, mapId) =>
    viewList(v, world.shapes.toolCall, mapId);
const doneView: View = () => 'done';

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
  expectCreated(text, table, expected, actual, world);
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

async function execute(world: World, store: AgentStorage, op: Op): Promise<void> {
  const real = resolver(world, 'real');
  const model = resolver(world, 'model');
  const input = (spec: InputSpec) => ({ real: buildInput(spec, real), model: buildInput(spec, model) });
  const arg = (val: Val) => ({ real: buildValue(val, real), model: buildValue(val, model) });
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
    case 'updateSession': {
      const id = arg(op.id);
      const u = input(op.update);
      const text = label(`updateSession(${render(id.real)}, ${render(u.real)})`);
      const expected = fromModel(() => m.updateSession(id.model as string, u.model as SessionUpdate));
      const actual = await fromAdapter(() => store.updateSession(id.real as string, u.real as SessionUpdate));
      scribble(u.real);
      return expectSame(text, expected, actual, doneView, world);
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
      return expectSame(text, expected, actual, doneView, world);
    }
    case 'getSession': {
      const id = arg(op.id);
      const expected = fromModel(() => m.getSession(id.model as string));
      const actual = await fromAdapter(() => store.getSession(id.real as string));
      expectSame(label(`getSession(${render(id.real)})`), expected, actual, sessionView(world), world);
      if (actual.ok) scribble(actual.value);
      return;
    }
    case 'getMessages': {
      const id = arg(op.sessionId);
      const expected = fromModel(() => m.getMessages(id.model as string));
      const actual = await fromAdapter(() => store.getMessages(id.real as string));
      expectSame(label(`getMessages(${render(id.real)})`), expected, actual, messagesView(world), world);
      if (actual.ok) scribble(actual.value);
      return;
    }
    case 'getToolCalls':
    case 'getPendingToolCalls': {
      const name = op.op;
      const id = arg(op.sessionId);
      const expected = fromModel(() => m[name](id.model as string));
      const actual = await fromAdapter(() => store[name](id.real as string));
      expectSame(label(`${name}(${render(id.real)})`), expected, actual, toolCallsView(world), world);
      if (actual.ok) scribble(actual.value);
      return;
    }
  }
}

/** Reads everything the model knows, through every read, and compares. */
async function audit(world: World, store: AgentStorage, label: string): Promise<void> {
  for (const modelId of world.ids.sessions.order) {
    const realId = world.ids.sessions.toReal.get(modelId) as string;
    const m = world.model;
    const reads: [string, () => unknown, () => Promise<unknown>, View][] = [
      ['getSession', () => m.getSession(modelId), () => store.getSession(realId), sessionView(world)],
      ['getMessages', () => m.getMessages(modelId), () => store.getMessages(realId), messagesView(world)],
      ['getToolCalls', () => m.getToolCalls(modelId), () => store.getToolCalls(realId), toolCallsView(world)],
      [
        'getPendingToolCalls',
        () => m.getPendingToolCalls(modelId),
        () => store.getPendingToolCalls(realId),
        toolCallsView(world),
      ],
    ];
    for (const [name, onModel, onAdapter, view] of reads) {
      expectSame(
        `${label}: ${name}(${JSON.stringify(realId)})`,
        fromModel(onModel),
        await fromAdapter(onAdapter),
        view,
        world,
      );
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

/** The command generators, weighted towards building state and reading it back. */
export function commandArbitraries(options: ArbitraryOptions = {}): fc.Arbitrary<StorageCommand>[] {
  const a = inputArbitraries(options);
  const cmd = (op: Op) => new StorageCommand(op);
  return [
    fc.oneof(
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
            table: fc.constantFrom('messages' as const, 'toolCalls' as const),
            pick: fc.nat({ max: 63 }),
            change: fc.constantFrom<RepeatChange>('none', 'no-createdAt', 'payload', 'mutable'),
          })
          .map((r) => cmd({ op: 'repeat', ...r })),
      },
      {
        weight: 1,
        arbitrary: fc
          .record({
            table: fc.constantFrom('messages' as const, 'toolCalls' as const),
            sessionId: a.sessionRef,
            count: fc.integer({ min: 2, max: 12 }),
            createdAt: fc.option(fc.constantFrom(...TIE_TIMESTAMPS)),
          })
          .map((b) => cmd({ op: 'bulk', ...b })),
      },
    ),
  ];
}

// ---------------------------------------------------------------- the check

function envInteger(name: string): number | undefined {
  const raw = process.env[name];
  if (raw === undefined || raw.trim() === '') return undefined;
  const n = Number(raw);
  if (!Number.isSafeInteger(n)) throw new Error(`${name} must be an integer, got ${JSON.stringify(raw)}`);
  return n;
}

function envString(name: string): string | undefined {
  const raw = process.env[name];
  return raw === undefined || raw.trim() === '' ? undefined : raw.trim();
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
  const numRuns = options.numRuns ?? envInteger('AGENT_STORAGE_RUNS') ?? DEFAULT_RUNS;
  const maxCommands = options.maxCommands ?? DEFAULT_MAX_COMMANDS;
  if (path !== undefined && seed === undefined) {
    throw new Error('checkModelBased: a path replays only with the seed it was found with');
  }

  let details: fc.RunDetails<[Iterable<fc.AsyncCommand<World, AgentStorage>>]>;
  try {
    // What the adapter declares decides part of the contract (idempotent creates).
    const probe = await target.create({ clock: () => T0 });
    const idempotency = (probe.capabilities as unknown as Record<string, unknown>).idempotency === true;
    await probe.close();

    const commands = fc.commands(commandArbitraries({ ...options.arbitraries, idempotency }), {
      maxCommands,
      size: 'max',
      ...(replayPath === undefined ? {} : { replayPath }),
    });
    const property = fc.asyncProperty(commands, async (cmds) => {
      const clock = { now: T0 };
      const store = await target.create({ clock: () => clock.now });
      try {
        const world = newWorld(clock, idempotency);
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
    ` npx vitest run test/properties.test.ts -t ${JSON.stringify(name)}`;
  return [
    `Model-based check failed for ${name}: the adapter disagrees with the reference model (conformance/model.ts).`,
    cause,
    `Minimal command sequence: ${sequence === '' ? '(none: the failure is in setup or the final audit)' : sequence}`,
    `seed: ${seed}, path: "${path}", replayPath: "${replayPath}" (failed after ${details.numRuns} run(s), shrunk ${details.numShrinks} time(s))`,
    `Replay: ${replay}`,
    `    or: checkModelBased(target, { seed: ${seed}, path: '${path}', replayPath: '${replayPath}' })`,
  ].join('\n');
}
