import { execFile, spawn } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, normalize } from 'node:path';
import { promisify } from 'node:util';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * The package as a consumer meets it: `npm pack` (which builds in `prepack`), unpacked into
 * a fresh app's node_modules next to the dependencies it declares, then used from ESM and
 * CommonJS. No registry is involved: dependencies are linked from this checkout.
 */
const run = promisify(execFile);
const root = join(import.meta.dirname, '..');
const dir = mkdtempSync(join(tmpdir(), 'agent-storage-pack-'));
const app = join(dir, 'app');
const installed = join(app, 'node_modules', 'agent-storage-kit');
let files: string[] = [];

beforeAll(async () => {
  const { stdout } = await run('npm', ['pack', '--json', '--pack-destination', dir], { cwd: root });
  const [packed] = JSON.parse(stdout) as [{ filename: string; files: { path: string }[] }];
  files = packed.files.map((f) => f.path);
  mkdirSync(installed, { recursive: true });
  await run('tar', ['-xzf', join(dir, packed.filename), '-C', installed, '--strip-components=1']);
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'app', private: true, type: 'module' }));
  // An app with every package this checkout has installed — except fast-check, an optional
  // peer only the conformance suite needs.
  for (const dep of readdirSync(join(root, 'node_modules')))
    if (dep !== 'fast-check' && !dep.startsWith('.'))
      symlinkSync(join(root, 'node_modules', dep), join(app, 'node_modules', dep));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const node = (args: string[]) => run(process.execPath, args, { cwd: app });

