import type { AgentStorage, OptionalCapability } from '../src/contract/storage.js';
import {
  agree,
  bindIds,
  type IdTables,
  type MapId,
  type Outcome,
  outcomeText,
  type RecordTable,
  realIds,
  render,
  type Shape,
  sameId,
  viewList,
  viewPage,
  viewRecord,
} from './compare.js';
import {
  MESSAGE_RECORD_FIELDS,
  QUESTION_FIELDS,
  type ReferenceModel,
  SESSION_FIELDS,
  SETTING_FIELDS,
  TOOL_CALL_FIELDS,
} from './reference-model.js';

/**
 * The contract's operations, once, for the two properties that run each of them on a store
 * and on the reference model and compare: the model-based sequences (`properties.ts`) and
 * the interleavings (`interleavings.ts`). Both call an operation, describe it in a failure
 * and judge its answer through this table, so a change to how an operation is compared is
 * made here, for both. What the runners generate, and when, stays theirs.
 */

/** Every call of `AgentStorage` but `close()`: what both a store and the model serve. */
export type OperationName = Exclude<keyof AgentStorage, 'adapter' | 'capabilities' | 'close'>;

export type View = (v: unknown, mapId: MapId) => string;

/** How an operation's answer is compared: as a view, or as the ids of the rows it created. */
export type Check = { view: View } | { ids: (answer: unknown) => [RecordTable, unknown][] };

export interface OperationSpec {
  /** The optional capability it needs declared; `null` when every adapter serves it. */
  capability: OptionalCapability | null;
  check: Check;
  /**
   * The argument that carries what the call writes (a record, an update, items, a batch):
   * the data whose later mutation must not change what is stored.
   */
  data?: number;
}

const SHAPES = {
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

const list = (shape: Shape): Check => ({ view: (v, mapId) => viewList(v, shape, mapId) });
const page = (shape: Shape): Check => ({ view: (v, mapId) => viewPage(v, shape, mapId) });
/** Counts and booleans. */
const value: Check = { view: (v) => render(v) };
/** Writes that resolve to nothing: only whether they resolved (and else the code) counts. */
const done: Check = { view: () => 'done' };
/** Creates resolve to one id, or a list of them, of new rows (or, for an idempotent repeat, the first's). */
const created = (table: RecordTable): Check => ({ ids: (v) => [[table, typeof v === 'string' ? [v] : v]] });

export const OPERATIONS: Record<OperationName, OperationSpec> = {
  createSession: { capability: null, check: created('sessions'), data: 0 },
  getSession: {
    capability: null,
    check: { view: (v, mapId) => (v === null ? 'null' : viewRecord(v, SHAPES.session, mapId)) },
  },
  updateSession: { capability: null, check: done, data: 1 },
  listSessions: { capability: 'listSessions', check: page(SHAPES.session) },
  deleteSession: { capability: 'deleteSession', check: value },
  deleteSessions: { capability: 'deleteSession', check: value },
  createMessage: { capability: null, check: created('messages'), data: 0 },
  getMessages: { capability: null, check: list(SHAPES.message) },
  getMessagesPage: { capability: 'paging', check: page(SHAPES.message) },
  countMessages: { capability: 'paging', check: value },
  appendBatch: {
    capability: 'batch',
    check: {
      ids: (v) => {
        const r = (v ?? {}) as { messageIds?: unknown; toolCallIds?: unknown };
        return [
          ['messages', r.messageIds],
          ['toolCalls', r.toolCallIds],
        ];
      },
    },
    data: 0,
  },
  createToolCall: { capability: null, check: created('toolCalls'), data: 0 },
  updateToolCall: { capability: null, check: done, data: 1 },
  getToolCalls: { capability: null, check: list(SHAPES.toolCall) },
  getPendingToolCalls: { capability: null, check: list(SHAPES.toolCall) },
  getToolCallsPage: { capability: 'paging', check: page(SHAPES.toolCall) },
  countToolCalls: { capability: 'paging', check: value },
  createQuestions: { capability: 'questions', check: created('questions'), data: 1 },
  getQuestions: { capability: 'questions', check: list(SHAPES.question) },
  getPendingQuestions: { capability: 'questions', check: list(SHAPES.question) },
  answerQuestions: { capability: 'questions', check: done, data: 1 },
  createSettings: { capability: 'settings', check: created('settings'), data: 1 },
  getSettings: { capability: 'settings', check: list(SHAPES.setting) },
  getPendingSettings: { capability: 'settings', check: list(SHAPES.setting) },
  setSettingValues: { capability: 'settings', check: done, data: 1 },
};

/** Whether `name` is served, given the capabilities declared. */
export function declared(name: OperationName, capabilities: Record<OptionalCapability, boolean>): boolean {
  const needs = OPERATIONS[name].capability;
  return needs === null || capabilities[needs];
}

/**
 * Calls `name` on a store (a promise) or on the model (the answer, or a synchronous throw).
 * The two share the contract's method names, so one call serves both.
 */
export function invoke(
  side: AgentStorage | ReferenceModel,
  name: OperationName,
  args: readonly unknown[],
): unknown {
  return (side[name] as (...a: unknown[]) => unknown).apply(side, args as unknown[]);
}

/** A call as a failure report shows it: its arguments rendered exactly. */
export function showCall(name: OperationName, args: readonly unknown[]): string {
  return `${name}(${args.map((a) => render(a)).join(', ')})`;
}

/**
 * How the adapter's answer differs from the model's, both as text (ids as the model names
 * them); each runner words it its own way. With `table`, it is the ids of that table's new
 * rows: `model` the model's ids, `adapter` what is wrong with the adapter's.
 */
export interface Disagreement {
  model: string;
  adapter: string;
  table?: RecordTable;
}

/**
 * Judges the adapter's answer to `name` against the model's as the table says, binding the
 * ids of new rows in `ids` (so later answers map them); `undefined` when they agree.
 */
export function judge(
  name: OperationName,
  model: Outcome,
  adapter: Outcome,
  ids: IdTables,
): Disagreement | undefined {
  const check = OPERATIONS[name].check;
  if ('ids' in check && model.ok && adapter.ok) {
    const theirs = check.ids(adapter.value);
    for (const [i, [table, modelIds]] of check.ids(model.value).entries()) {
      const problem = bindIds(ids, table, modelIds as string[], theirs[i]?.[1]);
      if (problem !== undefined) return { model: render(modelIds), adapter: problem, table };
    }
    return undefined;
  }
  // A create that rejected on either side: the ids, if any, are shown as they are.
  const view: View = 'view' in check ? check.view : (v) => render(v);
  if (agree(model, adapter, view, ids)) return undefined;
  return {
    model: outcomeText(model, (v) => view(v, sameId)),
    adapter: outcomeText(adapter, (v) => view(v, realIds(ids))),
  };
}
