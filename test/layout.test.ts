import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * The shape the code keeps (issue "one engine over a narrow port"): small files, drivers
 * that are only drivers, and no behaviour chosen by an adapter's name.
 */
const root = join(import.meta.dirname, '..');

function sources(dir: string): string[] {
  return readdirSync(join(root, dir)).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(join(root, path)).isDirectory()) return sources(path);
    return path.endsWith('.ts') ? [path] : [];
  });
}

const lines = (path: string) => readFileSync(join(root, path), 'utf8').split('\n').length;

describe('layout', () => {
  it('no file in src/ is over 400 lines', () => {
    expect(sources('src').filter((f) => lines(f) > 400)).toEqual([]);
  });

  it('a driver file holds a driver: at most 120 lines, PGlite (written on agent-storage-kit/sql) at most 80', () => {
    const drivers = ['better-sqlite3', 'libsql', 'postgres', 'pglite'].map((d) => `src/adapters/${d}.ts`);
    const sizes = Object.fromEntries(drivers.map((d) => [d, lines(d)]));
    for (const [file, n] of Object.entries(sizes))
      expect(n, file).toBeLessThanOrEqual(file.includes('pglite') ? 80 : 120);
    const pglite = readFileSync(join(root, 'src/adapters/pglite.ts'), 'utf8');
    const imports = [...pglite.matchAll(/from '([^']+)'/g)].map((m) => m[1]);
    expect(imports).toEqual(['@electric-sql/pglite', '../sql/index.js']);
  });

  it('no code branches on an adapter name; the registry is the one table of names', () => {
    const name = /(memory|sqlite|libsql|postgres|pglite)/.source;
    const branch = new RegExp(`[!=]==? ?'${name}'|'${name}' ?[!=]==?|case '${name}'`);
    const offenders = ['src', 'conformance', 'bench', 'scripts']
      .flatMap(sources)
      .flatMap((f) =>
        readFileSync(join(root, f), 'utf8')
          .split('\n')
          .map((line, i) => [f, i + 1, line] as const)
          .filter(([, , line]) => branch.test(line)),
      )
      .map(([f, n, line]) => `${relative(root, join(root, f))}:${n}: ${line.trim()}`);
    expect(offenders).toEqual([]);
  });
});
