import type { AgentStorage, Capabilities } from '../src/contract/storage.js';
import type { JsonValue } from '../src/contract/types.js';

/** Tables the suite may count or damage through `ConformanceTarget.inspect`. */
export type InspectableTable = 'agent_sessions' | 'agent_messages' | 'agent_tool_calls';

/** What an adapter author hands the suite: how to make fresh stores of their adapter. */
export interface ConformanceTarget {
  /** Shown in reports. */
  name: string;
  /**
   * Returns a fresh, empty, ready-to-use store (migrated, if the adapter has migrations)
   * that uses `clock` for omitted timestamps. Called once per requirement; the suite
   * closes every store it gets.
   */
  create(options: { clock: () => number }): Promise<AgentStorage>;
  /**
   * Optional, for persistent adapters: opens a new store over the same data as `store`
   * (which the suite has closed). Enables the durability requirements.
   */
  reopen?(store: AgentStorage, options: { clock: () => number }): Promise<AgentStorage>;
  /**
   * Optional: lets the suite look at and damage stored rows, as another program writing
   * the same database would. Enables "nothing written" row counts and the corrupt-data
   * requirements.
   */
  inspect?: {
    /** Number of rows in each table. */
    rowCounts(store: AgentStorage): Promise<Record<InspectableTable, number>>;
    /**
     * Stores `value` as-is in `column` of row `id` of `table`, bypassing validation and
     * constraints (text goes in as text, `null` as NULL).
     */
    writeRaw(
      store: AgentStorage,
      table: InspectableTable,
      id: string,
      column: string,
      value: string | null,
    ): Promise<void>;
  };
  /**
   * Optional, for persistent adapters: what the fault tier (`faults.*`, run with
   * `faults: true`) needs to put the adapter's writers in other processes and to fault them.
   */
  faults?: FaultHooks;
  /** Called once after the whole run (drop scratch databases, remove files). */
  teardown?(): Promise<void>;
}

/**
 * How a child process opens a store over the same data as a store of the suite: the child
 * imports `module` and calls its export with `options`, which must resolve to an
 * `AgentStorage`. A `.ts` module is loaded through tsx.
 */
export interface SpawnSpec {
  /** Absolute path or `file:` URL of an ES module. */
  module: string;
  /** The export to call. Default `open`. */
  export?: string;
  /** Passed to that function; must survive JSON. */
  options: JsonValue;
}

/** What the fault tier may do to a target's stores. Each hook enables the requirements that need it. */
export interface FaultHooks {
  /** How a writer in another process opens `store`'s data (`faults.*` need it). */
  spawn(store: AgentStorage): SpawnSpec | Promise<SpawnSpec>;
  /**
   * The files `store` keeps its data in (database, journal): a file-backed store. Enables
   * `faults.commit-failure`, which runs writers under a file-size limit just above them.
   */
  files?(store: AgentStorage): string[] | Promise<string[]>;
  /** Several processes may write one store at once (`faults.multi-process`). */
  multiProcess?: boolean;
  /**
   * Takes the store's write lock from outside the writers and holds it until the returned
   * function is called (`faults.lock-held`). Writers spawned with `spawn` must give up on
   * a held lock within a second or two.
   */
  holdWriteLock?(store: AgentStorage): Promise<() => Promise<void>>;
  /**
   * Cuts every connection the writers spawned for `store` have to its server, as a server
   * restart or a network fault would (`faults.connection-loss`). Server targets only.
   *
   * With `{ inTransaction: true }`, cuts only the connections inside a transaction (begun,
   * not yet ended) and resolves to how many it cut: a trial can then reach transactions
   * without also cutting each new connection as it is made, which a connecting client
   * survives in ways a transaction's client may not. A target that cannot tell cuts every
   * connection and resolves to `undefined`; the trial then relies on timing alone.
   */
  dropConnections?(store: AgentStorage, options?: { inTransaction?: boolean }): Promise<number | undefined>;
}

/** A controllable clock handed to each store. */
export interface TestClock {
  now: number;
  readonly read: () => number;
}

export interface RequirementContext {
  /** A fresh store from `target.create`. */
  store: AgentStorage;
  clock: TestClock;
  target: ConformanceTarget;
  /** Opens a second store over the same data (the suite closes it). Only for requirements that need `reopen`. */
  reopen(): Promise<AgentStorage>;
  /** Seed for randomised requirements; the report carries it so a failure can be replayed. */
  seed: number;
  /** Random runs a randomised requirement should make; `undefined`: its own default. */
  runs: number | undefined;
  /** Crash trials per fault requirement that kills writers (`faults.crash`). */
  crashTrials: number;
  /** Adds counts to the result (`trials`, `acknowledged`, `lost`, ...), for reports. */
  tally(counts: Record<string, number>): void;
}

/** A hook of the target (`faults.*` ones from `target.faults`), or a capability flag the adapter must declare. */
export type Need =
  | 'inspect'
  | 'reopen'
  | 'faults.spawn'
  | 'faults.files'
  | 'faults.multiProcess'
  | 'faults.holdWriteLock'
  | 'faults.dropConnections'
  | keyof Capabilities;

export interface Requirement {
  /** Stable id, e.g. `session.update-unknown`. */
  id: string;
  /** One line: what is required. */
  title: string;
  /**
   * What the requirement needs. An undeclared capability (`persistent`) makes it
   * `not-applicable`; a hook the target lacks (`inspect`, `reopen`) makes it `skipped`.
   */
  needs?: readonly Need[];
  run(ctx: RequirementContext): Promise<void>;
}

export interface RequirementResult {
  id: string;
  title: string;
  status: 'passed' | 'failed' | 'skipped' | 'not-applicable';
  durationMs: number;
  /** For failures: what went wrong. Otherwise: which capability or hook was missing. */
  message?: string;
  /** Counts a requirement reports (the fault tier: `trials`, `acknowledged`, `lost`, ...). */
  details?: Record<string, number>;
}

export interface ConformanceReport {
  suiteVersion: string;
  /** The target's name (`ConformanceTarget.name`). */
  target: string;
  /** The adapter's own name (`AgentStorage.adapter`). */
  adapter: string;
  capabilities: Record<string, unknown>;
  startedAt: string;
  durationMs: number;
  /** The seed the randomised requirements used: pass it back (`--seed`, `AGENT_STORAGE_SEED`) to replay. */
  seed: number;
  passed: number;
  failed: number;
  skipped: number;
  notApplicable: number;
  results: RequirementResult[];
}
