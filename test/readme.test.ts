import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..');

describe('README', () => {
  it('its library example runs as written', () => {
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    const example = /## Use it\n\n```ts\n([\s\S]*?)```/.exec(readme)?.[1];
    expect(example).toBeDefined();
    // The package name resolves to the source, as it would to the build for a user.
    const code = (example as string).replace("from 'agent-storage-kit'", "from './src/index.ts'");
    const out = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], {
      cwd: root,
    }).toString();
    expect(out).toContain("status: 'completed'");
    expect(out).toContain("result: 'One table: users'");
    expect(out).toContain("toolName: 'sqlite_query'");
  });

  it('names the quick-start commands the package scripts provide', () => {
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
      scripts: Record<string, string>;
    };
    expect(readme).toContain('npm ci && npm start');
    expect(readme).toContain('npm test');
    expect(pkg.scripts.start).toContain('verify');
    expect(pkg.scripts.test).toBe('vitest run');
  });
});
