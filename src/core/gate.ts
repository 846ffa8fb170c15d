import type { StoragePort } from './port.js';

/**
 * Serialises the calls on one database in this process, in the order they are made:
 * an `exclusive` call (a transaction, or every call of a driver that must run alone) runs
 * after everything queued before it and before anything queued after; a `shared` call runs
 * at once unless exclusive calls are queued, then right after them. Queueing is one promise
 * chain, so a thousand waiting calls cost a thousand callbacks, not a million wake-ups.
 *
 * A shared call must not overlap an exclusive one that starts after it: it either completes
 * synchronously (better-sqlite3, memory) or goes to a driver that runs calls in the order
 * given (PGlite).
 */
export class Gate {
  #tail: Promise<unknown> = Promise.resolve();
  #queued = 0;

  exclusive<T>(fn: () => Promise<T>): Promise<T> {
    // Always behind the tail, even with nothing queued: shared calls already chained to it
    // are not counted, and must run before this one (as they were made before it).
    this.#queued += 1;
    const run = this.#tail.then(fn);
    // Both ways to the release, not catch(): the chain must not keep the last result alive.
    this.#tail = run.then(this.#release, this.#release);
    return run;
  }

  readonly #release = () => {
    this.#queued -= 1;
  };

  /** Nothing is queued: a shared call made now runs at once. */
  get free(): boolean {
    return this.#queued === 0;
  }

  shared<T>(fn: () => T | Promise<T>): Promise<T> {
    if (this.#queued > 0) return this.#tail.then(fn);
    try {
      return Promise.resolve(fn());
    } catch (e) {
      return Promise.reject(e);
    }
  }

  /** Settles when everything queued so far has run. */
  async idle(): Promise<void> {
    while (this.#queued > 0) await this.#tail;
  }
}

// Held weakly: every open store on a file holds its gate, and once none does the entry goes
// (an app opening a database per tenant would otherwise keep a gate for every path it met).
const fileGates = new Map<string, WeakRef<Gate>>();
const forgetFile = new FinalizationRegistry<string>((path) => {
  if (fileGates.get(path)?.deref() === undefined) fileGates.delete(path);
});
const objectGates = new WeakMap<object, Gate>();

/**
 * The gate of one database, shared by every store on it in this process: `key` is its
 * absolute file path, or the driver object that holds it (a PGlite instance). A second
 * store's call must not slip into the first one's open transaction, or spin synchronously on
 * the busy timeout and freeze the event loop that transaction needs to finish. `undefined`
 * (a private in-memory database) gets a gate of its own.
 */
export function gateFor(key: string | object | undefined): Gate {
  if (key === undefined) return new Gate();
  let gate = typeof key === 'string' ? fileGates.get(key)?.deref() : objectGates.get(key);
  if (gate === undefined) {
    gate = new Gate();
    if (typeof key === 'string') {
      fileGates.set(key, new WeakRef(gate));
      forgetFile.register(gate, key);
    } else objectGates.set(key, gate);
  }
  return gate;
}

const PASS_THROUGH = new Set<PropertyKey>(['adapter', 'persistent', 'close']);

/**
 * `port` behind `gate`: `atomically` is exclusive and its unit calls `port` directly; every
 * other call is shared. For ports over memory, where a unit is atomic only if nothing else
 * runs meanwhile.
 */
export function gated<P extends StoragePort>(port: P, gate: Gate): P {
  return new Proxy(port, {
    get(target, key) {
      const value = Reflect.get(target, key, target);
      if (typeof value !== 'function') return value;
      if (PASS_THROUGH.has(key)) return value.bind(target);
      if (key === 'atomically')
        return <T>(fn: (unit: StoragePort) => Promise<T>) => gate.exclusive(() => target.atomically(fn));
      return (...args: unknown[]) =>
        gate.shared(() => (value as (...a: unknown[]) => unknown).apply(target, args));
    },
  });
}
