#!/usr/bin/env node
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { runConformance } from '../../conformance/run.js';
import {
  builtInTargets,
  libsqlTarget,
  memoryTarget,
  postgresScratchTarget,
  sqliteTarget,
} from '../../conformance/targets.js';
import type { ConformanceReport, ConformanceTarget } from '../../conformance/types.js';
import { AgentStorageError } from '../contract/errors.js';
import { DEFAULT_URL } from '../create-storage.js';
import { findAdapter, isMigratable } from '../registry.js';
import { formatTable } from './table.js';

const USAGE = `Usage: agent-storage <command> [options]

Commands:
  verify             Run the conformance suite on scratch stores and print a
                     requirement x adapter table. Never writes to your database:
                     files in a temp folder; on Postgres, a scratch database it drops.
    --url URL          Adapter to verify, by URL scheme (repeatable). Default: every built-in adapter.
    --grep TEXT        Only requirements whose id contains TEXT.
    --json FILE        Also write the reports as JSON.
  migrate            Apply pending migrations to the store at --url (default AGENT_STORAGE_URL).
  status             Show applied and pending migrations of the store at --url. Writes nothing.
`;

const PROGRESS = { passed: '.', failed: 'F', skipped: 's', 'not-applicable': '-' } as const;

/** A scratch target of the same adapter a URL names: verify never opens the URL's own data. */
function scratchTargetFor(url: string): ConformanceTarget {
  const adapter = findAdapter(url).name;
  if (adapter === 'memory') return memoryTarget();
  if (adapter === 'sqlite') return sqliteTarget();
  if (adapter === 'libsql') {
    if (!/^(libsql:(?!\/\/)|file:)/.test(url)) {
      throw new AgentStorageError(
        'NOT_SUPPORTED',
        'verify checks libsql on local scratch files only; a libSQL server URL is not used',
        { adapter: 'cli' },
      );
    }
    return libsqlTarget();
  }
  if (adapter === 'postgres') return postgresScratchTarget(url);
  throw new AgentStorageError('NOT_SUPPORTED', `verify has no scratch target for ${adapter}`, {
    adapter: 'cli',
  });
}

async function verify(
  urls: string[],
  grep: string | undefined,
  jsonFile: string | undefined,
): Promise<number> {
  const targets = urls.length > 0 ? urls.map(scratchTargetFor) : builtInTargets();
  const reports: ConformanceReport[] = [];
  for (const target of targets) {
    process.stderr.write(`${target.name}: `);
    const report = await runConformance(target, {
      grep,
      onResult: (r) => process.stderr.write(PROGRESS[r.status]),
    });
    process.stderr.write(
      ` ${report.passed} passed, ${report.failed} failed, ${report.skipped} skipped, ${report.notApplicable} not applicable (${report.durationMs} ms)\n`,
    );
    reports.push(report);
  }
  process.stdout.write(`${formatTable(reports)}\n`);
  if (jsonFile) writeFileSync(jsonFile, `${JSON.stringify(reports, null, 2)}\n`);
  const failed = reports.reduce((n, r) => n + r.failed, 0);
  const passed = reports.reduce((n, r) => n + r.passed, 0);
  const skipped = reports.reduce((n, r) => n + r.skipped, 0);
  const notApplicable = reports.reduce((n, r) => n + r.notApplicable, 0);
  process.stdout.write(
    `\n${passed} passed, ${failed} failed, ${skipped} skipped, ${notApplicable} not applicable\n`,
  );
  return failed > 0 ? 1 : 0;
}

async function migrations(url: string, apply: boolean): Promise<number> {
  // Opened without createStorage, which would migrate (or refuse) before we could report.
  const store = await findAdapter(url).open(url, {});
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

async function main(argv: string[]): Promise<number> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      url: { type: 'string', multiple: true },
      grep: { type: 'string' },
      json: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const command = positionals[0];
  if (values.help || command === undefined) {
    process.stdout.write(USAGE);
    return command === undefined && !values.help ? 2 : 0;
  }
  if (command === 'verify') return verify(values.url ?? [], values.grep, values.json);
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
    process.stderr.write(`agent-storage: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exitCode = 1;
  },
);
