import { closed } from './failures.js';

/**
 * A store's operations under way, and its close(): every operation is `CLOSED` once close()
 * was called, and close() waits for those under way before it releases anything — one of
 * several steps (a keyed retry's look-up, a conflict's read-back, a bulk delete's next
 * session) must not meet a released driver.
 */
export class Operations {
  readonly #adapter: string;
  /** The first close(), once called: every later one waits for it. */
  #closing: Promise<void> | undefined;
  #running = 0;
  /** What a waiting close() resumes with once nothing runs. */
  #drained: (() => void) | undefined;

  constructor(adapter: string) {
    this.#adapter = adapter;
  }

  /**
   * Runs `operation`, counted until it settles. Not `async`, and one `then` per call: after
   * a driver call has emptied the CPU's caches, each further turn of the microtask queue
   * cost an append ≈ 0.7 µs (measured), about what the whole of its validation costs.
   */
  run<T>(operation: () => Promise<T>): Promise<T> {
    if (this.#closing !== undefined) return Promise.reject(closed(this.#adapter));
    this.#running++;
    let result: Promise<T>;
    try {
      // Promise.resolve: the same promise back for a native one; a thenable or a value (a
      // subclass's `track`) made one, so that the count below is always taken back.
      result = Promise.resolve(operation());
    } catch (e) {
      result = Promise.reject(e);
    }
    return result.then(this.#ended, this.#failed) as Promise<T>;
  }

  /** Closes once: `release` runs when nothing is under way. */
  close(release: () => Promise<void>): Promise<void> {
    this.#closing ??= (
      this.#running === 0 ? Promise.resolve() : new Promise<void>((r) => (this.#drained = r))
    ).then(release);
    return this.#closing;
  }

  // Made once per store, not per call.
  readonly #ended = <T>(value: T): T => {
    if (--this.#running === 0) this.#drained?.();
    return value;
  };

  readonly #failed = (e: unknown): never => {
    if (--this.#running === 0) this.#drained?.();
    throw e;
  };
}
