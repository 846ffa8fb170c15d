import { fileURLToPath } from 'node:url';
import { libsqlTarget, postgresTarget, sqliteTarget } from '../../conformance/targets.js';
import type { ConformanceTarget, SpawnSpec } from '../../conformance/types.js';

const MODULE = fileURLToPath(new URL('../helpers/fault-mutants.ts', import.meta.url));

/**
 * Mutants of the fault tier: modules a writer process opens instead of the real store
 * (test/helpers/fault-mutants.ts), each breaking "acknowledged means stored" the way real
 * adapters were seen to. `options` maps the real target's spawn options to the mutant's.
 */
export interface FaultMutant {
  id: string;
  name: string;
  caughtBy: string[];
  /** The built-in target whose stores it breaks. */
  base: 'sqlite' | 'libsql' | 'postgres';
  /** The export of test/helpers/fault-mutants.ts that opens it. */
  export: string;
  options(real: SpawnSpec): SpawnSpec['options'];
  /** Crash trials when `faults.crash` is what catches it. */
  crashTrials?: number;
}

const urlOf = (spec: SpawnSpec) => (spec.options as { url: string }).url;

export const faultMutants: FaultMutant[] = [
  {
    id: 'ack-before-commit',
    name: 'acknowledges writes before their commit (a group commit every 200 ms)',
    caughtBy: ['faults.crash'],
    base: 'sqlite',
    export: 'acknowledgesBeforeCommit',
    options: (real) => ({ path: urlOf(real).slice('sqlite:'.length).split('?')[0] as string }),
    crashTrials: 4,
  },
  {
    id: 'swallows-commit-errors',
    name: 'resolves a create whose commit failed (a full disk) with an id anyway',
    caughtBy: ['faults.commit-failure'],
    base: 'sqlite',
    export: 'swallowsCommitErrors',
    options: (real) => ({ url: urlOf(real) }),
  },
  {
    id: 'reuses-broken-connection',
    name: 'keeps using a connection after a statement failed with SQLITE_BUSY (libsql)',
    caughtBy: ['faults.lock-held'],
    base: 'libsql',
    export: 'reusesBrokenConnection',
    options: (real) => ({ url: urlOf(real) }),
  },
  {
    id: 'process-local-ids',
    name: 'hands out ids from a per-process counter and writes with INSERT OR REPLACE',
    caughtBy: ['faults.multi-process'],
    base: 'sqlite',
    export: 'processLocalIds',
    options: (real) => ({ url: urlOf(real) }),
  },
  {
    id: 'deaf-to-lost-connections',
    name: "has no listener for a checked-out connection's errors (pg)",
    caughtBy: ['faults.connection-loss'],
    base: 'postgres',
    export: 'deafToLostConnections',
    options: (real) => {
      const parsed = new URL(urlOf(real));
      const schema = parsed.searchParams.get('schema') as string;
      parsed.searchParams.delete('schema');
      return { connectionString: parsed.toString(), schema };
    },
  },
];

/** `target` with its writers opened by `mutant`. */
export function mutated(target: ConformanceTarget, mutant: FaultMutant): ConformanceTarget {
  const faults = target.faults as NonNullable<ConformanceTarget['faults']>;
  return {
    ...target,
    name: `${target.name} (${mutant.id})`,
    faults: {
      ...faults,
      spawn: async (store) => ({
        module: MODULE,
        export: mutant.export,
        options: mutant.options(await faults.spawn(store)),
      }),
    },
  };
}

/**
 * The real targets the fault mutants break, one per base (Postgres only when `pgUrl` is
 * given), and the teardown that removes their scratch stores.
 */
export function faultBases(pgUrl: string | undefined): {
  bases: Partial<Record<FaultMutant['base'], ConformanceTarget>>;
  teardown(): Promise<void>;
} {
  const bases: Partial<Record<FaultMutant['base'], ConformanceTarget>> = {
    sqlite: sqliteTarget(),
    libsql: libsqlTarget(),
    ...(pgUrl ? { postgres: postgresTarget(pgUrl) } : {}),
  };
  return {
    bases,
    async teardown() {
      for (const t of Object.values(bases)) await t?.teardown?.();
    },
  };
}
