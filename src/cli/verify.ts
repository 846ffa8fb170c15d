import { accessSync, constants, statSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { DEFAULT_CRASH_TRIALS, runConformance, selectRequirements } from '../../conformance/run.js';
import { builtInTargets } from '../../conformance/targets.js';
import type { ConformanceReport, ConformanceTarget } from '../../conformance/types.js';
import { isDriverMissing } from '../adapters/url-options.js';
import { checkOutputFile } from './file-flags.js';
import { type CliIo, describeError, EXIT, UsageError, writeLine } from './io.js';
import { toJUnit } from './junit.js';
import { toHtml } from './report-html.js';
import { adapterFor } from './stores.js';
import { formatTable } from './table.js';

export interface VerifyOptions {
  urls: string[];
  /** Modules that export a ConformanceTarget (or a function returning one) as default or `target`. */
  adapters: string[];
  grep: string | undefined;
  json: string | undefined;
  junit: string | undefined;
  /** Also write a self-contained HTML report (a CI artifact). */
  html?: string | undefined;
  seed: number | undefined;
  runs: number | undefined;
  /** The fault tier, with its crash-trial count; `false`: not run. */
  faults: false | { crashTrials: number | undefined };
}

const PROGRESS = { passed: '.', failed: 'F', skipped: 's', 'not-applicable': '-' } as const;

/** A scratch target of the adapter a URL names (its module provides it): verify never opens the URL's own data. */
async function scratchTargetFor(url: string, io: CliIo): Promise<ConformanceTarget> {
  return (await adapterFor(url, io).load()).scratchTarget(url);
}

/**
 * Loads a third-party target from a module file: `export default target` or `export const
 * target`, or a factory of one. A `.ts` file goes through tsx when the project has it
 * (Node 20 cannot import TypeScript itself).
 */
async function targetFromModule(path: string): Promise<ConformanceTarget> {
  if (!statSync(path, { throwIfNoEntry: false })?.isFile())
    throw new UsageError(`--adapter ${path}: there is no such file`);
  const url = pathToFileURL(resolve(path)).href;
  let mod: { default?: unknown; target?: unknown };
  if (/\.[mc]?ts$/.test(path)) {
    const tsx = (await import('tsx/esm/api').catch(() => {
      throw new UsageError(
        `--adapter ${path}: a TypeScript module needs tsx (npm install -D tsx), or pass the compiled .js`,
      );
    })) as { tsImport(specifier: string, parent: string): Promise<typeof mod> };
    mod = await tsx.tsImport(url, import.meta.url);
  } else mod = (await import(url)) as typeof mod;
  let target = mod.default ?? mod.target;
  // A module loaded as CommonJS (a .ts outside an ESM package) nests its exports once more.
  const nested = target as { default?: unknown; target?: unknown; create?: unknown } | undefined;
  if (nested && typeof nested === 'object' && nested.create === undefined)
    target = nested.default ?? nested.target;
  if (typeof target === 'function') target = await (target as () => unknown)();
  const t = target as Partial<ConformanceTarget> | undefined;
  if (typeof t?.name !== 'string' || typeof t.create !== 'function') {
    throw new UsageError(
      `--adapter ${path} must export a ConformanceTarget { name, create } as default or 'target'`,
    );
  }
  return t as ConformanceTarget;
}

/** A report file's folder must exist and be writable before the suite runs, not after. */
function checkWritable(flag: string, file: string | undefined): void {
  if (file === undefined) return;
  checkOutputFile(flag, file);
  try {
    accessSync(dirname(resolve(file)), constants.W_OK);
  } catch {
    throw new UsageError(`--${flag} ${file}: its folder does not exist or is not writable`);
  }
}

export async function verify(options: VerifyOptions, io: CliIo): Promise<number> {
  checkWritable('json', options.json);
  checkWritable('junit', options.junit);
  checkWritable('html', options.html);
  // One file for two reports would keep the last one written, and say nothing.
  const files = [options.json, options.junit, options.html]
    .filter((f) => f !== undefined)
    .map((f) => resolve(f));
  if (new Set(files).size < files.length)
    throw new UsageError('--json, --junit and --html must name different files');
  const faults = options.faults !== false;
  if (options.grep !== undefined && selectRequirements(undefined, options.grep, faults).length === 0)
    throw new UsageError(`--grep ${JSON.stringify(options.grep)} matches no requirement`);
  const explicit = [
    ...(await Promise.all(options.urls.map((url) => scratchTargetFor(url, io)))),
    ...(await Promise.all(options.adapters.map(targetFromModule))),
  ];
  const targets = explicit.length > 0 ? explicit : builtInTargets();
  const reports: ConformanceReport[] = [];
  const missing: string[] = [];
  for (const target of targets) {
    if (io.signal.aborted) break;
    io.stderr.write(`${target.name}: `);
    let report: ConformanceReport;
    try {
      report = await runConformance(target, {
        grep: options.grep,
        seed: options.seed,
        runs: options.runs,
        faults: options.faults && { crashTrials: options.faults.crashTrials ?? DEFAULT_CRASH_TRIALS },
        onResult: (r) => io.stderr.write(PROGRESS[r.status]),
        signal: io.signal,
      });
    } catch (e) {
      // The embedded adapters whose drivers this app does not install are reported, not failed;
      // an adapter asked for by --url or --adapter must run.
      if (explicit.length > 0 || !isDriverMissing(e)) throw e;
      io.stderr.write(`not installed (${describeError(e)})\n`);
      missing.push(target.name);
      continue;
    }
    io.stderr.write(
      ` ${report.passed} passed, ${report.failed} failed, ${report.skipped} skipped, ${report.notApplicable} not applicable (${report.durationMs} ms)\n`,
    );
    reports.push(report);
  }
  if (io.signal.aborted) {
    await writeLine(io.stderr, 'interrupted: scratch stores removed; no report written');
    return EXIT.interrupted;
  }
  await writeLine(io.stdout, formatTable(reports));
  if (options.json) writeFileSync(options.json, `${JSON.stringify(reports, null, 2)}\n`);
  if (options.junit) writeFileSync(options.junit, toJUnit(reports));
  if (options.html) writeFileSync(options.html, toHtml(reports));
  const sum = (key: 'passed' | 'failed' | 'skipped' | 'notApplicable') =>
    reports.reduce((n, r) => n + r[key], 0);
  await writeLine(
    io.stdout,
    `\n${sum('passed')} passed, ${sum('failed')} failed, ${sum('skipped')} skipped, ${sum('notApplicable')} not applicable`,
  );
  if (missing.length > 0) await writeLine(io.stdout, `not installed: ${missing.join(', ')}`);
  const seed = reports[0]?.seed;
  if (seed !== undefined) await writeLine(io.stdout, `seed ${seed} (replay with --seed ${seed})`);
  return sum('failed') > 0 ? EXIT.failed : EXIT.ok;
}
