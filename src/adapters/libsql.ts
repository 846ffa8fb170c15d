import { resolve } from 'node:path';
import { type Client, createClient, type InValue, type ResultSet, type Transaction } from '@libsql/client';
import { gateFor } from '../core/gate.js';
import {
  bytesDialect,
  DEFAULT_BUSY_TIMEOUT_MS,
  fileSetup,
  readBytes,
  type SqliteFileOptions,
} from '../dialects/sqlite.js';
import { type Calls, driverExecutor, type SqlValue } from '../sql/executor.js';
import { SqlAgentStorage } from '../sql/sql-storage.js';
import { clientUrl, localFile } from './libsql-url.js';

export interface LibsqlOptions extends SqliteFileOptions {
  /** Token for a remote libSQL server (`libsql://`, `https://`). */
  authToken?: string | undefined;
}

const ADAPTER = 'libsql';
const [MIN_SAFE, MAX_SAFE] = [BigInt(Number.MIN_SAFE_INTEGER), BigInt(Number.MAX_SAFE_INTEGER)];

/** Integers arrive as bigint (unsafe ones stay so); text and blobs as bytes (`bytesDialect`: so
 * should SQL of one's own sent through `executor`, where a bare blob would read as text). */
function toRows<Row>({ columns, rows }: ResultSet): Row[] {
  return rows.map((row) => {
    const out: Record<string, unknown> = {};
    for (let i = 0; i < columns.length; i++) {
      const v = row[i];
      const safe = typeof v === 'bigint' && v >= MIN_SAFE && v <= MAX_SAFE;
      out[columns[i] as string] = safe ? Number(v) : v instanceof ArrayBuffer ? readBytes(v) : v;
    }
    return out as Row;
  });
}

function callsOn(on: Client | Transaction): Calls {
  const execute = (sql: string, params: readonly SqlValue[]) =>
    on.execute({ sql, args: params as InValue[] });
  return {
    run: async (sql, params) => (await execute(sql, params)).rowsAffected,
    get: async (sql, params) => toRows<never>(await execute(sql, params))[0],
    all: async (sql, params) => toRows<never>(await execute(sql, params)),
    exec: (sql) => on.executeMultiple(sql),
  };
}

/**
 * libSQL through `@libsql/client`: local SQLite files (dialect and migrations shared with
 * `SqliteAgentStorage`, so either opens the other's file) and libSQL servers. Integers are
 * read as bigint, so none is ever rounded. Every call runs alone: a transaction holds an
 * in-memory database's only connection, or a file's write lock, across awaits.
 *
 * A local file gets one connection (`concurrency: 1`), set up as `SqliteAgentStorage`'s are
 * (a PRAGMA reaches only the connection it ran on). After a locking or I/O failure it is
 * reconnected before anything else runs: @libsql/client 0.18 leaves such a statement
 * unfinished, and every later autocommit write on that connection would resolve without
 * being committed (libsql-js PR "Reset a statement when run() fails").
 */
export class LibsqlAgentStorage extends SqlAgentStorage {
  constructor(url: string, options: LibsqlOptions = {}) {
    const target = clientUrl(url);
    const file = localFile(target);
    const map = (e: unknown) => bytesDialect.mapError(ADAPTER, e);
    const { authToken, busyTimeoutMs = DEFAULT_BUSY_TIMEOUT_MS } = options;
    let client: Client;
    try {
      const auth = authToken === undefined ? {} : { authToken };
      client = createClient({
        url: target,
        intMode: 'bigint',
        timeout: busyTimeoutMs,
        concurrency: 1,
        ...auth,
      });
    } catch (e) {
      throw map(e);
    }
    // Read-only: the client has no read-only open; query_only refuses writes on the connection.
    const setup = !file ? [] : options.readOnly ? ['PRAGMA query_only = ON'] : fileSetup(options);
    let configured = false;
    const around = async <T>(task: () => Promise<T>): Promise<T> => {
      if (!configured)
        for (const sql of setup) await client.execute(sql).catch((e) => Promise.reject(map(e)));
      configured = true;
      try {
        return await task();
      } catch (e) {
        // Constraint errors finish their statement; BUSY, LOCKED, IOERR, FULL may not.
        if (setup.length > 0 && (e as { code?: unknown }).code === 'UNAVAILABLE') {
          await client.reconnect();
          configured = false;
        }
        throw e;
      }
    };
    const begin = async () => {
      // 'write' begins IMMEDIATE: the write lock is taken now, on one connection.
      const tx = await client.transaction('write');
      return {
        ...callsOn(tx),
        commit: () => tx.commit(),
        rollback: () => tx.rollback(),
        end: () => tx.close(),
      };
    };
    const driver = { ...callsOn(client), begin, close: () => client.close() };
    const gate = gateFor(file && resolve(file));
    super({
      ...options,
      adapter: ADAPTER,
      dialect: bytesDialect,
      persistent: !target.startsWith('file:') || file !== undefined,
      executor: driverExecutor(driver, { mapError: map, gate, exclusiveCalls: true, around }),
    });
  }
}
