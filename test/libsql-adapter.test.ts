import { describe, expect, it } from 'vitest';
import type { LibsqlAgentStorage } from '../src/adapters/libsql.js';
import type { AgentStorage } from '../src/contract/storage.js';
import { createStorage } from '../src/create-storage.js';

// What is specific to libsql; the contract itself is covered by libsql.test.ts. @libsql/client
// 0.18 decodes text itself: bytes that are not UTF-8 made it abort the process (a Rust panic,
// exit 134) and U+0000 cut the text short. The kit selects every column as bytes instead.

async function withRow(
  run: (
    store: AgentStorage,
    set: (column: string, sql: string) => Promise<void>,
    id: string,
  ) => Promise<void>,
) {
  const store = await createStorage('libsql::memory:');
  const exec = (store as LibsqlAgentStorage).executor;
  const id = await store.createSession({ agentName: 'a', provider: 'p', model: 'm', userPrompt: 'u' });
  const set = async (column: string, sql: string) => {
    // The CHECK on status would refuse what another program's connection might have written.
    await exec.exec('PRAGMA ignore_check_constraints = ON');
    await exec.run(`UPDATE agent_sessions SET ${column} = ${sql} WHERE id = ?`, [id]);
  };
  try {
    await run(store, set, id);
  } finally {
    await store.close();
  }
}

describe('LibsqlAgentStorage reading what another program wrote', () => {
  it('reports text that is not UTF-8 as CORRUPT_DATA in every kind of column, instead of aborting', async () => {
    await withRow(async (store, set, id) => {
      for (const [column, sql, restore] of [
        ['user_prompt', "CAST(x'61C062' AS TEXT)", "'u'"],
        ['system_prompt', "CAST(x'FF61' AS TEXT)", 'NULL'],
        ['status', "CAST(x'C0' AS TEXT)", "'running'"],
        ['config', "CAST(x'7B7DC0' AS TEXT)", 'NULL'],
        ['started_at', "CAST(x'61C062' AS TEXT)", '5'],
      ] as const) {
        await set(column, sql);
        await expect(store.getSession(id), column).rejects.toMatchObject({
          code: 'CORRUPT_DATA',
          field: column,
        });
        await expect(store.getSession(id)).rejects.toThrow(`agent_sessions row ${id} column ${column}`);
        await expect(store.listSessions()).rejects.toMatchObject({ code: 'CORRUPT_DATA', field: column });
        await set(column, restore);
        expect(await store.getSession(id)).not.toBeNull();
      }
      await set('user_prompt', "CAST(x'61C062' AS TEXT)");
      await expect(store.getSession(id)).rejects.toThrow(/not valid UTF-8 \(3 bytes\)/);
    });
  });

  it('reads text holding U+0000 whole, where the client alone cuts it there', async () => {
    await withRow(async (store, set, id) => {
      await set('user_prompt', "'a' || char(0) || 'b'");
      expect((await store.getSession(id))?.userPrompt).toBe('a\u0000b');
    });
  });

  it('reads U+FFFD, a leading U+FEFF and other text as stored, and a blob as a blob, not text', async () => {
    await withRow(async (store, set, id) => {
      await set('user_prompt', "CAST(x'EFBBBF61EFBFBD62F09F9880' AS TEXT)");
      expect((await store.getSession(id))?.userPrompt).toBe('\uFEFFa\uFFFDb😀');
      await set('user_prompt', "x'6162'");
      await expect(store.getSession(id)).rejects.toThrow('holds a 2-byte blob, not text');
      await set('user_prompt', "x''");
      await expect(store.getSession(id)).rejects.toThrow('holds a 0-byte blob, not text');
      await set('user_prompt', "''");
      expect((await store.getSession(id))?.userPrompt).toBe('');
    });
  });

  it('reads an id column holding text as CORRUPT_DATA, not as an id and not by aborting', async () => {
    const store = await createStorage('libsql::memory:');
    const exec = (store as LibsqlAgentStorage).executor;
    const sessionId = await store.createSession({
      agentName: 'a',
      provider: 'p',
      model: 'm',
      userPrompt: 'u',
    });
    await store.createMessage({ sessionId, role: 'user', content: 'hi' });
    await exec.exec('PRAGMA foreign_keys = OFF');
    const callId = await store.createToolCall({ sessionId, toolCallId: 't', toolName: 'n', request: {} });
    await exec.run(`UPDATE agent_tool_calls SET message_id = CAST(x'61C062' AS TEXT) WHERE id = ?`, [callId]);
    await expect(store.getToolCalls(sessionId)).rejects.toMatchObject({
      code: 'CORRUPT_DATA',
      field: 'message_id',
    });
    await store.close();
  });
});
