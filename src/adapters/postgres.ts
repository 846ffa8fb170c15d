import { createHash } from 'node:crypto';
import pg from 'pg';
import type { StorageOptions } from '../contract/storage.js';
import type { SqlExecutor, SqlValue } from '../core/executor.js';
import { SqlAgentStorage } from '../core/sql-storage.js';
import { checkSchemaName, mapPgError, postgresDialect } from '../dialects/postgres.js';

export interface PostgresOptions extends StorageOptions {
  /** Schema holding the tables, created by `migrate()`. Default `public`. */
  schema?: string | undefined;
  /** Pool size when the adapter makes the pool. Default 10. */
  max?: number | undefined;
  /** How long to wait for a connection before `UNAVAILABLE`. Default 10 000 ms. */
  connectionTimeoutMs?: number | undefined;
}

const ADAPTER = 'postgres';
const INT8 = 20;
const JSON_OID = 114;

/**
 * Per-query type parsers, so a caller's pool keeps its own: int8 as a number when it is
 * a safe integer (else the exact text, which the decoder reports as CORRUPT_DATA rather
 * than rounding), json as its text (the shared decoder parses it, exactly as for SQLite).
 */
const types = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === INT8) {
      return (value: string) => {
        const n = Number(value);
        return Number.isSafeInteger(n) ? n : value;
      };
    }
    if (oid === JSON_OID) return (value: string) => value;
    return pg.types.getTypeParser(oid, format);
  },
};

type Queryable = pg.Pool | pg.PoolClient;

/**
 * A `SqlExecutor` over a pg pool. Single statements go straight to the pool (one round
 * trip, named so each connection prepares them once); a transaction runs on one
 * checked-out client.
 */
class PgExecutor implements SqlExecutor {
  readonly #pool: pg.Pool;
  readonly #owned: boolean;
  readonly #names = new Map<string, string>();

  constructor(pool: pg.Pool, owned: boolean) {
    this.#pool = pool;
    this.#owned = owned;
  }

  run = (sql: string, params: readonly SqlValue[]) => this.#run(this.#pool, sql, params);
  get = <Row>(sql: string, params: readonly SqlValue[]) => this.#get<Row>(this.#pool, sql, params);
  all = <Row>(sql: string, params: readonly SqlValue[]) => this.#all<Row>(this.#pool, sql, params);
  exec = (sql: string) => this.#exec(this.#pool, sql);

  async transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    const client = await this.#pool.connect().catch((e: unknown) => Promise.reject(mapPgError(ADAPTER, e)));
    // The pool's 'error' listener covers idle clients only: a checked-out client that loses
    // its server emits 'error' on itself, which unheard would crash the process. The query
    // in flight rejects on its own (UNAVAILABLE); the client is destroyed, not pooled.
    let lost: unknown;
    const onError = (e: unknown) => {
      lost = e;
    };
    client.on('error', onError);
    const tx: SqlExecutor = {
      run: (sql, params) => this.#run(client, sql, params),
      get: (sql, params) => this.#get(client, sql, params),
      all: (sql, params) => this.#all(client, sql, params),
      exec: (sql) => this.#exec(client, sql),
      transaction: (inner) => inner(tx),
      close: () => Promise.reject(new Error('close() inside a transaction')),
    };
    let broken: unknown;
    try {
      await this.#exec(client, 'BEGIN');
      const result = await fn(tx);
      await this.#exec(client, 'COMMIT');
      return result;
    } catch (e) {
      await client.query('ROLLBACK').catch((rollbackError: unknown) => {
        broken = rollbackError; // the connection is unusable: destroy it instead of pooling it
      });
      throw e;
    } finally {
      const reason = lost ?? broken;
      // A destroyed client keeps the listener: its socket may still report the loss later.
      if (reason === undefined) client.off('error', onError);
      client.release(
        reason === undefined ? undefined : reason instanceof Error ? reason : new Error(String(reason)),
      );
    }
  }

  async close(): Promise<void> {
    if (this.#owned) await this.#pool.end();
  }

  async #query(on: Queryable, sql: string, params: readonly SqlValue[]): Promise<pg.QueryResult> {
    let name = this.#names.get(sql);
    if (name === undefined) {
      // Named by content: two stores sharing a pool (other schemas) never reuse a name for other text.
      name = `agent_storage_${createHash('sha256').update(sql).digest('hex').slice(0, 24)}`;
      this.#names.set(sql, name);
    }
    try {
      return await on.query({ name, text: sql, values: params as SqlValue[], types });
    } catch (e) {
      throw mapPgError(ADAPTER, e);
    }
  }

  async #run(on: Queryable, sql: string, params: readonly SqlValue[]): Promise<number> {
    return (await this.#query(on, sql, params)).rowCount ?? 0;
  }

  async #get<Row>(on: Queryable, sql: string, params: readonly SqlValue[]): Promise<Row | undefined> {
    return (await this.#query(on, sql, params)).rows[0] as Row | undefined;
  }

  async #all<Row>(on: Queryable, sql: string, params: readonly SqlValue[]): Promise<Row[]> {
    return (await this.#query(on, sql, params)).rows as Row[];
  }

  async #exec(on: Queryable, sql: string): Promise<void> {
    try {
      await on.query(sql);
    } catch (e) {
      throw mapPgError(ADAPTER, e);
    }
  }
}

/**
 * PostgreSQL through `pg`, for apps that outgrow one machine.
 *
 * Accepts a connection string (`postgres://…`) or an existing `pg.Pool`, which it uses
 * but never ends. Tables live in `options.schema` (default `public`). It runs no DDL:
 * call `migrate()` (or use `createStorage`, which does) before use.
 */
export class PostgresAgentStorage extends SqlAgentStorage {
  constructor(connection: string | pg.Pool, options: PostgresOptions = {}) {
    const schema = checkSchemaName(ADAPTER, options.schema ?? 'public');
    let pool: pg.Pool;
    if (typeof connection === 'string') {
      pool = new pg.Pool({
        connectionString: connection,
        max: options.max ?? 10,
        connectionTimeoutMillis: options.connectionTimeoutMs ?? 10_000,
      });
      // An idle client that loses its server emits 'error' on the pool; unhandled, it would
      // crash the process. The next query reports UNAVAILABLE instead.
      pool.on('error', () => undefined);
    } else {
      pool = connection;
    }
    super({
      adapter: ADAPTER,
      executor: new PgExecutor(pool, typeof connection === 'string'),
      dialect: postgresDialect(schema),
      clock: options.clock,
      persistent: true,
    });
  }
}
