#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { needsFastCheck } from '../../conformance/peer-dependency.js';
import { AgentStorageError } from '../contract/errors.js';
import { redactSecrets } from '../contract/redact.js';
import { DEFAULT_URL } from '../create-storage.js';
import { isMigratable, openStore } from '../registry.js';

const USAGE = `Usage: agent-storage <command> [options]

Commands:
  verify             Run the conformance suite on scratch stores and print a
                     requirement x adapter table. Never writes to your database:
                     files in a temp folder; on Postgres, a scratch database it drops.
    --url URL          Adapter to verify, by URL scheme (repeatable). Default: the embedded adapters.
    --adapter FILE     A module exporting a ConformanceTarget (repeatable): verify your own adapter.
    --grep TEXT        Only requirements whose id contains TEXT.
    --seed N           Seed of the property-based requirements (replays a reported failure).
    --runs N           How many random runs each property-based requirement makes.
    --faults           Also run the fault tier: writers killed (30 crash trials), out of
                       file space, four at once, locked out, cut off from the server.
    --crash-trials N   Crash trials of the fault tier (default 30).
    --json FILE        Also write the reports as JSON (conformance/report.schema.json).
    --junit FILE       Also write the reports as JUnit XML.
  migrate            Apply pending migrations to the store at --url (default AGENT_STORAGE_URL).
  status             Show applied and pending migrations of the store at --url. Writes nothing.
`;

async function migrations(url: string, apply: boolean): Promise<number> {
  // Opened without createStorage, which would migrate (or refuse) before we could report.
  const store = await openStore(url);
  try {
    if (!isMigratable(store)) {
      process.stdout.write(`${store.adapter} has no schema to migrate\n`);
      return 0;
    }
    if (apply) {
      const applied = await store.migrate();
      process.stdout.write(applied.length ? `applied ${applied.join(', ')}\n` : 'nothing to apply\n');
    } else {
      const { applied, pending } = await store.migrationStatus();
      for (const name of applied) process.stdout.write(`applied  ${name}\n`);
      for (const name of pending) process.stdout.write(`pending  ${name}\n`);
    }
    return 0;
  } finally {
    await store.close();
  }
}

function integerOption(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isSafeInteger(n)) {
    throw new AgentStorageError(
      'INVALID_INPUT',
      `--${name} must be an integer, got ${JSON.stringify(value)}`,
      { adapter: 'cli', field: name },
    );
  }
  return n;
}

async function main(argv: string[]): Promise<number> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      url: { type: 'string', multiple: true },
      adapter: { type: 'string', multiple: true },
      grep: { type: 'string' },
      json: { type: 'string' },
      junit: { type: 'string' },
      seed: { type: 'string' },
      runs: { type: 'string' },
      faults: { type: 'boolean' },
      'crash-trials': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const command = positionals[0];
  if (values.help || command === undefined) {
    process.stdout.write(USAGE);
    return command === undefined && !values.help ? 2 : 0;
  }
  if (command === 'verify') {
    // Loaded only now: migrate and status work without fast-check (an optional peer).
    const { verify } = await import('./verify.js').catch(needsFastCheck);
    return verify({
      urls: values.url ?? [],
      adapters: values.adapter ?? [],
      grep: values.grep,
      json: values.json,
      junit: values.junit,
      seed: integerOption('seed', values.seed),
      runs: integerOption('runs', values.runs),
      faults:
        values.faults || values['crash-trials'] !== undefined
          ? { crashTrials: integerOption('crash-trials', values['crash-trials']) }
          : false,
    });
  }
  if (command === 'migrate' || command === 'status')
    return migrations(values.url?.[0] ?? process.env.AGENT_STORAGE_URL ?? DEFAULT_URL, command === 'migrate');
  process.stderr.write(`unknown command ${command}\n${USAGE}`);
  return 2;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    // Every message passes the redaction: a driver may quote a URL with its password.
    process.stderr.write(`agent-storage: ${redactSecrets(e instanceof Error ? e.message : String(e))}\n`);
    process.exitCode = 1;
  },
);
