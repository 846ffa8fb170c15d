import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { unixSeconds } from '../contract/clock.js';
import { AgentStorageError } from '../contract/errors.js';
import { adoptable, syncOriginHistory } from './adoption.js';
import type { SqlDialect } from './dialect.js';
import type { SqlExecutor } from './executor.js';

/** The table that records applied migrations, one row per file, with its checksum. */
export const MIGRATION_LOG = 'agent_storage_migrations';

export interface MigrationFile {
  /** `0001_create_agent_sessions`: the file name without `.up.sql`. */
  name: string;
  up: string;
  down: string | null;
  /**
   * Optional `NNNN_name.check.sql`: a query run before the up file; any row it returns
   * stops the migration with `MIGRATION`, listing the rows (duplicates a new unique index
   * would refuse, say), so the operator can fix the data first. Nothing is lost either way.
   */
  check: string | null;
  /** sha256 of the up file with line endings normalised to LF. */
  checksum: string;
  /**
   * Optional `NNNN_name.previous-checksums`: checksums an earlier release's version of the
   * up file had (one per line; `#` comments). A database that recorded one is accepted, and
   * the next migration run records the current checksum. A file is only ever replaced this
   * way together with a later migration that brings databases migrated with the old version
   * to the same schema.
   */
  previousChecksums: readonly string[];
}

export interface MigratorConfig {
  adapter: string;
  executor: SqlExecutor;
  dialect: SqlDialect;
  /** Default: the files in `migrations/<dialect.name>/`. */
  migrations?: readonly MigrationFile[];
  /** Source of `applied_at` (Unix seconds). Default: the store's clock, else `Math.floor(Date.now() / 1000)`. */
  clock?: () => number;
}

export interface MigrationStatus {
  applied: string[];
  pending: string[];
  /** Applied migrations whose recorded checksum is a previous one of the file (updated on the next run). */
  outdated?: string[];
}

/**
 * Where `migrateTo` and `migrationPlan` take the schema: a migration's name
 * (`'0005_create_project_settings'`, or its number `'0005'`), which is then the newest
 * applied migration; or `0`, before the first (every migration reverted).
 */
export type MigrationTarget = string | 0;

/** One step of a migration run, as `migrationPlan` lists it and `migrateTo` takes it. */
export interface MigrationStep {
  name: string;
  direction: 'up' | 'down';
  /** The file's SQL (`NNNN_name.up.sql` or `.down.sql`); empty for an adopted migration. */
  sql: string;
  /** Up only: the `NNNN_name.check.sql` query run first; any row it returns stops the run. */
  check?: string;
  /** Recorded as applied without running: its table exists, made by another program (nocodo). */
  adopted?: true;
}

/** Finds `migrations/` at the package root, whether running from `src/` or from `dist/src/`. */
function migrationsRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'migrations')))
      return join(dir, 'migrations');
    const parent = dirname(dir);
    if (parent === dir) throw new Error('agent-storage-kit: cannot find its migrations/ folder');
    dir = parent;
  }
}

export function checksumOf(sql: string): string {
  return createHash('sha256').update(sql.replace(/\r\n?/g, '\n')).digest('hex');
}

const cache = new Map<string, MigrationFile[]>();

/** Reads `migrations/<dialect>/NNNN_name.up.sql` (and `.down.sql`) in name order. */
export function loadMigrations(dialect: string): MigrationFile[] {
  const cached = cache.get(dialect);
  if (cached) return cached;
  const dir = join(migrationsRoot(), dialect);
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.up.sql'))
    .sort()
    .map((f): MigrationFile => {
      const name = f.slice(0, -'.up.sql'.length);
      const up = readFileSync(join(dir, f), 'utf8');
      const optional = (suffix: string) => {
        const path = join(dir, `${name}.${suffix}.sql`);
        return existsSync(path) ? readFileSync(path, 'utf8') : null;
      };
      const previousFile = join(dir, `${name}.previous-checksums`);
      const previous = (existsSync(previousFile) ? readFileSync(previousFile, 'utf8') : '')
        .split('\n')
        .map((line) => line.trim())
        .filter((line) => line !== '' && !line.startsWith('#'));
      return {
        name,
        up,
        down: optional('down'),
        check: optional('check'),
        checksum: checksumOf(up),
        previousChecksums: previous,
      };
    });
  cache.set(dialect, files);
  return files;
}

