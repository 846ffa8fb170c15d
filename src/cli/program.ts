import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { needsFastCheck } from '../../conformance/peer-dependency.js';
import { redactSecrets, redactUrl } from '../contract/redact.js';
import { checkJournalFlag, checkOutputFile } from './file-flags.js';
import { type CliIo, describeError, EXIT, integerFlag, UsageError } from './io.js';
import { type FilterFlags, filtersOf, storeUrl } from './options.js';
import { packageVersion } from './package-version.js';
import { openExistingForWriting, openForReading, openForWriting } from './stores.js';

/**
 * The `agent-storage` command line: commander parses and documents every command and flag
 * (an unknown flag, or another command's, is a usage error, exit 2); each command is a
 * function of its options and a `CliIo`, in the module named for it.
 */

/** `--url` given once: a second one would be silently ignored by a last-wins parser. */
function once(flag: string) {
  return (value: string, previous: string | undefined) => {
    if (previous !== undefined)
      throw new InvalidArgumentError(`${flag} given twice; this command works on one store`);
    return value;
  };
}

const collect = (value: string, previous: string[] = []) => [...previous, value];

const urlOption = () =>
  new Option(
    '--url <url>',
    'the store (default: AGENT_STORAGE_URL, else sqlite:./agent-storage.db)',
  ).argParser(once('--url'));

/** The listing filters, on every command that selects sessions. */
function withFilters(command: Command): Command {
  return command
    .option('--status <status>', 'only this status (repeatable, or comma-separated)', collect)
    .option('--agent <name>', 'only this agent')
    .option('--provider <name>', 'only this provider')
    .option('--model <name>', 'only this model')
    .option('--since <time>', 'started at or after (Unix seconds, 2026-01-01, or an age: 30d)')
    .option('--until <time>', 'started before')
    .option('--ended-before <time>', 'ended before (a session still open never matches)');
}

/**
 * The argument parser's own messages quote what was typed (`unknown command
 * 'postgres:app:pw@host/db'`, `argument 'postgres://u:pw@…' is invalid`): each argument that
 * was typed appears redacted as a URL, whatever its form (a quote in a password included),
 * the value of `--flag=value` too; then the rest as text.
 */
function redactParserOutput(text: string, argv: readonly string[]): string {
  let out = text;
  for (const arg of argv) {
    const eq = arg.startsWith('-') ? arg.indexOf('=') : -1;
    // The whole argument, and a `--flag=value`'s value alone (the parser quotes just that).
    for (const typed of eq === -1 ? [arg] : [arg.slice(eq + 1)]) {
      const shown = redactUrl(typed);
      // Short ones (`#`, `@`) hold no secret, and would mark every `#` of the help.
      if (shown !== typed && typed.length >= 6) out = out.split(typed).join(shown);
    }
  }
  return redactSecrets(out);
}