/** The installed bin, as `npx agent-storage` runs it; no time limit of its own. */
async function bin(args: string[]) {
  try {
    const { stdout, stderr } = await node([join(installed, 'dist/src/cli/main.js'), ...args]);
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}

describe('the published package', () => {
  it('builds in prepack, not prepare (npm 11 warns every consumer about prepare)', () => {
    const manifest = JSON.parse(readFileSync(join(installed, 'package.json'), 'utf8')) as {
      scripts: Record<string, string>;
      dependencies: Record<string, string>;
    };
    expect(manifest.scripts.prepare).toBeUndefined();
    expect(manifest.scripts.prepack).toBeDefined();
    expect(Object.keys(manifest.dependencies)).not.toContain('fast-check');
  });

  it('ships no source map without its source, and nothing from tests or stale builds', () => {
    expect(files.filter((f) => f.endsWith('.map'))).toEqual([]);
    expect(files.filter((f) => f.startsWith('test/') || f.includes('.test.'))).toEqual([]);
    // Every built module has its source next to it in src/ or conformance/ of this checkout;
    // the studio's page is one bundle of studio/page/.
    for (const f of files.filter(
      (x) => x.startsWith('dist/') && x.endsWith('.js') && !x.startsWith('dist/studio/'),
    ))
      expect(existsSync(join(root, f.replace(/^dist\//, '').replace(/\.js$/, '.ts'))), f).toBe(true);
    expect(files.filter((f) => f.startsWith('dist/studio/')).sort()).toEqual([
      'dist/studio/app.css',
      'dist/studio/app.js',
      'dist/studio/index.html',
    ]);
  });

  it('every relative link in the shipped Markdown resolves to a shipped file', () => {
    const broken: string[] = [];
    for (const doc of files.filter((f) => f.endsWith('.md'))) {
      const text = readFileSync(join(installed, doc), 'utf8');
      for (const [, target] of text.matchAll(/\]\(([^)\s]+)\)/g)) {
        if (/^[a-z]+:/i.test(target as string) || (target as string).startsWith('#')) continue;
        const path = normalize(join(dirname(doc), (target as string).split('#')[0] as string));
        if (!files.includes(path) && !files.some((f) => f.startsWith(`${path}/`)))
          broken.push(`${doc} → ${target}`);
      }
    }
    expect(broken).toEqual([]);
  });

  it('works from ESM and, through require(esm), from CommonJS', async () => {
    const esm = await node([
      '--input-type=module',
      '-e',
      `import { createStorage } from 'agent-storage-kit';
       const s = await createStorage('sqlite::memory:');
       const id = await s.createSession({ agentName: 'a', provider: 'p', model: 'm', userPrompt: 'u' });
       console.log((await s.getSession(id)).agentName); await s.close();`,
    ]);
    expect(esm.stdout.trim()).toBe('a');
    const cjs = await node([
      '--input-type=commonjs',
      '-e',
      `const { createStorage } = require('agent-storage-kit');
       createStorage('memory:').then(async (s) => { console.log(s.adapter); await s.close(); });`,
    ]);
    expect(cjs.stdout.trim()).toBe('memory');
  });

  it('the conformance suite without fast-check says what to install', async () => {
    const result = await node([
      '--input-type=module',
      '-e',
      "await import('agent-storage-kit/conformance')",
    ]).then(
      () => ({ stderr: '' }),
      (e: { stderr: string }) => e,
    );
    expect(result.stderr).toContain('npm install --save-dev fast-check');
  });
  it('with fast-check installed, the built bin verifies a third-party adapter that imports the package, writing a report that matches the shipped schema and JUnit XML', async () => {
    const json = join(dir, 'third-party.json');
    const junit = join(dir, 'third-party.xml');
    symlinkSync(join(root, 'node_modules', 'fast-check'), join(app, 'node_modules', 'fast-check'));
    copyFileSync(join(root, 'examples/adapters/counting-adapter.mjs'), join(app, 'counting-adapter.mjs'));
    const { code, stdout } = await bin([
      'verify',
      '--adapter',
      'counting-adapter.mjs',
      '--seed',
      '42',
      '--runs',
      '5',
      '--json',
      json,
      '--junit',
      junit,
    ]);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^requirement\s+counting-memory$/m);
    expect(stdout).toMatch(/^seed 42 \(replay with --seed 42\)$/m);
    const reports = JSON.parse(readFileSync(json, 'utf8')) as unknown[];
    const schema = JSON.parse(
      readFileSync(join(installed, 'conformance/report.schema.json'), 'utf8'),
    ) as object;
    const ajv = new Ajv2020({ allErrors: true });
    addFormats.default(ajv); // CommonJS module: its default export is under .default here
    const validate = ajv.compile(schema);
    for (const report of reports) expect(validate(report), JSON.stringify(validate.errors)).toBe(true);
    expect(reports).toMatchObject([{ seed: 42, failed: 0 }]);
    const xml = readFileSync(junit, 'utf8');
    expect(xml).toMatch(/^<\?xml version="1.0" encoding="UTF-8"\?>/);
    expect(xml).toMatch(/<testsuite name="counting-memory" tests="\d+" failures="0"/);
    expect(xml).toContain('name="session.update-unknown: ');
    // The schema is not a rubber stamp: a report missing its results is refused.
    expect(validate({ ...(reports[0] as object), results: undefined })).toBe(false);
  });

  it('the built bin records a demo and serves the studio from the shipped page, behind its token', async () => {
    const demo = await bin(['demo', '--url', 'sqlite:./demo.db', '--sessions', '3']);
    expect(demo.code).toBe(0);
    const child = spawn(
      process.execPath,
      [join(installed, 'dist/src/cli/main.js'), 'studio', '--url', 'sqlite:./demo.db'],
      { cwd: app },
    );
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let out = '';
        child.stdout.on('data', (d: Buffer) => {
          out += d.toString();
          const m = /agent-storage studio: (\S+)/.exec(out);
          if (m) resolve(m[1] as string);
        });
        child.once('exit', (code) => reject(new Error(`studio exited with ${code}`)));
      });
      const page = await fetch(url);
      expect(page.status).toBe(200);
      expect(await page.text()).toContain('/assets/app.js');
      // The page sends the token it was opened with as a Bearer header (no cookie: browsers share cookies across ports).
      const token = new URL(url).searchParams.get('token');
      const sessions = await fetch(new URL('/api/sessions', url), {
        headers: { authorization: `Bearer ${token}` },
      });
      expect(((await sessions.json()) as { items: unknown[] }).items).toHaveLength(3);
      expect((await fetch(new URL('/assets/app.js', url))).status).toBe(401);
    } finally {
      child.kill('SIGINT');
    }
  });

  it('in an app without @libsql/client, verify runs the adapters it has and reports libsql as not installed; opening a libsql: URL names the package', async () => {
    // Runs after the test above, which installed fast-check; this one takes libsql away.
    rmSync(join(app, 'node_modules', '@libsql'), { recursive: true, force: true });
    const { code, stdout, stderr } = await bin(['verify', '--grep', 'session.get', '--runs', '1']);
    expect(stderr).toMatch(/libsql: not installed \(.*UNAVAILABLE: .*npm install @libsql\/client/);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^requirement\s+memory\s+sqlite$/m);
    expect(stdout).toMatch(/^not installed: libsql$/m);
    const open = await node([
      '--input-type=module',
      '-e',
      "import { createStorage } from 'agent-storage-kit'; await createStorage('libsql::memory:').catch((e) => console.log(e.code, e.message))",
    ]);
    expect(open.stdout).toMatch(/^UNAVAILABLE .*npm install @libsql\/client/m);
    // Asked for by name, a missing driver is a failure, not a skip.
    const asked = await bin(['verify', '--url', 'libsql::memory:', '--grep', 'session.get']);
    expect(asked.code).toBe(1);
    expect(asked.stderr).toMatch(/npm install @libsql\/client/);
  });

  it('verify --url at a server or PGlite whose driver the app lacks, and studio without hono, name the package to install', async () => {
    // The scratch database verify makes first is made with the driver too: the same message.
    // The app's packages are links to this checkout's: the link goes (for a scope, the scope's).
    for (const link of ['pg', '@electric-sql'])
      rmSync(join(app, 'node_modules', link), { recursive: true, force: true });
    for (const [url, pkg] of [
      ['postgres://postgres@127.0.0.1:1/test', 'pg'],
      ['pglite:', '@electric-sql/pglite'],
    ] as const) {
      const asked = await bin(['verify', '--url', url, '--grep', 'session.get']);
      expect(asked.code, url).toBe(1);
      expect(asked.stderr, url).toMatch(new RegExp(`UNAVAILABLE: .*npm install ${pkg}`));
      expect(asked.stderr, url).not.toMatch(/ERR_MODULE_NOT_FOUND|Cannot find package/);
    }
    // The studio's server, an optional peer too: the same kind of error, and exit.
    rmSync(join(app, 'node_modules', 'hono'), { recursive: true, force: true });
    const studio = await bin(['studio', '--url', 'sqlite:./demo.db']);
    expect(studio.code).toBe(1);
    expect(studio.stderr).toMatch(
      /UNAVAILABLE: agent-storage studio needs hono .*npm install --save-dev hono/,
    );
  });
});