function fail(config: MigratorConfig, message: string, cause?: unknown): never {
  throw new AgentStorageError(
    'MIGRATION',
    message,
    cause === undefined ? { adapter: config.adapter } : { adapter: config.adapter, cause },
  );
}

/**
 * Compares the database's log with this release's files. Refuses (`MIGRATION`) a
 * database that holds a migration this release does not know (a newer release wrote
 * it) or whose recorded checksum differs from the file (the file was edited after it
 * was applied). Returns what is applied and what is pending.
 */
async function check(
  config: MigratorConfig,
  db: SqlExecutor,
  files: readonly MigrationFile[],
): Promise<MigrationStatus> {
  const sql = config.dialect.migrationSql;
  const logged =
    (await db.get(sql.hasLog, [])) === undefined
      ? []
      : await db.all<{ name: string; checksum: string }>(sql.selectLog, []);
  const byName = new Map(files.map((f) => [f.name, f]));
  for (const row of logged) {
    const file = byName.get(row.name);
    if (file === undefined) {
      fail(
        config,
        `the database has migration ${row.name}, which this release does not know: it was written by a newer release of agent-storage-kit; upgrade before opening it`,
      );
    }
    if (file.checksum !== row.checksum && !file.previousChecksums.includes(row.checksum)) {
      fail(
        config,
        `migration file migrations/${config.dialect.name}/${row.name}.up.sql changed after it was applied (checksum ${row.checksum.slice(0, 12)}… recorded, ${file.checksum.slice(0, 12)}… now); restore it and add a new migration instead`,
      );
    }
  }
  const applied = new Set(logged.map((r) => r.name));
  const outdated = logged.filter((r) => byName.get(r.name)?.checksum !== r.checksum).map((r) => r.name);
  return {
    applied: files.filter((f) => applied.has(f.name)).map((f) => f.name),
    pending: files.filter((f) => !applied.has(f.name)).map((f) => f.name),
    ...(outdated.length > 0 ? { outdated } : {}),
  };
}

/** Reports applied and pending migrations. Only reads: no lock, no log table created. */
export async function migrationStatus(config: MigratorConfig): Promise<MigrationStatus> {
  return check(config, config.executor, config.migrations ?? loadMigrations(config.dialect.name));
}

/**
 * How many of `files` are applied once `to` is reached: a migration's name, or its number
 * (`'0005'`) when one file has it, keeps it and every earlier one; `0` keeps none;
 * `undefined` keeps them all. Any other name is `INVALID_INPUT`, listing the known ones.
 */
function kept(
  config: Pick<MigratorConfig, 'adapter'> & { dialect: { name: string } },
  files: readonly MigrationFile[],
  to: MigrationTarget | undefined,
): number {
  if (to === undefined) return files.length;
  if (to === 0) return 0;
  const exact = files.findIndex((f) => f.name === to);
  const numbered = /^[0-9]+$/.test(to) ? files.filter((f) => f.name.startsWith(`${to}_`)) : [];
  const index =
    exact !== -1 ? exact : numbered.length === 1 ? files.indexOf(numbered[0] as MigrationFile) : -1;
  if (index === -1) {
    throw new AgentStorageError(
      'INVALID_INPUT',
      `there is no migration ${JSON.stringify(to)} in migrations/${config.dialect.name}/ (known: ${files.map((f) => f.name).join(', ')}; 0 for none)`,
      { adapter: config.adapter, field: 'to' },
    );
  }
  return index + 1;
}

/**
 * Checks that `to` names one of `dialect`'s migrations (as `migrateTo` would) without a
 * database: `INVALID_INPUT` (field `to`) listing the known ones, else nothing.
 */
export function checkTarget(adapter: string, dialect: string, to: MigrationTarget): void {
  kept({ adapter, dialect: { name: dialect } }, loadMigrations(dialect), to);
}