export function program(io: CliIo, setExit: (code: number) => void, argv: readonly string[] = []): Command {
  const run =
    <A extends unknown[]>(fn: (...args: A) => Promise<number>) =>
    async (...args: A) =>
      setExit(await fn(...args));
  const cli = new Command('agent-storage')
    .description('Inspect, move and verify agent-storage-kit stores (SQLite, Postgres, libSQL, PGlite, …)')
    .version(packageVersion(), '-V, --version')
    .showHelpAfterError('(run agent-storage help [command] for usage)')
    .configureOutput({
      writeOut: (s) => io.stdout.write(redactParserOutput(s, argv)),
      writeErr: (s) => io.stderr.write(redactParserOutput(s, argv)),
    })
    .exitOverride();

  withFilters(
    cli
      .command('sessions')
      .description('list sessions, newest first, one keyset page at a time')
      .addOption(urlOption())
      .option('--limit <n>', 'sessions per page (1-1000)', '50')
      .option('--cursor <cursor>', 'the next page (printed after each page)')
      .option('--json', 'the page as JSON'),
  ).action(
    run(async (o: FilterFlags & { url?: string; limit: string; cursor?: string; json?: boolean }) => {
      const { sessionsCommand } = await import('./session-commands.js');
      const query = {
        ...filtersOf(o),
        limit: integerFlag('limit', o.limit, { min: 1, max: 1000 }) as number,
        ...(o.cursor !== undefined ? { cursor: o.cursor } : {}),
      };
      const store = await openForReading(storeUrl(o.url, io), io);
      return sessionsCommand(store, query, { json: o.json === true }, io);
    }),
  );

  cli
    .command('show')
    .description("a session's transcript: messages with their tool calls, questions, settings")
    .argument('<id>', 'the session id')
    .addOption(urlOption())
    .option('--last <n>', 'only the latest N messages (read from the end, fast in any session)')
    .option('--json', 'the transcript as JSON')
    .action(
      run(async (id: string, o: { url?: string; last?: string; json?: boolean }) => {
        const { showCommand } = await import('./session-commands.js');
        const last = integerFlag('last', o.last, { min: 1, max: 1000 });
        const store = await openForReading(storeUrl(o.url, io), io);
        return showCommand(store, id, { json: o.json === true, last }, io);
      }),
    );

  withFilters(
    cli
      .command('prune')
      .description('delete matching sessions with everything under them, in bounded batches')
      .addOption(urlOption())
      .option('--batch <n>', 'sessions per batch (1-1000)', '100')
      .option('--dry-run', 'list and count what would be deleted; delete nothing')
      .option('--json', 'the outcome as JSON'),
  ).action(
    run(async (o: FilterFlags & { url?: string; batch: string; dryRun?: boolean; json?: boolean }) => {
      const { pruneCommand } = await import('./session-commands.js');
      const filters = filtersOf(o);
      if (Object.keys(filters).length === 0)
        throw new UsageError('prune needs at least one filter (--ended-before 30d, --status failed, …)');
      const batch = integerFlag('batch', o.batch, { min: 1, max: 1000 }) as number;
      const url = storeUrl(o.url, io);
      const store = o.dryRun ? await openForReading(url, io) : await openExistingForWriting(url, io);
      return pruneCommand(store, filters, { dryRun: o.dryRun === true, json: o.json === true, batch }, io);
    }),
  );

  cli
    .command('migrate')
    .description('apply pending migrations, or go up or down to one (--to)')
    .addOption(urlOption())
    .option('--to <migration>', 'the migration to end at (its name; 0 for none: everything down)')
    .option('--dry-run', 'print the steps and their SQL; change nothing')
    .option('--json', 'the outcome as JSON')
    .action(
      run(async (o: { url?: string; to?: string; dryRun?: boolean; json?: boolean }) => {
        const { migrateCommand } = await import('./migrations.js');
        if (o.to === '') throw new UsageError('--to needs a migration name, or 0 for none');
        const options = {
          dryRun: o.dryRun === true,
          json: o.json === true,
          ...(o.to === undefined ? {} : { to: o.to }),
        };
        return migrateCommand(storeUrl(o.url, io), options, io);
      }),
    );

  cli
    .command('status')
    .description('applied and pending migrations; read-only (creates nothing, changes no data)')
    .addOption(urlOption())
    .option('--json', 'as JSON')
    .action(
      run(async (o: { url?: string; json?: boolean }) => {
        const { statusCommand } = await import('./migrations.js');
        return statusCommand(storeUrl(o.url, io), { json: o.json === true }, io);
      }),
    );

  registerTransfer(cli, io, run);

  cli
    .command('verify')
    .description(
      'run the conformance suite on scratch stores (never your data) and print a requirement x adapter table',
    )
    .option(
      '--url <url>',
      'an adapter to verify, by URL scheme (repeatable; default: the embedded adapters)',
      collect,
    )
    .option(
      '--adapter <file>',
      'a module exporting a ConformanceTarget (repeatable; .js, or .ts with tsx installed)',
      collect,
    )
    .option('--grep <text>', 'only requirements whose id contains TEXT')
    .option('--seed <n>', 'seed of the property-based requirements (replays a reported failure)')
    .option('--runs <n>', 'random runs per property-based requirement (at least 1)')
    .option(
      '--faults',
      'also run the fault tier: killed writers, full disks, held locks, dropped connections',
    )
    .option('--crash-trials <n>', 'crash trials of the fault tier (default 30)')
    .option('--json <file>', 'also write the reports as JSON (conformance/report.schema.json)')
    .option('--junit <file>', 'also write the reports as JUnit XML')
    .option(
      '--html <file>',
      'also write a self-contained HTML report (requirement x adapter, failures with replay commands)',
    )
    .action(
      run(async (o: VerifyFlags) => {
        // Loaded only now: the other commands work without fast-check (an optional peer).
        const { verify } = await import('./verify.js').catch(needsFastCheck);
        return verify(
          {
            urls: o.url ?? [],
            adapters: o.adapter ?? [],
            grep: o.grep,
            json: o.json,
            junit: o.junit,
            html: o.html,
            seed: integerFlag('seed', o.seed, { min: -(2 ** 31), max: 2 ** 31 - 1 }),
            runs: integerFlag('runs', o.runs, { min: 1 }),
            faults:
              o.faults || o.crashTrials !== undefined
                ? { crashTrials: integerFlag('crash-trials', o.crashTrials, { min: 1 }) }
                : false,
          },
          io,
        );
      }),
    );

  cli
    .command('studio')
    .description('a local, read-only web page over a store: sessions, transcripts, a conformance report')
    .addOption(urlOption())
    .option('--port <n>', 'the port (default: a free one)')
    .option('--host <host>', 'the address to bind (default 127.0.0.1; the token still guards it)')
    .option('--report <file>', 'a conformance report (verify --json) to show at #/report')
    .action(
      run(async (o: { url?: string; port?: string; host?: string; report?: string }) => {
        const { studioCommand } = await import('./studio-command.js');
        const port = integerFlag('port', o.port, { min: 0, max: 65535 });
        return studioCommand(storeUrl(o.url, io), { port, host: o.host, report: o.report }, io);
      }),
    );

  cli
    .command('demo')
    .description('record a few realistic agent runs into a store, to try show and studio on')
    .option('--url <url>', 'the store (default sqlite:./demo.db)', once('--url'))
    .option('--sessions <n>', 'how many runs (1-100000)', '12')
    .action(
      run(async (o: { url?: string; sessions: string }) => {
        const { recordSampleRuns } = await import('./sample-runs.js');
        const count = integerFlag('sessions', o.sessions, { min: 1, max: 100_000 }) as number;
        const url = o.url ?? 'sqlite:./demo.db';
        const store = await openForWriting(url, io);
        // As for import: the runs would be gone when the command ends, and studio would find none.
        if (!store.capabilities.persistent)
          throw new UsageError(
            `--url ${redactUrl(url)} keeps nothing once the command ends; record into a store that persists`,
          );
        const start = Math.floor(Date.now() / 1000) - count * 400;
        const ids = await recordSampleRuns(store, { count, seed: start % 100_000, start });
        io.stdout.write(
          `recorded ${ids.length} runs into ${redactUrl(url)}; try: agent-storage studio --url ${redactUrl(url)}\n`,
        );
        return EXIT.ok;
      }),
    );

  cli
    .command('help [command]')
    .description('usage of agent-storage or of one command')
    .action((name?: string) => {
      const target = name === undefined ? cli : cli.commands.find((c) => c.name() === name);
      if (target === undefined) throw new UsageError(`unknown command ${JSON.stringify(name)}`);
      target.outputHelp();
      setExit(EXIT.ok);
    });
  return cli;
}

