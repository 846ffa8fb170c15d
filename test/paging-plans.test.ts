import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { NewMessage } from '../src/contract/types.js';
import { encodeCursor } from '../src/contract/validation.js';
import { SCHEMA } from '../src/core/schema.js';
import { createStorage } from '../src/create-storage.js';
import type { SqlAgentStorage } from '../src/sql/sql-storage.js';
import { statements } from '../src/sql/statements.js';
import { dropSchemas, postgresUrl } from './helpers/postgres.js';

// A 200,000-message session: a page near its end is read through the index (the query
// plan says so, no sort, no scan), and a retried batch append leaves exactly one copy.
const MESSAGES = 200_000;
const dir = mkdtempSync(join(tmpdir(), 'agent-storage-plans-'));
const pgUrl = await postgresUrl();
const schema = `agent_storage_plans_${process.pid}`;
afterAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  await dropSchemas(pgUrl, [schema]);
});

async function fill(store: SqlAgentStorage): Promise<string> {
  const sessionId = await store.createSession({
    agentName: 'long',
    provider: 'p',
    model: 'm',
    userPrompt: 'u',
  });
  for (let start = 0; start < MESSAGES; start += 20_000) {
    const messages: NewMessage[] = Array.from({ length: 20_000 }, (_, i) => ({
      sessionId,
      role: 'assistant',
      content: `message ${start + i}`,
      // Whole seconds, as nocodo writes them: long runs of equal createdAt.
      createdAt: 1_770_000_000 + Math.floor((start + i) / 7),
    }));
    await store.appendBatch({ messages });
  }
  return sessionId;
}

async function retriedBatchLeavesOneCopy(store: SqlAgentStorage, sessionId: string): Promise<void> {
  const before = await store.countMessages(sessionId);
  const batch = {
    messages: [
      { sessionId, role: 'user' as const, content: 'retry me', clientKey: 'step-41' },
      { sessionId, role: 'assistant' as const, content: '', clientKey: 'step-42' },
    ],
    toolCalls: [
      {
        sessionId,
        toolCallId: 'toolu_42',
        clientKey: 'step-42.call',
        toolName: 'q',
        request: { sql: 'SELECT 1' },
        messageIndex: 1,
      },
    ],
  };
  const first = await store.appendBatch(batch);
  const again = await store.appendBatch(batch);
  expect(again).toEqual(first);
  expect(await store.countMessages(sessionId)).toBe(before + 2);
  expect(await store.countToolCalls(sessionId)).toBe(1);
}