/**
 * The steps that take a database with `applied` (after adopting `adopted`) to the first
 * `keep` files applied and no later one: reverts newest first, then applies oldest first.
 */
function stepsTo(
  config: MigratorConfig,
  files: readonly MigrationFile[],
  status: { applied: readonly string[]; adopted: readonly MigrationFile[] },
  keep: number,
  only?: 'up' | 'down',
): MigrationStep[] {
  const applied = new Set([...status.applied, ...status.adopted.map((f) => f.name)]);
  const adopted = status.adopted.map(
    (f): MigrationStep => ({ name: f.name, direction: 'up', sql: '', adopted: true }),
  );
  const down = files
    .filter((f, i) => i >= keep && applied.has(f.name))
    .reverse()
    .map((f): MigrationStep => {
      if (f.down === null) fail(config, `migration ${f.name} has no down file`);
      return { name: f.name, direction: 'down', sql: f.down };
    });
  const up = files
    .filter((f, i) => i < keep && !applied.has(f.name))
    .map(
      (f): MigrationStep => ({
        name: f.name,
        direction: 'up',
        sql: f.up,
        ...(f.check === null ? {} : { check: f.check }),
      }),
    );
  return [...adopted, ...(only === 'up' ? [] : down), ...(only === 'down' ? [] : up)];
}

/**
 * What `migrateTo(config, to)` would do now, step by step with each file's SQL, without
 * doing it: only reads (no lock, no log table). Refuses (`MIGRATION`) what a run would
 * refuse: an edited or unknown applied migration, a database that cannot be adopted, a
 * revert without a down file.
 */
export async function migrationPlan(config: MigratorConfig, to?: MigrationTarget): Promise<MigrationStep[]> {
  const files = config.migrations ?? loadMigrations(config.dialect.name);
  return (await plan(config, config.executor, files, kept(config, files, to))).steps;
}

/** The steps `stepsTo` gives for the database as it is now, and its status. Only reads. */
async function plan(
  config: MigratorConfig,
  db: SqlExecutor,
  files: readonly MigrationFile[],
  keep: number,
  only?: 'up' | 'down',
): Promise<{ status: MigrationStatus; steps: MigrationStep[] }> {
  const status = await check(config, db, files);
  // Nothing logged yet: tables another program made are adopted, unless nothing is to stay applied.
  const adopted = status.applied.length === 0 && keep > 0 ? await adoptable(config, db, files) : [];
  return { status, steps: stepsTo(config, files, { applied: status.applied, adopted }, keep, only) };
}

/**
 * Applies every pending migration. Everything runs in one write transaction that
 * first takes the dialect's lock, so concurrent migrators queue and each file is
 * applied exactly once, and a migration commits together with its log row (Umzug
 * alone provides neither). Resolves to the names applied (not those adopted).
 */
export async function migrateUp(config: MigratorConfig): Promise<string[]> {
  return names(await migrate(config, undefined), 'up');
}

/** Reverts applied migrations down to and including `to` (default: all of them), newest first. */
export async function migrateDown(config: MigratorConfig, to: MigrationTarget = 0): Promise<string[]> {
  const files = config.migrations ?? loadMigrations(config.dialect.name);
  const keep = to === 0 ? 0 : kept(config, files, to) - 1;
  return names(await migrate(config, keep, 'down'), 'down');
}

/**
 * Takes the schema to `to` (see `MigrationTarget`; `undefined`: every migration applied),
 * reverting newer migrations and applying missing older ones, in one transaction as
 * `migrateUp` does. Resolves to the steps taken, as `migrationPlan` listed them.
 */
export async function migrateTo(config: MigratorConfig, to?: MigrationTarget): Promise<MigrationStep[]> {
  return migrate(config, kept(config, config.migrations ?? loadMigrations(config.dialect.name), to));
}

const names = (steps: readonly MigrationStep[], direction: 'up' | 'down') =>
  steps.filter((s) => s.direction === direction && s.adopted === undefined).map((s) => s.name);

