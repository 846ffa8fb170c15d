import { resolve } from 'node:path';
import { type Client, createClient, type InValue, type ResultSet } from '@libsql/client';
import type { StorageOptions } from '../contract/storage.js';
import type { SqlExecutor, SqlValue } from '../core/executor.js';
import { SqlAgentStorage } from '../core/sql-storage.js';
import {
  DEFAULT_BUSY_TIMEOUT_MS,
  DEFAULT_DURABILITY,
  type Durability,
  mapSqliteError,
  SYNCHRONOUS,
  sqliteDialect,
} from '../dialects/sqlite.js';

export interface LibsqlOptions extends StorageOptions {
  /** Token for a remote libSQL server (`libsql://`, `https://`). */
  authToken?: string | undefined;
  /** How long a writer waits for a local file's lock before `UNAVAILABLE`. Default 5000 ms. */
  busyTimeoutMs?: number | undefined;
  /** What an acknowledged write to a local file survives; as for `SqliteAgentStorage`. Default `normal`. */
  durability?: Durability | undefined;
}

const ADAPTER = 'libsql';
const noop = () => undefined;
const MIN_SAFE = BigInt(Number.MIN_SAFE_INTEGER);
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/** Integers arrive as bigint (exact); safe ones become numbers, the rest stay bigint for the decoder to report. */
function toRows<Row>(rs: ResultSet): Row[] {
  const { columns } = rs;
  return rs.rows.map((row) => {
    const out: Record<string, unknown> = {};
    for (let i = 0; i < columns.length; i++) {
      const v = row[i];
      out[columns[i] as string] = typeof v === 'bigint' && v >= MIN_SAFE && v <= MAX_SAFE ? Number(v) : v;
    }
    return out as Row;
  });
}

type Target = Pick<Client, 'execute'>;

/** The calls queued on one database: each runs after the one before it. */
interface Queue {
  tail: Promise<unknown>;
}

const fileQueues = new Map<string, Queue>();

/**
 * Stores on one local file in this process share one queue, for the reason a store
 * queues its own calls: a connection spinning on the busy timeout would freeze the event
 * loop that another store's open transaction needs. In-memory and remote databases get
 * a queue of their own.
 */
function queueFor(clientUrl: string, local: boolean, memory: boolean): Queue {
  if (!local || memory) return { tail: Promise.resolve() };
  const key = resolve(
    clientUrl
      .slice('file:'.length)
      .replace(/^\/\/(localhost)?/, '')
      .split('?')[0] as string,
  );
  let queue = fileQueues.get(key);
  if (queue === undefined) {
    queue = { tail: Promise.resolve() };
    fileQueues.set(key, queue);
  }
  return queue;
}

/**
 * A `SqlExecutor` over a libsql client. Every call of one store runs in turn, through one
 * queue chained synchronously at call time. A transaction holds a connection across
 * awaits: an in-memory database's only connection (other calls would fail with
 * TRANSACTION_ACTIVE), or a file's write lock (other connections would spin on the busy
 * timeout synchronously, freezing the event loop the transaction needs to finish). SQLite
 * serialises writers anyway.
 *
 * Local files get one connection (`concurrency: 1`), so that the per-connection settings
 * (`synchronous`) hold for every statement. After a statement fails with a locking or I/O
 * error, the client is reconnected before anything else runs: @libsql/client 0.18 leaves
 * such a statement unfinished, and every later autocommit write on that connection would
 * resolve without ever being committed (libsql-js PR "Reset a statement when run() fails").
 */
class LibsqlExecutor implements SqlExecutor {
  readonly #client: Client;
  readonly #shared: Queue;
  /** Statements every (re)opened local connection runs first; none for remote databases. */
  readonly #setup: readonly string[];
  #configured = false;

  constructor(client: Client, setup: readonly string[], shared: Queue) {
    this.#client = client;
    this.#shared = shared;
    this.#setup = setup;
  }

  run = (sql: string, params: readonly SqlValue[]) =>
    this.#enqueue(async () => (await this.#execute(this.#client, sql, params)).rowsAffected);
  get = <Row>(sql: string, params: readonly SqlValue[]) =>
    this.#enqueue(async () => toRows<Row>(await this.#execute(this.#client, sql, params))[0]);
  all = <Row>(sql: string, params: readonly SqlValue[]) =>
    this.#enqueue(async () => toRows<Row>(await this.#execute(this.#client, sql, params)));
  exec = (sql: string) => this.#enqueue(() => this.#call(() => this.#client.executeMultiple(sql)));

  transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    return this.#enqueue(async () => {
      // 'write' begins IMMEDIATE: the write lock is taken now, on one connection.
      const tx = await this.#call(() => this.#client.transaction('write'));
      const view: SqlExecutor = {
        run: async (sql, params) => (await this.#execute(tx, sql, params)).rowsAffected,
        get: async (sql, params) => toRows<never>(await this.#execute(tx, sql, params))[0],
        all: async (sql, params) => toRows<never>(await this.#execute(tx, sql, params)),
        exec: async (sql) => {
          await this.#call(() => tx.executeMultiple(sql));
        },
        transaction: (inner) => inner(view),
        close: () => Promise.reject(new Error('close() inside a transaction')),
      };
      try {
        const result = await fn(view);
        await this.#call(() => tx.commit());
        return result;
      } catch (e) {
        // The error that made us roll back is the one to report; a failing rollback only
        // means the transaction is gone already (tx.close() below drops the connection).
        await tx.rollback().catch(() => undefined);
        throw e;
      } finally {
        tx.close();
      }
    });
  }

  async close(): Promise<void> {
    await this.#shared.tail.catch(() => undefined);
    this.#client.close();
  }

  /** Chains `task` after every call made before it, synchronously: no call can slip in between. */
  #enqueue<T>(task: () => Promise<T>): Promise<T> {
    const result = this.#shared.tail.then(() => this.#guarded(task));
    // then(noop, noop), not catch(): the queue must not keep the last result alive.
    this.#shared.tail = result.then(noop, noop);
    return result;
  }

  /** Runs `task` on a configured connection; after a locking or I/O failure, starts over on a fresh one. */
  async #guarded<T>(task: () => Promise<T>): Promise<T> {
    if (!this.#configured) {
      for (const sql of this.#setup) await this.#call(() => this.#client.execute(sql));
      this.#configured = true;
    }
    try {
      return await task();
    } catch (e) {
      // Constraint errors finish their statement; anything else (BUSY, LOCKED, IOERR, FULL)
      // may leave it suspended, holding every later write of the connection uncommitted.
      if (this.#setup.length > 0 && (e as { code?: unknown }).code === 'UNAVAILABLE') {
        await this.#client.reconnect();
        this.#configured = false;
      }
      throw e;
    }
  }

  #execute(on: Target, sql: string, params: readonly SqlValue[]): Promise<ResultSet> {
    return this.#call(() => on.execute({ sql, args: params as InValue[] }));
  }

  async #call<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (e) {
      throw mapSqliteError(ADAPTER, e);
    }
  }
}

/** `libsql:./a.db` is a local file; `libsql://host`, `http(s)://`, `ws(s)://` are servers; `file:` passes through. */
export function libsqlClientUrl(url: string): string {
  if (url.startsWith('libsql:') && !url.startsWith('libsql://')) return `file:${url.slice('libsql:'.length)}`;
  return url;
}

/**
 * libSQL through `@libsql/client`: local SQLite files (sharing the SQLite dialect and
 * migrations with `SqliteAgentStorage`, so either can open the other's file) and remote
 * libSQL servers.
 *
 * Integers are read as bigint so none is ever rounded. A local file gets one connection,
 * set up as `SqliteAgentStorage`'s are: WAL, `synchronous` from `durability`, the busy
 * timeout.
 */
export class LibsqlAgentStorage extends SqlAgentStorage {
  constructor(url: string, options: LibsqlOptions = {}) {
    const clientUrl = libsqlClientUrl(url);
    const local = clientUrl.startsWith('file:');
    const memory = local && /^file:(:memory:|.*[?&]mode=memory)/.test(clientUrl);
    let client: Client;
    try {
      client = createClient({
        url: clientUrl,
        intMode: 'bigint',
        timeout: options.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS,
        // One connection: a PRAGMA sent through the client reaches the connection it ran on only.
        concurrency: 1,
        ...(options.authToken === undefined ? {} : { authToken: options.authToken }),
      });
    } catch (e) {
      throw mapSqliteError(ADAPTER, e);
    }
    const setup =
      local && !memory
        ? [
            'PRAGMA journal_mode = WAL',
            `PRAGMA synchronous = ${SYNCHRONOUS[options.durability ?? DEFAULT_DURABILITY]}`,
          ]
        : [];
    super({
      adapter: ADAPTER,
      executor: new LibsqlExecutor(client, setup, queueFor(clientUrl, local, memory)),
      dialect: sqliteDialect,
      clock: options.clock,
      persistent: !memory,
    });
  }
}