describe('paging a 200,000-message session', () => {
  it('SQLite reads a page near the end through idx_agent_messages_session_created', async () => {
    const store = (await createStorage(`sqlite:${join(dir, 'long.db')}`)) as SqlAgentStorage;
    const sessionId = await fill(store);
    const near = await store.executor.get<{ id: string; created_at: number }>(
      'SELECT CAST(id AS TEXT) AS id, created_at FROM agent_messages WHERE session_id = ? ORDER BY created_at DESC, id DESC LIMIT 1 OFFSET 100',
      [sessionId],
    );
    const cursor = encodeCursor(`messages:${sessionId}`, {
      key: near?.created_at as number,
      id: near?.id as string,
    });
    const page = await store.getMessagesPage(sessionId, { after: cursor, limit: 50 });
    expect(page.items.map((m) => m.content)).toEqual(
      Array.from({ length: 50 }, (_, i) => `message ${MESSAGES - 100 + i}`),
    );

    const sql = statements(store.dialect.syntax).page(SCHEMA.messages, 'after').text;
    const plan = await store.executor.all<{ detail: string }>(`EXPLAIN QUERY PLAN ${sql}`, [
      sessionId,
      near?.created_at as number,
      near?.id as string,
      51,
    ]);
    const details = plan.map((p) => p.detail).join('\n');
    expect(details).toMatch(
      /SEARCH x USING INDEX idx_agent_messages_session_created \(session_id=\? AND created_at>\?\)|USING INDEX idx_agent_messages_session_created/,
    );
    expect(details).not.toMatch(/TEMP B-TREE|SCAN x\b/);

    // The latest 50 (from: 'end'): the same index read backward, no sort.
    const latest = await store.getMessagesPage(sessionId, { from: 'end', limit: 50 });
    expect(latest.items.map((m) => m.content)).toEqual(
      Array.from({ length: 50 }, (_, i) => `message ${MESSAGES - 50 + i}`),
    );
    for (const table of [SCHEMA.messages, SCHEMA.toolCalls]) {
      const last = statements(store.dialect.syntax).page(table, 'last').text;
      const lastPlan = (
        await store.executor.all<{ detail: string }>(`EXPLAIN QUERY PLAN ${last}`, [sessionId, 51])
      )
        .map((p) => p.detail)
        .join('\n');
      expect(lastPlan).toMatch(/SEARCH x USING INDEX idx_agent_\w+_session_created \(session_id=\?\)/);
      expect(lastPlan).not.toMatch(/TEMP B-TREE|SCAN x\b/);
    }
    // What deleting a session looks up (ON DELETE SET NULL, the references of questions and
    // settings) goes through an index, not a scan of every other session's rows.
    for (const [table, column] of [
      ['agent_tool_calls', 'message_id'],
      ['project_requirements_qna', 'tool_call_id'],
      ['project_settings', 'tool_call_id'],
    ]) {
      const lookup = (
        await store.executor.all<{ detail: string }>(
          `EXPLAIN QUERY PLAN SELECT 1 FROM ${table} WHERE ${column} = ?`,
          [1],
        )
      )
        .map((p) => p.detail)
        .join('\n');
      expect(lookup, `${table}.${column}`).toMatch(/USING (COVERING )?INDEX/);
    }

    await retriedBatchLeavesOneCopy(store, sessionId);
    await store.close();
  });

  it.runIf(pgUrl)('Postgres reads a page near the end through an index scan, without sorting', async () => {
    const url = new URL(pgUrl as string);
    url.searchParams.set('schema', schema);
    const store = (await createStorage(url.toString())) as SqlAgentStorage;
    const sessionId = await fill(store);
    await store.executor.exec(`ANALYZE "${schema}".agent_messages`);
    const near = await store.executor.get<{ id: string; created_at: number }>(
      `SELECT id::text AS id, created_at FROM "${schema}".agent_messages WHERE session_id = $1::bigint ORDER BY created_at DESC, id DESC LIMIT 1 OFFSET 100`,
      [sessionId],
    );
    const cursor = encodeCursor(`messages:${sessionId}`, {
      key: near?.created_at as number,
      id: near?.id as string,
    });
    const page = await store.getMessagesPage(sessionId, { after: cursor, limit: 50 });
    expect(page.items.map((m) => m.content)).toEqual(
      Array.from({ length: 50 }, (_, i) => `message ${MESSAGES - 100 + i}`),
    );

    const sql = statements(store.dialect.syntax).page(SCHEMA.messages, 'after').text;
    const rows = await store.executor.all<{ 'QUERY PLAN': string }>(`EXPLAIN (FORMAT TEXT) ${sql}`, [
      sessionId,
      near?.created_at as number,
      near?.id as string,
      51,
    ]);
    const plan = rows.map((r) => r['QUERY PLAN']).join('\n');
    expect(plan).toMatch(/Index (Only )?Scan using idx_agent_messages_session_created/);
    expect(plan).not.toMatch(/\bSort\b|Seq Scan/);

    const latest = await store.getMessagesPage(sessionId, { from: 'end', limit: 50 });
    expect(latest.items.map((m) => m.content)).toEqual(
      Array.from({ length: 50 }, (_, i) => `message ${MESSAGES - 50 + i}`),
    );
    const last = statements(store.dialect.syntax).page(SCHEMA.messages, 'last').text;
    const lastPlan = (
      await store.executor.all<{ 'QUERY PLAN': string }>(`EXPLAIN (FORMAT TEXT) ${last}`, [sessionId, 51])
    )
      .map((r) => r['QUERY PLAN'])
      .join('\n');
    expect(lastPlan).toMatch(/Index (Only )?Scan Backward using idx_agent_messages_session_created/);
    expect(lastPlan).not.toMatch(/\bSort\b|Seq Scan/);

    await retriedBatchLeavesOneCopy(store, sessionId);
    await store.close();
  });
});
