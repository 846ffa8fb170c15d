import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { DEFAULT_CRASH_TRIALS, runConformance } from '../../conformance/run.js';
import { builtInTargets } from '../../conformance/targets.js';
import type { ConformanceReport, ConformanceTarget } from '../../conformance/types.js';
import { AgentStorageError } from '../contract/errors.js';
import { findAdapter } from '../registry.js';
import { toJUnit } from './junit.js';
import { formatTable } from './table.js';

export interface VerifyOptions {
  urls: string[];
  /** Modules that export a ConformanceTarget (or a function returning one) as default or `target`. */
  adapters: string[];
  grep: string | undefined;
  json: string | undefined;
  junit: string | undefined;
  seed: number | undefined;
  runs: number | undefined;
  /** The fault tier, with its crash-trial count; `false`: not run. */
  faults: false | { crashTrials: number | undefined };
}

const PROGRESS = { passed: '.', failed: 'F', skipped: 's', 'not-applicable': '-' } as const;

/** A scratch target of the adapter a URL names (its module provides it): verify never opens the URL's own data. */
async function scratchTargetFor(url: string): Promise<ConformanceTarget> {
  return (await findAdapter(url).load()).scratchTarget(url);
}

/** Loads a third-party target from a module file: `export default target` or `export const target`, or a factory of one. */
async function targetFromModule(path: string): Promise<ConformanceTarget> {
  const mod = (await import(pathToFileURL(resolve(path)).href)) as { default?: unknown; target?: unknown };
  let target = mod.default ?? mod.target;
  if (typeof target === 'function') target = await (target as () => unknown)();
  const t = target as Partial<ConformanceTarget> | undefined;
  if (typeof t?.name !== 'string' || typeof t.create !== 'function') {
    throw new AgentStorageError(
      'INVALID_INPUT',
      `${path} must export a ConformanceTarget { name, create } as default or 'target'`,
      {
        adapter: 'cli',
        field: 'adapter',
      },
    );
  }
  return t as ConformanceTarget;
}

export async function verify(options: VerifyOptions): Promise<number> {
  const targets = [
    ...(await Promise.all(options.urls.map(scratchTargetFor))),
    ...(await Promise.all(options.adapters.map(targetFromModule))),
  ];
  if (targets.length === 0) targets.push(...builtInTargets());
  const reports: ConformanceReport[] = [];
  for (const target of targets) {
    process.stderr.write(`${target.name}: `);
    const report = await runConformance(target, {
      grep: options.grep,
      seed: options.seed,
      runs: options.runs,
      faults: options.faults && { crashTrials: options.faults.crashTrials ?? DEFAULT_CRASH_TRIALS },
      onResult: (r) => process.stderr.write(PROGRESS[r.status]),
    });
    process.stderr.write(
      ` ${report.passed} passed, ${report.failed} failed, ${report.skipped} skipped, ${report.notApplicable} not applicable (${report.durationMs} ms)\n`,
    );
    reports.push(report);
  }
  process.stdout.write(`${formatTable(reports)}\n`);
  if (options.json) writeFileSync(options.json, `${JSON.stringify(reports, null, 2)}\n`);
  if (options.junit) writeFileSync(options.junit, toJUnit(reports));
  const sum = (key: 'passed' | 'failed' | 'skipped' | 'notApplicable') =>
    reports.reduce((n, r) => n + r[key], 0);
  process.stdout.write(
    `\n${sum('passed')} passed, ${sum('failed')} failed, ${sum('skipped')} skipped, ${sum('notApplicable')} not applicable\n`,
  );
  const seed = reports[0]?.seed;
  if (seed !== undefined) process.stdout.write(`seed ${seed} (replay with --seed ${seed})\n`);
  return sum('failed') > 0 ? 1 : 0;
}