interface VerifyFlags {
  url?: string[];
  adapter?: string[];
  grep?: string;
  seed?: string;
  runs?: string;
  faults?: boolean;
  crashTrials?: string;
  json?: string;
  junit?: string;
  html?: string;
}

/** `export`, `import`, `copy`: the transfer commands (src/cli/transfer-commands.ts). */
function registerTransfer(
  cli: Command,
  io: CliIo,
  run: <A extends unknown[]>(fn: (...args: A) => Promise<number>) => (...args: A) => Promise<void>,
) {
  withFilters(
    cli
      .command('export')
      .description('write sessions as JSONL (a versioned header, then one record a line), streamed')
      .addOption(urlOption())
      .option('--out <file>', 'write to FILE instead of stdout'),
  ).action(
    run(async (o: FilterFlags & { url?: string; out?: string }) => {
      const { exportCommand } = await import('./transfer-commands.js');
      const query = filtersOf(o); // flags first: a usage error opens nothing
      checkOutputFile('out', o.out);
      const store = await openForReading(storeUrl(o.url, io), io);
      return exportCommand(store, query, { out: o.out }, io);
    }),
  );
  cli
    .command('import')
    .description(
      'read a JSONL export (a file, or - for stdin) into a store; importing twice writes nothing new',
    )
    .argument('[file]', 'the export; - (the default) reads stdin', '-')
    .addOption(urlOption())
    .option('--json', 'the outcome as JSON')
    .action(
      run(async (file: string, o: { url?: string; json?: boolean }) => {
        const { checkImportFile, importCommand } = await import('./transfer-commands.js');
        // Before the store is opened (and, when new, created and migrated).
        if (file !== '-') checkImportFile(file);
        const url = storeUrl(o.url, io);
        const open = async () => {
          const store = await openForWriting(url, io);
          // As for copy: the sessions would be gone when the command ends, and it would say them written.
          if (!store.capabilities.persistent)
            throw new UsageError(
              `--url ${redactUrl(url)} keeps nothing once the command ends; import into a store that persists`,
            );
          return store;
        };
        return importCommand(open, file, { json: o.json === true }, io);
      }),
    );
  withFilters(
    cli
      .command('copy')
      .description('copy sessions with everything under them from one store to another; resumable, verified')
      .requiredOption('--from <url>', 'the source store', once('--from'))
      .requiredOption('--to <url>', 'the destination store', once('--to'))
      .option('--journal <file>', 'where progress is kept for resuming (default: derived from the two URLs)')
      .option('--json', 'the outcome as JSON'),
  ).action(
    run(async (o: FilterFlags & { from: string; to: string; journal?: string; json?: boolean }) => {
      const { copyCommand, defaultJournal } = await import('./transfer-commands.js');
      // Flags first: a usage error must not leave a destination created and migrated.
      const query = filtersOf(o);
      const journal = o.journal ?? defaultJournal(o.from, o.to);
      checkJournalFlag(journal);
      const from = await openForReading(o.from, io, 'from');
      // A store that keeps nothing is new and empty when the command opens it: nothing to copy.
      if (!from.capabilities.persistent)
        throw new UsageError(`--from ${redactUrl(o.from)} keeps nothing between commands: it is empty here`);
      const to = await openForWriting(o.to, io, 'to');
      // Its copies would be gone when the command ends, and its journal would say otherwise.
      if (!to.capabilities.persistent)
        throw new UsageError(
          `--to ${redactUrl(o.to)} keeps nothing once the command ends; copy into a store that persists`,
        );
      return copyCommand(from, to, query, { journal, json: o.json === true, urls: [o.from, o.to] }, io);
    }),
  );
}

