import { PGlite, type QueryOptions } from '@electric-sql/pglite';
import {
  type Calls,
  checkSchemaName,
  type Driver,
  driverExecutor,
  gateFor,
  postgresDialect,
  readBytesAsText,
  readInt8,
  SqlAgentStorage,
  type StorageOptions,
} from '../sql/index.js';

export interface PgliteOptions extends StorageOptions {
  /** Schema holding the tables, created by `migrate()`. Default `public`. URL: `?schema=`. */
  schema?: string | undefined;
  /** Queries only: Postgres starts with `default_transaction_read_only`, and the kit refuses writes. */
  readOnly?: boolean | undefined;
}

const ADAPTER = 'pglite';
// int8 as a number when safe (else the exact text, for CORRUPT_DATA); json as its text, as pg is read;
// text as UTF-8 bytes, since PGlite 0.5's own decoding drops a leading U+FEFF.
const options: QueryOptions = { parsers: { 20: readInt8, 114: (v) => v, 17: readBytesAsText } };

function driver(db: PGlite, owned: boolean): Driver {
  const calls: Calls = {
    run: async (sql, params) => (await db.query(sql, params as unknown[], options)).affectedRows ?? 0,
    get: async (sql, params) => (await db.query<never>(sql, params as unknown[], options)).rows[0],
    all: async (sql, params) => (await db.query<never>(sql, params as unknown[], options)).rows,
    exec: async (sql) => {
      await db.exec(sql);
    },
  };
  const begin = async () => {
    await calls.exec('BEGIN');
    return { ...calls, commit: () => calls.exec('COMMIT'), rollback: () => calls.exec('ROLLBACK') };
  };
  return { ...calls, begin, close: () => (owned ? db.close() : undefined) };
}

/**
 * PostgreSQL in this process (PGlite, WASM): the Postgres dialect and migrations over one
 * in-memory or on-disk database. Takes a data folder (`undefined`: in memory) or an existing
 * `PGlite`, which it uses but never closes. One connection: PGlite runs queries in order,
 * and the gate keeps other calls out of an open transaction.
 */
export class PgliteAgentStorage extends SqlAgentStorage {
  constructor(database: string | PGlite | undefined, opts: PgliteOptions = {}) {
    const readOnly = {
      startParams: [...PGlite.defaultStartParams, '-c', 'default_transaction_read_only=on'],
    };
    const db = database instanceof PGlite ? database : new PGlite(database, opts.readOnly ? readOnly : {});
    const dialect = postgresDialect(checkSchemaName(ADAPTER, opts.schema ?? 'public'), { textAsBytes: true });
    super({
      ...opts,
      adapter: ADAPTER,
      dialect,
      persistent: database !== undefined,
      executor: driverExecutor(driver(db, !(database instanceof PGlite)), {
        mapError: (e) => dialect.mapError(ADAPTER, e),
        gate: gateFor(db),
      }),
    });
  }
}
