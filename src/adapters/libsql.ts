import { type Client, createClient, type InValue, type ResultSet } from '@libsql/client';
import type { StorageOptions } from '../contract/storage.js';
import type { SqlExecutor, SqlValue } from '../core/executor.js';
import { SqlAgentStorage } from '../core/sql-storage.js';
import { mapSqliteError, sqliteDialect } from '../dialects/sqlite.js';

export interface LibsqlOptions extends StorageOptions {
  /** Token for a remote libSQL server (`libsql://`, `https://`). */
  authToken?: string | undefined;
  /** How long a writer waits for a local file's lock before `UNAVAILABLE`. Default 5000 ms. */
  busyTimeoutMs?: number | undefined;
}

const ADAPTER = 'libsql';

/** Integers arrive as bigint (exact); safe ones become numbers, the rest stay bigint for the decoder to report. */
function toRows<Row>(rs: ResultSet): Row[] {
  const { columns } = rs;
  return rs.rows.map((row) => {
    const out: Record<string, unknown> = {};
    for (let i = 0; i < columns.length; i++) {
      const v = row[i];
      out[columns[i] as string] =
        typeof v === 'bigint' && v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER)
          ? Number(v)
          : v;
    }
    return out as Row;
  });
}

type Target = Pick<Client, 'execute'>;

/**
 * A `SqlExecutor` over a libsql client. The client pools connections (an in-memory
 * database has just one), so calls wait while this store's transaction is open rather
 * than fail with TRANSACTION_ACTIVE.
 */
class LibsqlExecutor implements SqlExecutor {
  readonly #client: Client;
  readonly #ready: Promise<void>;
  #gate: Promise<void> | null = null;

  constructor(client: Client, ready: Promise<void>) {
    this.#client = client;
    this.#ready = ready;
  }

  async run(sql: string, params: readonly SqlValue[]): Promise<number> {
    return (await this.#execute(this.#client, sql, params, true)).rowsAffected;
  }

  async get<Row>(sql: string, params: readonly SqlValue[]): Promise<Row | undefined> {
    return toRows<Row>(await this.#execute(this.#client, sql, params, true))[0];
  }

  async all<Row>(sql: string, params: readonly SqlValue[]): Promise<Row[]> {
    return toRows<Row>(await this.#execute(this.#client, sql, params, true));
  }

  async exec(sql: string): Promise<void> {
    await this.#wait();
    await this.#call(() => this.#client.executeMultiple(sql));
  }

  async transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    await this.#wait();
    let open!: () => void;
    this.#gate = new Promise((resolve) => {
      open = resolve;
    });
    try {
      // 'write' begins IMMEDIATE: the write lock is taken now, on one connection.
      const tx = await this.#call(() => this.#client.transaction('write'));
      const view: SqlExecutor = {
        run: async (sql, params) => (await this.#execute(tx, sql, params, false)).rowsAffected,
        get: async (sql, params) => toRows<never>(await this.#execute(tx, sql, params, false))[0],
        all: async (sql, params) => toRows<never>(await this.#execute(tx, sql, params, false)),
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
        await tx.rollback().catch(() => undefined);
        throw e;
      } finally {
        tx.close();
      }
    } finally {
      this.#gate = null;
      open();
    }
  }

  async close(): Promise<void> {
    await this.#wait().catch(() => undefined);
    this.#client.close();
  }

  async #wait(): Promise<void> {
    await this.#ready;
    while (this.#gate) await this.#gate;
  }

  async #execute(on: Target, sql: string, params: readonly SqlValue[], gated: boolean): Promise<ResultSet> {
    if (gated) await this.#wait();
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
 * Integers are read as bigint so none is ever rounded; local files are switched to WAL
 * (a setting the file keeps). Each pooled connection keeps libsql's default
 * `synchronous=FULL`: a PRAGMA sent through the client reaches one connection only.
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
        timeout: options.busyTimeoutMs ?? 5000,
        ...(options.authToken === undefined ? {} : { authToken: options.authToken }),
      });
    } catch (e) {
      throw mapSqliteError(ADAPTER, e);
    }
    const ready =
      local && !memory
        ? client.execute('PRAGMA journal_mode = WAL').then(
            () => undefined,
            (e: unknown) => Promise.reject(mapSqliteError(ADAPTER, e)),
          )
        : Promise.resolve();
    ready.catch(() => undefined); // reported by the first call that waits on it
    super({
      adapter: ADAPTER,
      executor: new LibsqlExecutor(client, ready),
      dialect: sqliteDialect,
      clock: options.clock,
      persistent: !memory,
    });
  }
}
