import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AgentStorage } from '../src/contract/storage.js';
import type { SqlAgentStorage } from '../src/core/sql-storage.js';
import { createStorage } from '../src/create-storage.js';
import type { ConformanceTarget, InspectableTable } from './types.js';

/**
 * Conformance targets for the built-in adapters, each on scratch storage it creates and
 * removes itself: the suite never touches a user's database.
 */

export function memoryTarget(): ConformanceTarget {
  return {
    name: 'memory',
    create: ({ clock }) => createStorage({ url: 'memory:', clock }),
    inspect: {
      async rowCounts(store) {
        const { memoryTables } = await import('../src/adapters/memory.js');
        const t = memoryTables(store as never);
        return {
          agent_sessions: t.agent_sessions.size,
          agent_messages: t.agent_messages.size,
          agent_tool_calls: t.agent_tool_calls.size,
        };
      },
      async writeRaw(store, table, id, column, value) {
        const { memoryTables } = await import('../src/adapters/memory.js');
        const row = memoryTables(store as never)[table].get(id) as Record<string, unknown> | undefined;
        if (!row) throw new Error(`no ${table} row ${id}`);
        row[column] = value;
      },
    },
  };
}

/** Row counts and raw writes through a SQL store's executor, CHECK constraints bypassed as another program might. */
export function sqlInspector(options: {
  disableChecks: string | null;
  enableChecks: string | null;
}): NonNullable<ConformanceTarget['inspect']> {
  return {
    async rowCounts(store) {
      const exec = (store as SqlAgentStorage).executor;
      const count = async (table: InspectableTable) =>
        Number((await exec.get<{ n: number | string }>(`SELECT COUNT(*) AS n FROM ${table}`, []))?.n);
      return {
        agent_sessions: await count('agent_sessions'),
        agent_messages: await count('agent_messages'),
        agent_tool_calls: await count('agent_tool_calls'),
      };
    },
    async writeRaw(store, table, id, column, value) {
      const exec = (store as SqlAgentStorage).executor;
      if (options.disableChecks) await exec.exec(options.disableChecks);
      try {
        await exec.run(`UPDATE ${table} SET ${column} = ? WHERE id = ?`, [value, id]);
      } finally {
        if (options.enableChecks) await exec.exec(options.enableChecks);
      }
    },
  };
}

/** better-sqlite3 on files in a fresh temporary folder. */
export function sqliteTarget(): ConformanceTarget {
  const dir = mkdtempSync(join(tmpdir(), 'agent-storage-conformance-'));
  const paths = new WeakMap<AgentStorage, string>();
  let n = 0;
  const open = async (path: string, clock: () => number) => {
    const store = await createStorage({ url: `sqlite:${path}`, clock });
    paths.set(store, path);
    return store;
  };
  return {
    name: 'sqlite',
    create: ({ clock }) => open(join(dir, `store-${++n}.db`), clock),
    reopen: (store, { clock }) => open(paths.get(store) as string, clock),
    inspect: sqlInspector({
      disableChecks: 'PRAGMA ignore_check_constraints = ON',
      enableChecks: 'PRAGMA ignore_check_constraints = OFF',
    }),
    async teardown() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The targets `agent-storage verify` runs when no URL is given. */
export function builtInTargets(): ConformanceTarget[] {
  return [memoryTarget(), sqliteTarget()];
}