/** Runs the CLI on `argv` with `io`; resolves the exit code. Never throws. */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  let code: number = EXIT.ok;
  const cli = program(
    io,
    (c) => {
      code = c;
    },
    argv,
  );
  try {
    if (argv.length === 0) {
      cli.outputHelp({ error: true });
      return EXIT.usage;
    }
    await cli.parseAsync(argv, { from: 'user' });
    return io.signal.aborted && code === EXIT.ok ? EXIT.interrupted : code;
  } catch (e) {
    if (e instanceof CommanderError) {
      // Help and --version exit 0; every parse error is a usage error.
      return e.exitCode === 0 ? EXIT.ok : EXIT.usage;
    }
    if (e instanceof UsageError) {
      // Usage messages quote what the user typed: redacted here too, whatever made them.
      io.stderr.write(`agent-storage: ${redactSecrets(e.message)}\n(run agent-storage help for usage)\n`);
      return EXIT.usage;
    }
    // A write to stdout after its reader went away (which stopped the command): nothing to say.
    const quiet = io.signal.aborted && (e as NodeJS.ErrnoException | undefined)?.code === 'EPIPE';
    if (!quiet) io.stderr.write(`agent-storage: ${describeError(e)}\n`);
    return io.signal.aborted ? EXIT.interrupted : EXIT.failed;
  }
}
