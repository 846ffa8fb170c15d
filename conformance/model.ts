import { AgentStorageError } from '../src/contract/errors.js';
import type { AgentStorage } from '../src/contract/storage.js';
import type {
  JsonValue,
  MessageRole,
  NewMessage,
  NewSession,
  NewToolCall,
  SessionStatus,
  SessionUpdate,
  ToolCallStatus,
  ToolCallUpdate,
} from '../src/contract/types.js';
import {
  type ValidationContext,
  validateIdArgument,
  validateNewMessage,
  validateNewSession,
  validateNewToolCall,
  validateSessionUpdate,
  validateToolCallUpdate,
} from '../src/contract/validation.js';
import type { ConformanceTarget } from './types.js';

/**
 * The reference model of the `AgentStorage` contract (docs/contract.md): what a store must
 * answer, written as plainly as possible so that it can be read as the spec. The
 * model-based property (`conformance/properties.ts`) runs random command sequences against
 * an adapter and this model side by side and demands the same answers.
 *
 * What is the model's own, simple code: the tables (arrays in insertion order), defaults,
 * ordering, NOT_FOUND, what "pending" means, copies, idempotent creates, and the list of
 * fields each record has. What it borrows: the validators of `src/contract/validation.ts`,
 * the contract's single source of truth for which input is `INVALID_INPUT`. On top of them
 * it checks input keys against its own field lists, by own key ("any other field rejects
 * with INVALID_INPUT"), which the shared validator gets wrong for names such as
 * `constructor` (see `ArbitraryOptions.prototypeKeys`).
 *
 * Judgement calls the contract text leaves open, made the way every SQL backend behaves:
 * integer fields (timestamps, executionTimeMs) have no negative zero, so `-0` reads back
 * as `0`.
 *
 * What an adapter declares can change the contract: with capability `idempotency`
 * (`ModelOptions`), repeated creates return the first id or CONFLICT.
 *
 * Ids are the model's own (`session-1`, `message-1`, `toolcall-1`); they are opaque, so a
 * comparison with an adapter maps the adapter's ids to these by creation order.
 *
 * Errors are `AgentStorageError`s of adapter `model`, so the model can itself be run
 * through the conformance suite (`modelTarget()`).
 */

const ADAPTER = 'model';

/** The records, as the contract's nine operations return them (docs/contract.md, "Records"). */
export interface ModelSession {
  id: string;
  agentName: string;
  provider: string;
  model: string;
  systemPrompt: string | null;
  userPrompt: string;
  config: JsonValue;
  status: SessionStatus;
  startedAt: number;
  endedAt: number | null;
  result: string | null;
  error: string | null;
}

export interface ModelMessage {
  id: string;
  sessionId: string;
  role: MessageRole;
  content: string;
  createdAt: number;
  /** Where the contract has idempotency keys: the caller's key, unique within the session, or `null`. */
  clientKey?: string | null;
}

export interface ModelToolCall {
  id: string;
  sessionId: string;
  messageId: string | null;
  toolCallId: string;
  toolName: string;
  request: JsonValue;
  response: JsonValue | null;
  status: ToolCallStatus;
  executionTimeMs: number | null;
  createdAt: number;
  completedAt: number | null;
  errorDetails: string | null;
}

/** The fields each record has (docs/contract.md, "Records"), in declaration order. */
export const SESSION_FIELDS = [
  'agentName',
  'provider',
  'model',
  'systemPrompt',
  'userPrompt',
  'config',
  'status',
  'startedAt',
  'endedAt',
  'result',
  'error',
] as const;
export const MESSAGE_FIELDS = ['sessionId', 'role', 'content', 'createdAt'] as const;
export const TOOL_CALL_FIELDS = [
  'sessionId',
  'messageId',
  'toolCallId',
  'toolName',
  'request',
  'response',
  'status',
  'executionTimeMs',
  'createdAt',
  'completedAt',
  'errorDetails',
] as const;
export const SESSION_MUTABLE = ['status', 'endedAt', 'result', 'error'] as const;
export const TOOL_CALL_MUTABLE = [
  'status',
  'response',
  'executionTimeMs',
  'completedAt',
  'errorDetails',
] as const;

/**
 * Whether this version of the contract has idempotency keys on messages (`clientKey`,
 * with capability `idempotency`). Asked of the shared validator, the contract's source of
 * truth for which fields a call takes.
 */
export const CONTRACT_HAS_CLIENT_KEYS: boolean = (() => {
  try {
    validateNewMessage({ adapter: ADAPTER, clock: () => 0 }, {
      sessionId: '1',
      role: 'user',
      content: '',
      clientKey: 'k',
    } as NewMessage);
    return true;
  } catch {
    return false;
  }
})();

