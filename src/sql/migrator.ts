import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Umzug } from 'umzug';
import { unixSeconds } from '../contract/clock.js';
import { AgentStorageError } from '../contract/errors.js';
import { nocodoColumns, SCHEMA } from '../core/schema.js';
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

/** The columns the origin's migration gives `table` (the schema's, less the kit's own). */
function nocodoColumnsOf(table: string): string[] {
  const t = Object.values(SCHEMA).find((x) => x.name === table);
  if (t === undefined) throw new Error(`no table ${table} in the schema`);
  return nocodoColumns(t);
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

/**
 * Keeps the origin's own history (refinery's, for nocodo) in step with ours: each of its
 * migrations our log holds is recorded there as the origin would record it, unless a row
 * for that version is there already (never rewritten: it is the origin's); after reverting
 * ones, their rows are removed. Nothing is written for a database without any of them.
 */
async function syncOriginHistory(
  config: MigratorConfig,
  tx: SqlExecutor,
  files: readonly MigrationFile[],
  direction: 'up' | 'down',
): Promise<void> {
  const spec = config.dialect.adoption;
  if (spec === undefined) return;
  const logged = new Set(
    (await tx.all<{ name: string }>(config.dialect.migrationSql.selectLog, [])).map((r) => r.name),
  );
  const theirs = files.filter((f) => spec.migrations[f.name] !== undefined);
  const exists = (await tx.get(spec.hasHistory, [])) !== undefined;
  const recorded = exists
    ? new Set((await tx.all<{ version: number | bigint }>(spec.history, [])).map((r) => Number(r.version)))
    : new Set<number>();
  if (direction === 'down') {
    for (const f of theirs) {
      const { version } = spec.migrations[f.name] as { version: number };
      if (!logged.has(f.name) && recorded.has(version)) {
        await tx.run(spec.deleteHistory, [version]);
        recorded.delete(version);
      }
    }
    // An empty history says nothing; the origin creates the table again when it needs it.
    if (exists && recorded.size === 0) await tx.exec(spec.dropHistory);
    return;
  }
  const applied = theirs.filter((f) => logged.has(f.name));
  if (applied.length === 0) return;
  if (!exists) await tx.exec(spec.createHistory);
  const now = new Date();
  for (const f of applied) {
    const { version, name } = spec.migrations[f.name] as { version: number; name: string };
    if (recorded.has(version)) continue;
    const { checksum, appliedOn } = spec.record(name, version, f.up.replace(/\r\n?/g, '\n'), now);
    await tx.run(spec.insertHistory, [version, name, appliedOn, checksum]);
  }
}

/**
 * Records as applied the leading migrations whose tables another program (nocodo-agents)
 * already created, without running them and without touching a row. Refuses (`MIGRATION`)
 * what cannot be adopted safely: tables present out of order, a table missing columns,
 * or an origin history that lists a migration whose table is gone.
 */
async function adopt(
  config: MigratorConfig,
  tx: SqlExecutor,
  files: readonly MigrationFile[],
  clock: () => number,
): Promise<void> {
  const spec = config.dialect.adoption;
  if (spec === undefined) return;
  const found: { file: MigrationFile; version: number; table: string; missing: string[] }[] = [];
  const absent: { file: MigrationFile; table: string }[] = [];
  for (const file of files) {
    const expected = spec.migrations[file.name];
    if (expected === undefined) break;
    const columns = new Set(
      (await tx.all<{ name: string }>(spec.columns, [expected.table])).map((c) => c.name),
    );
    if (columns.size === 0) absent.push({ file, table: expected.table });
    else
      found.push({
        file,
        version: expected.version,
        table: expected.table,
        missing: nocodoColumnsOf(expected.table).filter((c) => !columns.has(c)),
      });
  }
  if (found.length === 0) return;
  const history =
    (await tx.get(spec.hasHistory, [])) === undefined
      ? []
      : (await tx.all<{ version: number | bigint }>(spec.history, [])).map((r) => Number(r.version));
  const problems: string[] = [];
  const firstAbsent = absent[0];
  const stray = firstAbsent ? found.filter((f) => f.file.name > firstAbsent.file.name) : [];
  if (firstAbsent && stray.length > 0) {
    problems.push(
      `table ${firstAbsent.table} is missing while ${stray.map((f) => f.table).join(', ')} exist`,
    );
  }
  for (const f of found) {
    if (f.missing.length > 0) problems.push(`table ${f.table} lacks column(s) ${f.missing.join(', ')}`);
  }
  for (const version of history) {
    const gone = absent.find((a) => spec.migrations[a.file.name]?.version === version);
    if (gone)
      problems.push(`its migration history lists V${version}, but table ${gone.table} does not exist`);
  }
  if (problems.length > 0) {
    fail(
      config,
      `the database looks partly created by ${spec.origin} and cannot be adopted as it is: ${problems.join('; ')}`,
    );
  }
  for (const f of found) {
    await tx.run(config.dialect.migrationSql.insertLog, [f.file.name, f.file.checksum, clock()]);
  }
}

/** Reports applied and pending migrations without writing anything. */
export async function migrationStatus(config: MigratorConfig): Promise<MigrationStatus> {
  return check(config, config.executor, config.migrations ?? loadMigrations(config.dialect.name));
}

/**
 * Applies every pending migration. Everything runs in one write transaction that
 * first takes the dialect's lock, so concurrent migrators queue and each file is
 * applied exactly once, and a migration commits together with its log row (Umzug
 * alone provides neither).
 */
export async function migrateUp(config: MigratorConfig): Promise<string[]> {
  // Read first, outside any transaction: a current schema needs no lock, no CREATE SCHEMA,
  // hence no write privilege (an app role may open a store its owner migrated). Pending
  // work, or a newer or edited migration, goes on to (or fails in) the locked path.
  const files = config.migrations ?? loadMigrations(config.dialect.name);
  const status = await check(config, config.executor, files);
  if (status.pending.length === 0 && status.outdated === undefined) return [];
  return run(config, 'up', async (umzug) => (await umzug.up()).map((m) => m.name));
}

/** Reverts applied migrations down to and including `to` (default: all of them), newest first. */
export async function migrateDown(config: MigratorConfig, to: string | 0 = 0): Promise<string[]> {
  return run(config, 'down', async (umzug) => (await umzug.down({ to })).map((m) => m.name));
}

async function run(
  config: MigratorConfig,
  direction: 'up' | 'down',
  action: (umzug: Umzug<SqlExecutor>) => Promise<string[]>,
): Promise<string[]> {
  const files = config.migrations ?? loadMigrations(config.dialect.name);
  const sql = config.dialect.migrationSql;
  const clock = config.clock ?? unixSeconds;
  const checksums = new Map(files.map((f) => [f.name, f.checksum]));
  try {
    return await config.executor.transaction(async (tx) => {
      if (sql.lock !== null) await tx.exec(sql.lock);
      const status = await check(config, tx, files);
      await tx.exec(sql.createLog);
      for (const name of status.outdated ?? []) {
        await tx.run(sql.updateLog, [checksums.get(name) as string, name]);
      }
      if (status.applied.length === 0) await adopt(config, tx, files, clock);
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
      const names = await action(umzug);
      await syncOriginHistory(config, tx, files, direction);
      return names;
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
