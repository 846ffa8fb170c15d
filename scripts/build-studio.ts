// Builds the studio's browser page (studio/page) into `outDir`: index.html, app.js (one
// minified ES module) and app.css. `tsx scripts/build-studio.ts [outDir]`.
import { copyFile, mkdir, readdir, readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const pageDir = join(import.meta.dirname, '..', 'studio', 'page');

/** What the page must never contain: every stored string is rendered as text. */
const FORBIDDEN = [
  /\binner(HTML)\b/,
  /\bouter(HTML)\b/,
  /\binsertAdjacent(HTML)\b/,
  /\bdocument\.write/,
  /\beval\s*\(/,
  /\bnew\s+Function\b/,
  /javascript:/i,
];

async function checkSources(): Promise<void> {
  for (const name of await readdir(pageDir)) {
    if (!name.endsWith('.ts')) continue;
    const text = await readFile(join(pageDir, name), 'utf8');
    for (const re of FORBIDDEN) {
      if (re.test(text))
        throw new Error(`studio/page/${name} uses ${re.source}: render stored strings as text`);
    }
  }
}

export async function buildStudio(outDir = 'dist/studio'): Promise<void> {
  const out = resolve(outDir);
  await checkSources();
  await mkdir(out, { recursive: true });
  const common = {
    bundle: true,
    minify: true,
    legalComments: 'none',
    logLevel: 'warning',
    charset: 'utf8',
  } as const;
  await build({
    ...common,
    entryPoints: [join(pageDir, 'main.ts')],
    outfile: join(out, 'app.js'),
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    tsconfig: join(pageDir, 'tsconfig.json'),
  });
  await build({ ...common, entryPoints: [join(pageDir, 'app.css')], outfile: join(out, 'app.css') });
  await copyFile(join(pageDir, 'index.html'), join(out, 'index.html'));
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const outDir = process.argv[2] ?? 'dist/studio';
  await buildStudio(outDir);
  // stderr: `npm pack --json` prints prepack output on stdout, before its JSON.
  process.stderr.write(`studio page built in ${outDir}\n`);
}
