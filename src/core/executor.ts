/** A scalar a statement can bind. Ids travel as decimal strings; the dialect's SQL casts them. */
export type SqlScalar = string | number | null;
/** A bound value: a scalar, or (Postgres batch inserts through `unnest`) an array of them. */
export type SqlValue = SqlScalar | readonly SqlScalar[];

/**
 * The whole surface the shared SQL core needs from a driver. Each driver file
 * implements it once (statement caching, error mapping, transactions); the
 * core never sees a driver object.
 */
export interface SqlExecutor {
  /** Runs a statement that returns no rows; resolves to the number of rows changed. */
  run(sql: string, params: readonly SqlValue[]): Promise<number>;
  /** Runs a statement and resolves to its first row, or `undefined`. */
  get<Row>(sql: string, params: readonly SqlValue[]): Promise<Row | undefined>;
  /** Runs a statement and resolves to all its rows. */
  all<Row>(sql: string, params: readonly SqlValue[]): Promise<Row[]>;
  /** Runs several statements as one script (DDL in migrations); no parameters. */
  exec(sql: string): Promise<void>;
  /**
   * Runs `fn` in one write transaction on one connection, serialised against every
   * other call on this executor: committed when `fn` resolves, rolled back when it throws.
   */
  transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T>;
  /** Releases what the executor opened; leaves a caller's own client open. */
  close(): Promise<void>;
}
