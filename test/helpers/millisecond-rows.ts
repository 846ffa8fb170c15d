import { expect } from 'vitest';
import type { AgentStorage } from '../../src/contract/storage.js';
import type { TableName } from '../../src/core/schema.js';

/**
 * A session, a message and a tool call as a release before migration 0007 wrote them, its
 * default clock in milliseconds; `table` writes a table's name as the dialect does.
 */
export function millisecondRows(table: (name: TableName) => string = (name) => name): string[] {
  return [
    `INSERT INTO ${table('agent_sessions')} (agent_name, provider, model, user_prompt, config, started_at, ended_at)
       VALUES ('a', 'p', 'm', 'u', 'null', 1764000000123, 1764000005999)`,
    `INSERT INTO ${table('agent_messages')} (session_id, role, content, created_at) VALUES (1, 'user', 'hi', 1764000000500)`,
    `INSERT INTO ${table('agent_tool_calls')} (session_id, tool_call_id, tool_name, request, created_at, completed_at)
       VALUES (1, 'c', 't', '{}', 1764000001000, 1764000002000)`,
  ];
}

/** The `millisecondRows` read back after 0007: every timestamp in seconds, rounded down. */
export async function expectRowsInSeconds(store: AgentStorage): Promise<void> {
  expect(await store.getSession('1')).toMatchObject({ startedAt: 1764000000, endedAt: 1764000005 });
  expect((await store.getMessages('1'))[0]?.createdAt).toBe(1764000000);
  expect((await store.getToolCalls('1'))[0]).toMatchObject({
    createdAt: 1764000001,
    completedAt: 1764000002,
  });
}
