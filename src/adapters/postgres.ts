import { createHash } from 'node:crypto';
import pg from 'pg';
import type { StorageOptions } from '../contract/storage.js';
import { checkSchemaName, postgresDialect, readInt8 } from '../dialects/postgres.js';
import { type Calls, type Driver, driverExecutor, type SqlValue } from '../sql/executor.js';
import { SqlAgentStorage, type SqlAgentStorageConfig } from '../sql/sql-storage.js';

export interface PostgresOptions extends StorageOptions, Pick<SqlAgentStorageConfig, 'readOnly'> {
  /** Schema holding the tables, created by `migrate()`. Default `public`. URL: `?schema=`. */
  schema?: string | undefined;
  /** Pool size when the adapter makes the pool. Default 10. */
  max?: number | undefined;
  /** How long to wait for a connection before `UNAVAILABLE`. Default 10 000 ms. */
  connectionTimeoutMs?: number | undefined;
}

const ADAPTER = 'postgres';

/** Per-query type parsers, so a caller's pool keeps its own: json stays text for the shared decoder, as SQLite's does. */
const types = {
  getTypeParser: (oid: number, format?: 'text' | 'binary') =>
    oid === 20 ? readInt8 : oid === 114 ? (v: string) => v : pg.types.getTypeParser(oid, format),
};

/** Statements are named by content, so each connection prepares them once and two schemas never share a name. */
const names = new Map<string, string>();
const nameOf = (sql: string) => {
  const name =
    names.get(sql) ?? `agent_storage_${createHash('sha256').update(sql).digest('hex').slice(0, 24)}`;
  names.set(sql, name);
  return name;
};

function callsOn(on: pg.Pool | pg.PoolClient): Calls {
  const query = (sql: string, params: readonly SqlValue[]) =>
    on.query({ name: nameOf(sql), text: sql, values: params as SqlValue[], types });
  return {
    run: async (sql, params) => (await query(sql, params)).rowCount ?? 0,
    get: async (sql, params) => (await query(sql, params)).rows[0],
    all: async (sql, params) => (await query(sql, params)).rows,
    exec: async (sql) => {
      await on.query(sql);
    },
  };
}

/** A pool: single statements go straight to it (one round trip); a transaction runs on one checked-out client. */
function driver(pool: pg.Pool, owned: boolean): Driver {
  return {
    ...callsOn(pool),
    async begin() {
      // A checked-out client that loses its server emits 'error' on itself (the pool's listener
      // covers idle ones only); unheard, the process crashes. Ours goes on in the tick the pool
      // takes its own off (a backend killed as it connects sends its error with ReadyForQuery,
      // before an await resumes); the query in flight rejects (UNAVAILABLE), the client dies.
      let lost: unknown;
      const onError = (e: unknown) => {
        lost = e;
      };
      const client = await new Promise<pg.PoolClient>((resolve, reject) =>
        pool.connect((e, c) => (e || !c ? reject(e) : resolve(c.on('error', onError)))),
      );
      const calls = callsOn(client);
      await Promise.resolve(calls.exec('BEGIN')).catch((e: unknown) => {
        client.release(e instanceof Error ? e : true);
        throw e;
      });
      return {
        ...calls,
        commit: () => calls.exec('COMMIT'),
        rollback: () =>
          Promise.resolve(calls.exec('ROLLBACK')).catch((e: unknown) => {
            lost ??= e; // the connection is unusable: destroy it instead of pooling it
          }),
        end: () => {
          // A destroyed client keeps the listener: its socket may still report the loss later.
          if (lost === undefined) client.off('error', onError);
          client.release(lost === undefined ? undefined : lost instanceof Error ? lost : true);
        },
      };
    },
    close: async () => {
      if (owned) await pool.end();
    },
  };
}

/**
 * PostgreSQL through `pg`, for apps that outgrow one machine. Takes a connection string
 * (`postgres://…`) or an existing `pg.Pool`, which it uses but never ends. Tables live in
 * `options.schema` (default `public`). Runs no DDL: call `migrate()` (or use
 * `createStorage`, which does) before use.
 */
export class PostgresAgentStorage extends SqlAgentStorage {
  constructor(connection: string | pg.Pool, options: PostgresOptions = {}) {
    const schema = checkSchemaName(ADAPTER, options.schema ?? 'public');
    const dialect = postgresDialect(schema);
    let pool = connection as pg.Pool;
    if (typeof connection === 'string') {
      pool = new pg.Pool({
        connectionString: connection,
        max: options.max ?? 10,
        connectionTimeoutMillis: options.connectionTimeoutMs ?? 10_000,
      });
      // An idle client that loses its server emits 'error' on the pool; unheard, it would
      // crash the process. The next query reports UNAVAILABLE instead.
      pool.on('error', () => undefined);
    }
    super({
      ...options,
      adapter: ADAPTER,
      dialect,
      persistent: true,
      executor: driverExecutor(driver(pool, typeof connection === 'string'), {
        mapError: (e) => dialect.mapError(ADAPTER, e),
      }),
    });
  }
}
