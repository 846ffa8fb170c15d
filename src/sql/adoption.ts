import { AgentStorageError } from '../contract/errors.js';
import { nocodoColumns, SCHEMA } from '../core/schema.js';
import type { SqlExecutor } from './executor.js';
import type { MigrationFile, MigratorConfig } from './migrator.js';

/**
 * Databases another program (nocodo) created with the tables of our first migrations: the
 * migrator adopts them (`adoptable`) and keeps that program's own migration history in step
 * (`syncOriginHistory`); see `AdoptionSpec` and docs/migrations.md.
 */

/** The columns the origin's migration gives `table` (the schema's, less the kit's own). */
function nocodoColumnsOf(table: string): string[] {
  const t = Object.values(SCHEMA).find((x) => x.name === table);
  if (t === undefined) throw new Error(`no table ${table} in the schema`);
  return nocodoColumns(t);
}

/**
 * Keeps the origin's own history (refinery's, for nocodo) in step with ours: each of its
 * migrations our log holds is recorded there as the origin would record it, unless a row
 * for that version is there already (never rewritten: it is the origin's); after reverting
 * ones, their rows are removed. Nothing is written for a database without any of them.
 */
export async function syncOriginHistory(
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
 * The leading migrations whose tables another program (nocodo-agents) already created, to
 * be recorded as applied without running them and without touching a row. Reads only.
 * Refuses (`MIGRATION`) what cannot be adopted safely: tables present out of order, a table
 * missing columns, or an origin history that lists a migration whose table is gone.
 */
export async function adoptable(
  config: MigratorConfig,
  db: SqlExecutor,
  files: readonly MigrationFile[],
): Promise<MigrationFile[]> {
  const spec = config.dialect.adoption;
  if (spec === undefined) return [];
  const found: { file: MigrationFile; table: string; missing: string[] }[] = [];
  const absent: { file: MigrationFile; table: string }[] = [];
  for (const file of files) {
    const expected = spec.migrations[file.name];
    if (expected === undefined) break;
    const columns = new Set(
      (await db.all<{ name: string }>(spec.columns, [expected.table])).map((c) => c.name),
    );
    if (columns.size === 0) absent.push({ file, table: expected.table });
    else
      found.push({
        file,
        table: expected.table,
        missing: nocodoColumnsOf(expected.table).filter((c) => !columns.has(c)),
      });
  }
  if (found.length === 0) return [];
  const history =
    (await db.get(spec.hasHistory, [])) === undefined
      ? []
      : (await db.all<{ version: number | bigint }>(spec.history, [])).map((r) => Number(r.version));
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
    throw new AgentStorageError(
      'MIGRATION',
      `the database looks partly created by ${spec.origin} and cannot be adopted as it is: ${problems.join('; ')}`,
      { adapter: config.adapter },
    );
  }
  return found.map((f) => f.file);
}