async function migrate(
  config: MigratorConfig,
  keep: number | undefined,
  only?: 'up' | 'down',
): Promise<MigrationStep[]> {
  // Read first, outside any transaction: a schema already there needs no lock, no CREATE SCHEMA,
  // hence no write privilege (an app role may open a store its owner migrated). Work to do,
  // or a newer or edited migration, goes on to (or fails in) the locked path.
  const files = config.migrations ?? loadMigrations(config.dialect.name);
  const target = keep ?? files.length;
  // Adoption reads several tables, which only the lock keeps consistent with the log; a
  // database that could need it has nothing logged, so has work to do unless `keep` is 0.
  const status = await check(config, config.executor, files);
  const steps = stepsTo(config, files, { applied: status.applied, adopted: [] }, target, only);
  if (steps.length === 0 && status.outdated === undefined) return [];
  return run(config, files, target, only);
}

async function run(
  config: MigratorConfig,
  files: readonly MigrationFile[],
  keep: number,
  only: 'up' | 'down' | undefined,
): Promise<MigrationStep[]> {
  const sql = config.dialect.migrationSql;
  const clock = config.clock ?? unixSeconds;
  const checksums = new Map(files.map((f) => [f.name, f.checksum]));
  try {
    return await config.executor.transaction(async (tx) => {
      if (sql.lock !== null) await tx.exec(sql.lock);
      // Planned again under the lock: another migrator may have run since the read above.
      const { status, steps } = await plan(config, tx, files, keep, only);
      await tx.exec(sql.createLog);
      for (const name of status.outdated ?? []) {
        await tx.run(sql.updateLog, [checksums.get(name) as string, name]);
      }
      for (const s of steps.filter((s) => s.adopted)) {
        await tx.run(sql.insertLog, [s.name, checksums.get(s.name) as string, clock()]);
      }
      // Loaded only when there is work: umzug's entry loads its CLI's dependencies too (~150 ms
      // at startup), which every process opening an already-migrated store would otherwise pay.
      const { Umzug } = await import('umzug');
      const umzug = new Umzug<SqlExecutor>({
        context: tx,
        logger: undefined,
        migrations: files.map((f) => ({
          name: f.name,
          up: async ({ context }) => {
            if (f.check !== null) {
              const rows = await context.all<Record<string, unknown>>(f.check, []);
              if (rows.length > 0) {
                const shown = rows
                  .slice(0, 20)
                  .map((r) => JSON.stringify(r, (_k, v) => (typeof v === 'bigint' ? String(v) : v)));
                fail(
                  config,
                  `migration ${f.name} cannot be applied until these rows are fixed (${rows.length}): ${shown.join(', ')}${rows.length > 20 ? ', …' : ''}`,
                );
              }
            }
            await context.exec(f.up);
          },
          down: ({ context }) =>
            f.down === null ? fail(config, `migration ${f.name} has no down file`) : context.exec(f.down),
        })),
        storage: {
          executed: async ({ context }) =>
            (await context.all<{ name: string }>(sql.selectLog, [])).map((r) => r.name),
          logMigration: async ({ name, context }) => {
            await context.run(sql.insertLog, [name, checksums.get(name) as string, clock()]);
          },
          unlogMigration: async ({ name, context }) => {
            await context.run(sql.deleteLog, [name]);
          },
        },
      });
      const down = names(steps, 'down');
      if (down.length > 0) await umzug.down({ migrations: down });
      await umzug.up({ migrations: names(steps, 'up') });
      if (down.length > 0) await syncOriginHistory(config, tx, files, 'down');
      await syncOriginHistory(config, tx, files, 'up');
      return steps;
    });
  } catch (e) {
    if (e instanceof AgentStorageError) throw e;
    // A check file's refusal comes back wrapped by Umzug; it is already the error to report.
    const cause = (e as { cause?: unknown })?.cause;
    if (cause instanceof AgentStorageError && cause.code === 'MIGRATION') throw cause;
    // Umzug wraps a failing migration in a MigrationError; keep it as the cause.
    fail(config, `migrating failed: ${e instanceof Error ? e.message : String(e)}`, e);
  }
}
