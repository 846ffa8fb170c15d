/**
 * Deliberately broken adapters for the fault tier, as modules a writer process opens
 * (`SpawnSpec`): each breaks "acknowledged means stored" the way real adapters have.
 * The self-test (test/fault-mutants.test.ts) expects the tier to catch each one.
 */
import Database from 'better-sqlite3';
import { SqliteAgentStorage } from '../../src/adapters/better-sqlite3.js';
import { AgentStorageError } from '../../src/contract/errors.js';
import type { AgentStorage } from '../../src/contract/storage.js';
import { createStorage } from '../../src/create-storage.js';

/** Overrides some methods of `inner`; the rest pass through. */
function wrap(inner: AgentStorage, patch: Partial<AgentStorage>): AgentStorage {
  return new Proxy(inner, {
    get(target, key) {
      if (key in patch) return patch[key as keyof AgentStorage];
      const value = Reflect.get(target, key, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

/**
 * Group commit done wrong: writes run inside a transaction that commits every 200 ms, and
 * each call resolves as soon as its statement ran. A writer killed between two commits
 * loses writes it acknowledged. (Batches, which need their own transaction, fail.)
 */
export async function acknowledgesBeforeCommit(options: { path: string }): Promise<AgentStorage> {
  const db = new Database(options.path, { timeout: 1000 });
  db.pragma('journal_mode = WAL');
  const store = new SqliteAgentStorage(db);
  db.exec('BEGIN IMMEDIATE');
  const timer = setInterval(() => {
    db.exec('COMMIT');
    db.exec('BEGIN IMMEDIATE');
  }, 200);
  return wrap(store, {
    async close() {
      clearInterval(timer);
      if (db.inTransaction) db.exec('COMMIT');
      await store.close();
      db.close();
    },
  });
}

/**
 * Reports success when a write could not be committed: a create that fails with
 * UNAVAILABLE (disk full, I/O error) resolves with an id anyway.
 */
export async function swallowsCommitErrors(options: { url: string }): Promise<AgentStorage> {
  const store = await createStorage(options.url);
  let fake = 1_000_000_000;
  const swallow =
    <A extends unknown[]>(fn: (...args: A) => Promise<string>) =>
    async (...args: A): Promise<string> => {
      try {
        return await fn(...args);
      } catch (e) {
        if (e instanceof AgentStorageError && e.code === 'UNAVAILABLE') return String(fake++);
        throw e;
      }
    };
  return wrap(store, {
    createSession: swallow((s) => store.createSession(s)),
    createMessage: swallow((m) => store.createMessage(m)),
    createToolCall: swallow((t) => store.createToolCall(t)),
  });
}

/**
 * Deaf to a checked-out connection's errors: the pool's clients never get the kit's
 * `error` listener, so a server that drops a connection inside a transaction crashes
 * the process instead of failing one call with UNAVAILABLE.
 */
export async function deafToLostConnections(options: {
  connectionString: string;
  schema: string;
}): Promise<AgentStorage> {
  const { default: pg } = await import('pg');
  const { PostgresAgentStorage } = await import('../../src/adapters/postgres.js');
  const pool = new pg.Pool({ connectionString: options.connectionString, max: 4 });
  pool.on('error', () => undefined);
  // Every client ignores the 'error' listeners added with `on`, which is how the kit's
  // transactions listen; the pool's own (its idle listener, and pool.query's `once` wrapper
  // with `.listener`) are kept: the mutant is about the adapter's transactions, not the pool.
  const deaf = new WeakSet<object>();
  pool.on('acquire', (client: import('pg').PoolClient) => {
    if (deaf.has(client)) return;
    deaf.add(client);
    const on = client.on.bind(client) as (event: string, listener: (...args: unknown[]) => void) => unknown;
    client.on = ((event: string, listener: (...args: unknown[]) => void) =>
      event === 'error' && !('listener' in listener) && listener.name !== 'idleListener'
        ? client
        : on(event, listener)) as typeof client.on;
  });
  const store = new PostgresAgentStorage(pool, { schema: options.schema });
  await store.migrate();
  return wrap(store, {
    async close() {
      await store.close();
      await pool.end();
    },
  });
}

/**
 * Keeps using a connection after a failed statement: the libsql adapter without its
 * reconnect. @libsql/client leaves a statement that hit SQLITE_BUSY unfinished, and every
 * later write on that connection resolves without being committed.
 */
export async function reusesBrokenConnection(options: { url: string }): Promise<AgentStorage> {
  const { createClient } = await import('@libsql/client');
  const { SqlAgentStorage, driverExecutor, sqliteDialect } = await import('../../src/sql/index.js');
  const [path, query] = options.url.slice('libsql:'.length).split('?') as [string, string | undefined];
  const timeout = Number(new URLSearchParams(query ?? '').get('busyTimeoutMs') ?? 5000);
  const client = createClient({ url: `file:${path}`, intMode: 'number', timeout, concurrency: 1 });
  type Target = Pick<import('@libsql/client').Client, 'execute' | 'executeMultiple'>;
  const calls = (target: Target): import('../../src/sql/executor.js').Calls => ({
    run: async (sql, args) => (await target.execute({ sql, args: args as never })).rowsAffected,
    get: async (sql, args) => (await target.execute({ sql, args: args as never })).rows[0] as never,
    all: async (sql, args) => (await target.execute({ sql, args: args as never })).rows as never,
    exec: (sql) => target.executeMultiple(sql),
  });
  const executor = driverExecutor(
    {
      ...calls(client),
      begin: async () => {
        const tx = await client.transaction('write');
        return {
          ...calls(tx),
          commit: () => tx.commit(),
          rollback: () => tx.rollback(),
          end: () => tx.close(),
        };
      },
      close: () => client.close(),
    },
    { mapError: (e) => sqliteDialect.mapError('libsql', e) },
  );
  return new SqlAgentStorage({ adapter: 'libsql', executor, dialect: sqliteDialect, persistent: true });
}

/**
 * Ids from a per-process counter: each writer reads MAX(id) when it opens the store and
 * counts on from there, writing messages with `INSERT OR REPLACE`. Alone it is right; with
 * several processes two writers hand out the same id and the later write replaces the
 * earlier one, which its writer was told was stored.
 */
export async function processLocalIds(options: { url: string }): Promise<AgentStorage> {
  const store = await createStorage(options.url);
  const exec = (store as unknown as { executor: import('../../src/sql/executor.js').SqlExecutor }).executor;
  let next =
    Number((await exec.get<{ n: number | null }>('SELECT MAX(id) AS n FROM agent_messages', []))?.n ?? 0) + 1;
  return wrap(store, {
    async createMessage(m) {
      const id = next++;
      await exec.run(
        'INSERT OR REPLACE INTO agent_messages (id, session_id, role, content, created_at) VALUES (?, ?, ?, ?, ?)',
        [id, m.sessionId, m.role, m.content, m.createdAt ?? Math.floor(Date.now() / 1000)],
      );
      return String(id);
    },
  });
}