/** The fields of a message record (and of `createMessage`'s input) in this version of the contract. */
export const MESSAGE_RECORD_FIELDS: readonly string[] = CONTRACT_HAS_CLIENT_KEYS
  ? [...MESSAGE_FIELDS, 'clientKey']
  : MESSAGE_FIELDS;

/** A deep copy of a JSON value that keeps key order, `-0` and own `__proto__` keys. */
export function cloneJson(value: JsonValue): JsonValue {
  if (Array.isArray(value)) return value.map(cloneJson);
  if (value !== null && typeof value === 'object') {
    // fromEntries defines own properties, so a "__proto__" key stays a key.
    return Object.fromEntries(Object.keys(value).map((k) => [k, cloneJson(value[k] as JsonValue)]));
  }
  return value;
}

/** An integer column has no negative zero: every SQL backend stores -0 as 0. */
function integer(value: number): number {
  return value === 0 ? 0 : value;
}

function orNull<T>(value: T | null | undefined): T | null {
  return value === undefined ? null : value;
}

/** JSON equality as the contract sees it: key order and -0 count (the stored text would differ). */
function sameJson(a: JsonValue, b: JsonValue): boolean {
  if (Array.isArray(a) || Array.isArray(b)) {
    return (
      Array.isArray(a) &&
      Array.isArray(b) &&
      a.length === b.length &&
      a.every((v, i) => sameJson(v, b[i] as JsonValue))
    );
  }
  if (a !== null && b !== null && typeof a === 'object' && typeof b === 'object') {
    const ka = Object.keys(a);
    const kb = Object.keys(b);
    return (
      ka.length === kb.length &&
      ka.every((k, i) => k === kb[i] && sameJson(a[k] as JsonValue, b[k] as JsonValue))
    );
  }
  return Object.is(a, b);
}

/**
 * Options of the model. The contract makes some behaviour depend on a capability the
 * adapter declares; the model is told which.
 */
export interface ModelOptions {
  /**
   * Capability `idempotency`: a create that repeats a message's `clientKey` (or a tool
   * call's `toolCallId`) within its session returns the first id and writes nothing when
   * the payload is the same, else rejects with CONFLICT. Without it, a `clientKey` is
   * NOT_SUPPORTED (where the contract has them at all: `CONTRACT_HAS_CLIENT_KEYS`).
   */
  idempotency?: boolean | undefined;
}

/** Stable by `createdAt`; equal `createdAt` keep the order of the input (insertion order). */
function byCreatedAt<T extends { createdAt: number }>(rows: readonly T[]): T[] {
  return rows.toSorted((a, b) => (a.createdAt < b.createdAt ? -1 : a.createdAt > b.createdAt ? 1 : 0));
}

export class ReferenceModel {
  /** The tables, each in insertion order. */
  readonly sessions: ModelSession[] = [];
  readonly messages: ModelMessage[] = [];
  readonly toolCalls: ModelToolCall[] = [];
  readonly #clock: () => number;
  readonly #ctx: ValidationContext;
  readonly idempotency: boolean;

  constructor(clock: () => number, options: ModelOptions = {}) {
    this.#clock = clock;
    this.#ctx = { adapter: ADAPTER, clock };
    this.idempotency = options.idempotency === true;
  }

