import type { Gate } from '../core/gate.js';

/** A scalar a statement can bind. Ids travel as decimal strings; the dialect's SQL casts them. */
export type SqlScalar = string | number | null;
/** A bound value: a scalar, or (Postgres batch inserts through `unnest`) an array of them. */
export type SqlValue = SqlScalar | readonly SqlScalar[];

/**
 * The whole surface the SQL engine needs from a driver. Each driver file implements it once
 * (statement caching, error mapping to `AgentStorageError`, transactions); the engine never
 * sees a driver object. Every call that fails rejects with an `AgentStorageError` whose
 * code the dialect's error mapping chose.
 */
export interface SqlExecutor {
  /** Runs a statement that returns no rows; resolves to the number of rows changed. */
  run(sql: string, params: readonly SqlValue[]): Promise<number>;
  /**
   * Runs a statement and resolves to its first row, or `undefined`. A statement that writes
   * (`INSERT … RETURNING`) is stepped to completion before this resolves: its commit, and a
   * commit that fails, happen here — never later, unreported.
   */
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

/** The four calls a driver makes on one connection (or in one transaction). */
export interface Calls {
  run(sql: string, params: readonly SqlValue[]): Promise<number> | number;
  get<Row>(sql: string, params: readonly SqlValue[]): Promise<Row | undefined> | Row | undefined;
  all<Row>(sql: string, params: readonly SqlValue[]): Promise<Row[]> | Row[];
  exec(sql: string): Promise<void> | void;
}

/** The calls with every result a promise, every failure a rejection with the mapped error. */
export interface SettledCalls {
  run(sql: string, params: readonly SqlValue[]): Promise<number>;
  get<Row>(sql: string, params: readonly SqlValue[]): Promise<Row | undefined>;
  all<Row>(sql: string, params: readonly SqlValue[]): Promise<Row[]>;
  exec(sql: string): Promise<void>;
}

/** An open write transaction: its calls, and how it ends. */
export interface DriverTransaction extends Calls {
  commit(): Promise<void> | void;
  /** Undoes the transaction; may fail when the connection is gone (the caller reports the first error). */
  rollback(): Promise<void> | void;
  /** Runs last, however the transaction ended (releases a pooled connection). */
  end?(): void;
}

/**
 * What a driver file writes (see docs/writing-an-adapter.md): its calls, one way to open a
 * write transaction on one connection, and `close`. Calls may be synchronous. `driverExecutor`
 * adds the rest once: error mapping, the per-database gate, transaction bodies and views.
 */
export interface Driver extends Calls {
  begin(): Promise<DriverTransaction> | DriverTransaction;
  /** Releases what the driver opened (not a caller's own client). */
  close(): Promise<void> | void;
}

export interface DriverExecutorOptions {
  /** Maps a driver error to the contract's (the dialect's `mapError`, bound to the adapter). */
  mapError(error: unknown): Error;
  /**
   * Serialises this database's calls in this process (`gateFor`): transactions are exclusive,
   * other calls shared — or exclusive too with `exclusiveCalls`. None: the driver has a pool
   * and every transaction its own connection.
   */
  gate?: Gate | undefined;
  exclusiveCalls?: boolean | undefined;
  /** Wraps every call and transaction, inside the gate (libsql: reconnect after a failed statement). */
  around?: (<T>(task: () => Promise<T>) => Promise<T>) | undefined;
}

/**
 * Runs `fn`, turning a synchronous throw or a rejection into a rejection with the mapped
 * error. Not an async function: a synchronous driver's result resolves without extra turns.
 */
function attempt<T>(fn: () => Promise<T> | T, map: (e: unknown) => Error): Promise<T> {
  try {
    return settled(fn(), map);
  } catch (e) {
    return Promise.reject(map(e));
  }
}

/** A driver call's result as a promise whose rejection is the mapped error. */
function settled<T>(result: Promise<T> | T, map: (e: unknown) => Error): Promise<T> {
  return result instanceof Promise
    ? result.catch((e: unknown) => Promise.reject(map(e)))
    : Promise.resolve(result);
}

/** `on[method](sql, params)`, its result settled and a throw the mapped error, as a rejection. */
function invoke(
  on: Calls,
  method: 'run' | 'get' | 'all',
  sql: string,
  params: readonly SqlValue[],
  map: (e: unknown) => Error,
): Promise<unknown> {
  try {
    return settled<unknown>(on[method](sql, params), map);
  } catch (e) {
    return Promise.reject(map(e));
  }
}

/**
 * The `SqlExecutor` over a `Driver`: every error mapped, calls and transactions behind the
 * gate, a transaction committed when its body resolves and rolled back when it rejects —
 * reporting the body's error, never a failing rollback's.
 */
export function driverExecutor(driver: Driver, options: DriverExecutorOptions): SqlExecutor {
  const { mapError: map, gate, around } = options;
  const exclusive = <T>(task: () => Promise<T>) => {
    const wrapped = around ? () => around(task) : task;
    return gate ? gate.exclusive(wrapped) : wrapped();
  };
  const gated =
    options.exclusiveCalls || !gate ? exclusive : <T>(task: () => Promise<T>) => gate.shared(task);
  // Without a gate (a pool), calls and transactions under way are counted so that close()
  // lets them finish first: a pg pool ended under queued queries failed them after its
  // connection timeout, or left them unsettled. A gate knows its own (`idle`), and its
  // drivers' calls stay off this count's extra promise.
  let busy = 0;
  const waiting: (() => void)[] = [];
  const tracked = gate
    ? <T>(task: () => Promise<T>) => task()
    : <T>(task: () => Promise<T>): Promise<T> => {
        busy++;
        return task().finally(() => {
          if (--busy === 0) for (const wake of waiting.splice(0)) wake();
        });
      };
  const call = <T>(task: () => Promise<T>) => tracked(() => gated(task));
  // A gate's shared call runs at once when nothing is queued: then made here, without the
  // closures a queued call needs (each call on the hot path of every write and read).
  const sharedGate = gate !== undefined && !options.exclusiveCalls && around === undefined ? gate : undefined;
  // Not closures handed to `attempt`: no closure made per call. Methods, not arrows: one set
  // is made per transaction, and tsx's keepNames would name each arrow with a defineProperty.
  const calls = (on: Calls): SettledCalls => ({
    run(sql, params) {
      return invoke(on, 'run', sql, params, map) as Promise<number>;
    },
    get(sql, params) {
      return invoke(on, 'get', sql, params, map) as Promise<never>;
    },
    all(sql, params) {
      return invoke(on, 'all', sql, params, map) as Promise<never[]>;
    },
    exec(sql) {
      return attempt(async () => on.exec(sql), map);
    },
  });
  const direct = calls(driver);
  const through =
    <T>(method: (sql: string, params: readonly SqlValue[]) => Promise<T>) =>
    (sql: string, params: readonly SqlValue[]) =>
      sharedGate?.free ? method(sql, params) : call(() => method(sql, params));
  return {
    run: through(direct.run),
    get: through(direct.get) as SqlExecutor['get'],
    all: through(direct.all) as SqlExecutor['all'],
    exec: (sql) => call(() => direct.exec(sql) as Promise<void>),
    transaction: (fn) =>
      tracked(() =>
        exclusive(async () => {
          const tx = await attempt(() => driver.begin(), map);
          try {
            const result = await fn(new TransactionView(calls(tx)));
            await attempt(() => tx.commit(), map);
            return result;
          } catch (e) {
            await attempt(() => tx.rollback(), map).catch(() => undefined);
            throw e;
          } finally {
            tx.end?.();
          }
        }),
      ),
    close: async () => {
      // Without a gate, idle must hold across a turn of the event loop: an operation's next
      // statement starts in the turn its previous one settles, and must not find the pool ended.
      const idle = async () => {
        do {
          while (busy > 0) await new Promise<void>((wake) => waiting.push(wake));
          await new Promise((turn) => setImmediate(turn));
        } while (busy > 0);
      };
      await (gate ? gate.idle() : idle());
      await driver.close();
    },
  };
}

/**
 * The executor a transaction's body sees: the calls on the transaction's connection, a nested
 * `transaction` that joins the open one, and no `close`. A class: one is made per
 * transaction, and its methods are not closures made again each time.
 */
class TransactionView implements SqlExecutor {
  readonly #calls: SettledCalls;
  constructor(calls: SettledCalls) {
    this.#calls = calls;
  }
  run(sql: string, params: readonly SqlValue[]) {
    return this.#calls.run(sql, params);
  }
  get<Row>(sql: string, params: readonly SqlValue[]) {
    return this.#calls.get<Row>(sql, params);
  }
  all<Row>(sql: string, params: readonly SqlValue[]) {
    return this.#calls.all<Row>(sql, params);
  }
  exec(sql: string) {
    return this.#calls.exec(sql);
  }
  transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    return fn(this);
  }
  close(): Promise<void> {
    return Promise.reject(new Error('close() inside a transaction'));
  }
}

/** The view over a driver's own calls (they may be synchronous): for drivers written by hand. */
export function transactionView(calls: Calls): SqlExecutor {
  return new TransactionView({
    run: async (sql, params) => calls.run(sql, params),
    get: async (sql, params) => calls.get(sql, params),
    all: async (sql, params) => calls.all(sql, params),
    exec: async (sql) => calls.exec(sql),
  });
}
