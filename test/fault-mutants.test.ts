import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { faultRequirements } from '../conformance/requirements/index.js';
import { runRequirement } from '../conformance/run.js';
import { libsqlTarget, postgresTarget, sqliteTarget } from '../conformance/targets.js';
import type { ConformanceTarget, SpawnSpec } from '../conformance/types.js';
import { postgresUrl } from './helpers/postgres.js';

// The fault tier proves its strength like the rest of the suite: adapters that break
// "acknowledged means stored" in the ways seen in the wild must fail the requirement that
// guards it. Each mutant is a module a writer process opens (test/helpers/fault-mutants.ts).

const MUTANTS = fileURLToPath(new URL('./helpers/fault-mutants.ts', import.meta.url));
const requirement = (id: string) => {
  const found = faultRequirements.find((r) => r.id === id);
  if (!found) throw new Error(`no requirement ${id}`);
  return found;
};

/** `target` with its writers opened by a mutant: `options` maps the real spawn spec to the mutant's. */
function mutated(
  target: ConformanceTarget,
  name: string,
  options: (real: SpawnSpec) => SpawnSpec['options'],
): ConformanceTarget {
  const faults = target.faults as NonNullable<ConformanceTarget['faults']>;
  return {
    ...target,
    name: `${target.name} (${name})`,
    faults: {
      ...faults,
      spawn: async (store) => ({
        module: MUTANTS,
        export: name,
        options: options(await faults.spawn(store)),
      }),
    },
  };
}

const urlOf = (spec: SpawnSpec) => (spec.options as { url: string }).url;
const sqlite = sqliteTarget();
const libsql = libsqlTarget();
afterAll(async () => {
  await sqlite.teardown?.();
  await libsql.teardown?.();
});

// No per-test time limit: these spawn processes, and a busy machine must not fail them.
describe('the fault tier catches broken adapters', { timeout: 0 }, () => {
  it('faults.crash catches an adapter that acknowledges writes before their commit', async () => {
    const target = mutated(sqlite, 'acknowledgesBeforeCommit', (real) => ({
      path: urlOf(real).slice('sqlite:'.length).split('?')[0] as string,
    }));
    const result = await runRequirement(target, requirement('faults.crash'), { crashTrials: 4 });
    expect(result.status, result.message).toBe('failed');
    expect(result.message).toMatch(/acknowledged write\(s\) lost/);
    expect(result.details?.lost).toBeGreaterThan(0);
  });

  it('faults.commit-failure catches an adapter that swallows commit errors', async () => {
    const target = mutated(sqlite, 'swallowsCommitErrors', (real) => ({ url: urlOf(real) }));
    const result = await runRequirement(target, requirement('faults.commit-failure'));
    expect(result.status, result.message).toBe('failed');
    expect(result.details?.lost).toBeGreaterThan(0);
  });

  it('faults.lock-held catches an adapter that keeps using a connection after a failed statement', async () => {
    const target = mutated(libsql, 'reusesBrokenConnection', (real) => ({ url: urlOf(real) }));
    const result = await runRequirement(target, requirement('faults.lock-held'));
    expect(result.status, result.message).toBe('failed');
    expect(result.details?.lost).toBeGreaterThan(0);
  });

  it("faults.connection-loss catches an adapter deaf to a checked-out connection's errors", async (t) => {
    const url = await postgresUrl();
    if (!url) return t.skip('NO POSTGRES SERVER ANSWERED: not run');
    const pg = postgresTarget(url);
    try {
      const target = mutated(pg, 'deafToLostConnections', (real) => {
        const parsed = new URL(urlOf(real));
        const schema = parsed.searchParams.get('schema') as string;
        parsed.searchParams.delete('schema');
        return { connectionString: parsed.toString(), schema };
      });
      const result = await runRequirement(target, requirement('faults.connection-loss'));
      expect(result.status, result.message).toBe('failed');
      expect(result.details?.uncaught).toBe(1);
      expect(result.message).toMatch(/Unhandled 'error' event|ECONNRESET|terminat/);
    } finally {
      await pg.teardown?.();
    }
  });
});