  createSession(input: NewSession): string {
    validateNewSession(this.#ctx, input);
    this.#onlyFields('createSession', input, SESSION_FIELDS);
    const session: ModelSession = {
      id: `session-${this.sessions.length + 1}`,
      agentName: input.agentName,
      provider: input.provider,
      model: input.model,
      systemPrompt: orNull(input.systemPrompt),
      userPrompt: input.userPrompt,
      config: input.config === undefined ? null : cloneJson(input.config),
      status: input.status ?? 'running',
      startedAt: integer(input.startedAt ?? this.#clock()),
      endedAt: input.endedAt == null ? null : integer(input.endedAt),
      result: orNull(input.result),
      error: orNull(input.error),
    };
    this.sessions.push(session);
    return session.id;
  }

  getSession(id: string): ModelSession | null {
    validateIdArgument(this.#ctx, 'getSession', 'id', id);
    const session = this.sessions.find((s) => s.id === id);
    return session === undefined ? null : { ...session, config: cloneJson(session.config) };
  }

  /** `options` (conditional updates) belong to a capability the model does not declare. */
  updateSession(id: string, update: SessionUpdate, options?: { expectedStatus?: unknown }): void {
    validateSessionUpdate(this.#ctx, id, update);
    if (options?.expectedStatus !== undefined) {
      throw new AgentStorageError(
        'NOT_SUPPORTED',
        'updateSession: expectedStatus needs capability conditionalUpdate',
        {
          adapter: ADAPTER,
        },
      );
    }
    this.#onlyFields('updateSession', update, SESSION_MUTABLE);
    const session = this.sessions.find((s) => s.id === id);
    if (session === undefined) throw notFound('updateSession', `session ${JSON.stringify(id)}`);
    if (update.status !== undefined) session.status = update.status;
    if (update.endedAt !== undefined)
      session.endedAt = update.endedAt === null ? null : integer(update.endedAt);
    if (update.result !== undefined) session.result = update.result;
    if (update.error !== undefined) session.error = update.error;
  }

  createMessage(input: NewMessage): string {
    validateNewMessage(this.#ctx, input);
    this.#onlyFields('createMessage', input, MESSAGE_RECORD_FIELDS);
    const clientKey = orNull((input as { clientKey?: string | null }).clientKey);
    if (clientKey !== null && !this.idempotency) {
      throw new AgentStorageError('NOT_SUPPORTED', 'createMessage: clientKey needs capability idempotency', {
        adapter: ADAPTER,
      });
    }
    if (!this.sessions.some((s) => s.id === input.sessionId)) {
      throw notFound('createMessage', `session ${JSON.stringify(input.sessionId)}`);
    }
    if (clientKey !== null) {
      const first = this.messages.find((m) => m.sessionId === input.sessionId && m.clientKey === clientKey);
      if (first !== undefined) {
        const same =
          first.role === input.role &&
          first.content === input.content &&
          (input.createdAt === undefined || first.createdAt === input.createdAt);
        if (!same) throw conflict('createMessage', `a message with clientKey ${JSON.stringify(clientKey)}`);
        return first.id;
      }
    }
    const message: ModelMessage = {
      id: `message-${this.messages.length + 1}`,
      sessionId: input.sessionId,
      role: input.role,
      content: input.content,
      createdAt: integer(input.createdAt ?? this.#clock()),
      ...(CONTRACT_HAS_CLIENT_KEYS ? { clientKey } : {}),
    };
    this.messages.push(message);
    return message.id;
  }

  getMessages(sessionId: string): ModelMessage[] {
    validateIdArgument(this.#ctx, 'getMessages', 'sessionId', sessionId);
    return byCreatedAt(this.messages.filter((m) => m.sessionId === sessionId)).map((m) => ({ ...m }));
  }

  createToolCall(input: NewToolCall): string {
    validateNewToolCall(this.#ctx, input);
    this.#onlyFields('createToolCall', input, TOOL_CALL_FIELDS);
    const messageId = orNull(input.messageId);
    if (!this.sessions.some((s) => s.id === input.sessionId)) {
      throw notFound('createToolCall', `session ${JSON.stringify(input.sessionId)}`);
    }
    if (
      messageId !== null &&
      !this.messages.some((m) => m.id === messageId && m.sessionId === input.sessionId)
    ) {
      throw notFound('createToolCall', `message ${JSON.stringify(messageId)} in that session`);
    }
    if (this.idempotency) {
      const first = this.toolCalls.find(
        (c) => c.sessionId === input.sessionId && c.toolCallId === input.toolCallId,
      );
      if (first !== undefined) {
        // Only what the caller fixed at creation counts, not what updates changed since.
        const same =
          first.messageId === messageId &&
          first.toolName === input.toolName &&
          sameJson(first.request, input.request) &&
          (input.createdAt === undefined || first.createdAt === input.createdAt);
        if (!same)
          throw conflict('createToolCall', `a tool call with toolCallId ${JSON.stringify(input.toolCallId)}`);
        return first.id;
      }
    }
    const call: ModelToolCall = {
      id: `toolcall-${this.toolCalls.length + 1}`,
      sessionId: input.sessionId,
      messageId,
      toolCallId: input.toolCallId,
      toolName: input.toolName,
      request: cloneJson(input.request),
      response: input.response == null ? null : cloneJson(input.response),
      status: input.status ?? 'pending',
      executionTimeMs: input.executionTimeMs == null ? null : integer(input.executionTimeMs),
      createdAt: integer(input.createdAt ?? this.#clock()),
      completedAt: input.completedAt == null ? null : integer(input.completedAt),
      errorDetails: orNull(input.errorDetails),
    };
    this.toolCalls.push(call);
    return call.id;
  }

  updateToolCall(id: string, update: ToolCallUpdate): void {
    validateToolCallUpdate(this.#ctx, id, update);
    this.#onlyFields('updateToolCall', update, TOOL_CALL_MUTABLE);
    const call = this.toolCalls.find((c) => c.id === id);
    if (call === undefined) throw notFound('updateToolCall', `tool call ${JSON.stringify(id)}`);
    if (update.status !== undefined) call.status = update.status;
    if (update.response !== undefined)
      call.response = update.response === null ? null : cloneJson(update.response);
    if (update.executionTimeMs !== undefined) {
      call.executionTimeMs = update.executionTimeMs === null ? null : integer(update.executionTimeMs);
    }
    if (update.completedAt !== undefined) {
      call.completedAt = update.completedAt === null ? null : integer(update.completedAt);
    }
    if (update.errorDetails !== undefined) call.errorDetails = update.errorDetails;
  }

  getToolCalls(sessionId: string): ModelToolCall[] {
    validateIdArgument(this.#ctx, 'getToolCalls', 'sessionId', sessionId);
    return this.#callsOf(sessionId);
  }

  getPendingToolCalls(sessionId: string): ModelToolCall[] {
    validateIdArgument(this.#ctx, 'getPendingToolCalls', 'sessionId', sessionId);
    return this.#callsOf(sessionId).filter((c) => c.status === 'pending');
  }

  #callsOf(sessionId: string): ModelToolCall[] {
    return byCreatedAt(this.toolCalls.filter((c) => c.sessionId === sessionId)).map((c) => ({
      ...c,
      request: cloneJson(c.request),
      response: c.response === null ? null : cloneJson(c.response),
    }));
  }

  /**
   * The contract: "Any other field (an immutable one, or one the record does not have)
   * rejects with INVALID_INPUT naming it". Checked against the plain field lists above,
   * by own keys, so `constructor` or `__proto__` are fields like any other.
   */
  #onlyFields(op: string, input: object, fields: readonly string[]): void {
    for (const key of Object.keys(input)) {
      if (!fields.includes(key)) {
        throw new AgentStorageError('INVALID_INPUT', `${op}: ${key} is not a field this call takes`, {
          adapter: ADAPTER,
          field: key,
        });
      }
    }
  }
}

function conflict(op: string, what: string): AgentStorageError {
  return new AgentStorageError('CONFLICT', `${op}: ${what} already exists with a different payload`, {
    adapter: ADAPTER,
  });
}

function notFound(op: string, what: string): AgentStorageError {
  return new AgentStorageError('NOT_FOUND', `${op}: no ${what}`, { adapter: ADAPTER });
}

/**
 * The model behind the `AgentStorage` interface (async, with `close()`), so the conformance
 * suite itself can check the model: `runConformance(modelTarget())`. The model covers the
 * nine operations of the contract; any other operation rejects with `NOT_SUPPORTED`, and
 * every capability flag but `persistent` reads `false`.
 */
export function modelStorage(
  clock: () => number,
  options: ModelOptions = {},
): AgentStorage & { readonly model: ReferenceModel } {
  const model = new ReferenceModel(clock, options);
  let closed = false;
  const open = <T>(call: () => T): Promise<T> => {
    if (closed) {
      return Promise.reject(new AgentStorageError('CLOSED', 'the storage was closed', { adapter: ADAPTER }));
    }
    try {
      return Promise.resolve(call());
    } catch (e) {
      return Promise.reject(e);
    }
  };
  const operations: Record<string, unknown> = {
    adapter: ADAPTER,
    capabilities: new Proxy(Object.freeze({ persistent: false, idempotency: model.idempotency }), {
      get: (target, key) => (key in target ? Reflect.get(target, key) : false),
    }),
    model,
    createSession: (input: NewSession) => open(() => model.createSession(input)),
    getSession: (id: string) => open(() => model.getSession(id)),
    updateSession: (id: string, update: SessionUpdate, options?: { expectedStatus?: unknown }) =>
      open(() => model.updateSession(id, update, options)),
    createMessage: (input: NewMessage) => open(() => model.createMessage(input)),
    getMessages: (sessionId: string) => open(() => model.getMessages(sessionId)),
    createToolCall: (input: NewToolCall) => open(() => model.createToolCall(input)),
    updateToolCall: (id: string, update: ToolCallUpdate) => open(() => model.updateToolCall(id, update)),
    getToolCalls: (sessionId: string) => open(() => model.getToolCalls(sessionId)),
    getPendingToolCalls: (sessionId: string) => open(() => model.getPendingToolCalls(sessionId)),
    close: async () => {
      closed = true;
    },
  };
  const notSupported = (name: string) => () =>
    open(() => {
      throw new AgentStorageError('NOT_SUPPORTED', `${name} is not part of the reference model`, {
        adapter: ADAPTER,
      });
    });
  return new Proxy(operations, {
    get: (target, key) =>
      key in target || typeof key !== 'string' || key === 'then'
        ? Reflect.get(target, key)
        : notSupported(key),
  }) as unknown as AgentStorage & { readonly model: ReferenceModel };
}

/** The model as a conformance target (no inspect hooks: it has no rows to damage). */
export function modelTarget(options: ModelOptions = {}): ConformanceTarget {
  return { name: 'model', create: async ({ clock }) => modelStorage(clock, options) };
}
