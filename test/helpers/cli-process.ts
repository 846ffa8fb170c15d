import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';

const root = join(import.meta.dirname, '..', '..');

/**
 * The CLI from source, as a process: tsx by absolute path, since some runs start in a temp
 * folder where a bare 'tsx' does not resolve.
 */
export const CLI_ARGS = [
  '--import',
  pathToFileURL(join(root, 'node_modules/tsx/dist/loader.mjs')).href,
  join(root, 'src/cli/main.ts'),
];

const run = promisify(execFile);

/** Runs `agent-storage …args`; resolves its exit code and output. No time limit of its own. */
export async function runCliProcess(
  args: string[],
  options: { env?: Record<string, string>; cwd?: string } = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [...CLI_ARGS, ...args], {
      cwd: options.cwd ?? root,
      env: { ...process.env, ...options.env },
    });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}
