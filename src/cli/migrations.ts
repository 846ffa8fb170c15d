import { isAgentStorageError } from '../contract/errors.js';
import { redactUrl } from '../contract/redact.js';
import { isMigratable } from '../registry.js';
import { checkTarget, type MigrationStep, type MigrationTarget } from '../sql/migrator.js';
import { type CliIo, EXIT, flagError, UsageError, writeLine } from './io.js';
import { adapterFor, open } from './stores.js';

/**
 * `agent-storage status` and `agent-storage migrate`. Status and `migrate --dry-run` open the
 * store read-only: a missing database is reported (`NOT_FOUND`, thrown for the caller to
 * print), never created, and an existing one is not changed. Only redacted URLs are printed.
 */

/** `--to`: a migration's name or number, or `0` / `none` for every migration reverted. */
export function parseTarget(to: string | undefined): MigrationTarget | undefined {
  if (to === undefined) return undefined;
  const text = to.trim();
  if (text === '')
    throw new UsageError('--to needs a migration name (0005_create_project_settings, 0005) or 0');
  return text === '0' || text.toLowerCase() === 'none' ? 0 : text;
}

async function json(io: CliIo, value: unknown): Promise<void> {
  await writeLine(io.stdout, JSON.stringify(value, null, 2));
}

/** Applied and pending migrations of the store at `url`. Reads only; creates and changes nothing. */
export async function statusCommand(url: string, options: { json: boolean }, io: CliIo): Promise<number> {
  if (io.signal.aborted) return EXIT.interrupted;
  const store = await open(url, { readOnly: true }, io);
  try {
    const shown = redactUrl(url);
    const status = isMigratable(store) ? await store.migrationStatus() : undefined;
    const { applied = [], pending = [], outdated = [] } = status ?? {};
    if (options.json) {
      await json(io, {
        url: shown,
        adapter: store.adapter,
        applied,
        pending,
        ...(outdated.length > 0 ? { outdated } : {}),
      });
      return EXIT.ok;
    }
    await writeLine(io.stdout, `${shown} (${store.adapter})`);
    if (status === undefined) {
      await writeLine(io.stdout, `${store.adapter} keeps no schema: nothing to migrate`);
      return EXIT.ok;
    }
    for (const name of applied) {
      const note = outdated.includes(name) ? '  (recorded with an earlier checksum; migrate updates it)' : '';
      await writeLine(io.stdout, `applied  ${name}${note}`);
    }
    for (const name of pending) await writeLine(io.stdout, `pending  ${name}`);
    await writeLine(
      io.stdout,
      pending.length === 0
        ? `up to date: ${applied.length} applied`
        : `${applied.length} applied, ${pending.length} pending: agent-storage migrate applies them`,
    );
    return EXIT.ok;
  } finally {
    await store.close();
  }
}

/**
 * Applies pending migrations to the store at `url`, or takes it to `--to` (up or down; `0` or
 * `none`: everything reverted). `--dry-run` prints each step with its SQL and changes nothing
 * (the store is opened read-only). An unknown `--to` is a usage error, and nothing is done.
 */
export async function migrateCommand(
  url: string,
  options: { to?: string; dryRun: boolean; json: boolean },
  io: CliIo,
): Promise<number> {
  const target = parseTarget(options.to);
  // Before opening: a mistyped --to must not leave a new, empty database behind.
  const adapter = adapterFor(url, io);
  const { migrationDialect } = await adapter.load();
  if (target !== undefined && migrationDialect !== undefined)
    try {
      checkTarget(adapter.name, migrationDialect, target);
    } catch (e) {
      flagError('to')(e);
    }
  if (io.signal.aborted) return EXIT.interrupted;
  // Reverting everything of a database that is not there is nothing to do: opening it to
  // write would first create it (a file, a PGlite folder), and leave it behind.
  if (target === 0 && !options.dryRun && (await isMissing(url, io))) {
    if (options.json)
      await json(io, { url: redactUrl(url), adapter: adapter.name, dryRun: false, steps: [] });
    else await printDone(io, [], 0);
    return EXIT.ok;
  }
  const store = await open(url, options.dryRun ? { readOnly: true } : {}, io);
  try {
    const shown = redactUrl(url);
    if (!isMigratable(store)) {
      if (target !== undefined && target !== 0)
        throw new UsageError(`--to: ${store.adapter} keeps no schema and has no migrations`);
      if (options.json)
        await json(io, { url: shown, adapter: store.adapter, dryRun: options.dryRun, steps: [] });
      else await writeLine(io.stdout, `${store.adapter} keeps no schema: nothing to migrate`);
      return EXIT.ok;
    }
    const steps = await (options.dryRun ? store.planMigration(target) : store.migrateTo(target)).catch(
      flagError('to'),
    );
    if (options.json) {
      const listed = options.dryRun ? steps : steps.map(({ sql: _sql, check: _check, ...step }) => step);
      await json(io, { url: shown, adapter: store.adapter, dryRun: options.dryRun, steps: listed });
    } else if (options.dryRun) {
      await printPlan(io, `${shown} (${store.adapter})`, steps);
    } else {
      await printDone(io, steps, target);
    }
    return EXIT.ok;
  } finally {
    await store.close();
  }
}

/** The plan as a SQL script: each step a `-- up NAME` / `-- down NAME` comment, then its SQL. */
async function printPlan(io: CliIo, where: string, steps: readonly MigrationStep[]): Promise<void> {
  await writeLine(io.stdout, `-- dry run on ${where}: ${steps.length} step(s); nothing was changed`);
  for (const step of steps) {
    await writeLine(io.stdout, '');
    if (step.adopted) {
      await writeLine(
        io.stdout,
        `-- adopt ${step.name}: its table exists (made by another program); recorded as applied, not run`,
      );
      continue;
    }
    await writeLine(io.stdout, `-- ${step.direction} ${step.name}`);
    if (step.check !== undefined)
      await writeLine(io.stdout, `-- first, this check must return no rows:\n-- ${oneLine(step.check)}`);
    await writeLine(io.stdout, step.sql.trim());
  }
}

const oneLine = (sql: string) => sql.trim().replace(/\s+/g, ' ');

/** What a run did, one line per kind: `applied a, b`, `adopted …`, `reverted …`. */
async function printDone(
  io: CliIo,
  steps: readonly MigrationStep[],
  target: MigrationTarget | undefined,
): Promise<void> {
  const of = (keep: (s: MigrationStep) => boolean) =>
    steps
      .filter(keep)
      .map((s) => s.name)
      .join(', ');
  const lines = [
    ['adopted', of((s) => s.adopted === true)],
    ['reverted', of((s) => s.direction === 'down')],
    ['applied', of((s) => s.direction === 'up' && !s.adopted)],
  ].filter(([, names]) => names !== '');
  for (const [kind, names] of lines) await writeLine(io.stdout, `${kind} ${names}`);
  if (lines.length === 0)
    await writeLine(
      io.stdout,
      target === undefined
        ? 'nothing to apply'
        : target === 0
          ? 'nothing to revert: no migration is applied'
          : `nothing to do: the schema is at ${target} already`,
    );
}

/** Whether the store at `url` is not there: a read-only open, which creates nothing, says NOT_FOUND. */
async function isMissing(url: string, io: CliIo): Promise<boolean> {
  try {
    await (await open(url, { readOnly: true }, io)).close();
    return false;
  } catch (e) {
    if (isAgentStorageError(e, 'NOT_FOUND')) return true;
    throw e;
  }
}
