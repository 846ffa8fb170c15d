import type { NewMessage, NewSession, NewToolCall } from '../src/contract/types.js';
import { same } from './expect.js';
import type { InspectableTable, RequirementContext } from './types.js';

export const T0 = 1_700_000_000;

export function newSession(overrides: Partial<NewSession> = {}): NewSession {
  return {
    agentName: 'sqlite-reader',
    provider: 'anthropic',
    model: 'claude-sonnet-4-5',
    userPrompt: 'List all tables',
    ...overrides,
  };
}

export function newMessage(sessionId: string, overrides: Partial<NewMessage> = {}): NewMessage {
  return { sessionId, role: 'user', content: 'List all tables', ...overrides };
}

export function newToolCall(sessionId: string, overrides: Partial<NewToolCall> = {}): NewToolCall {
  return {
    sessionId,
    toolCallId: 'call_1',
    toolName: 'sqlite_query',
    request: { sql: 'SELECT 1' },
    ...overrides,
  };
}

/** Creates a session and returns its id. */
export async function aSession(
  ctx: RequirementContext,
  overrides: Partial<NewSession> = {},
): Promise<string> {
  return ctx.store.createSession(newSession(overrides));
}

/**
 * Runs `action`, then checks that no table gained or lost a row (when the target can
 * count rows) and that `visible` still reads the same (always).
 */
export async function writesNothing(
  ctx: RequirementContext,
  what: string,
  action: () => Promise<void>,
  visible: () => Promise<unknown> = async () => null,
): Promise<void> {
  const before = await counts(ctx);
  const seen = await visible();
  await action();
  same(await visible(), seen, `${what}: what the contract shows afterwards`);
  same(await counts(ctx), before, `${what}: row counts afterwards`);
}

async function counts(ctx: RequirementContext): Promise<Record<InspectableTable, number> | null> {
  return ctx.target.inspect ? ctx.target.inspect.rowCounts(ctx.store) : null;
}
