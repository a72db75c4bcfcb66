#!/usr/bin/env node
// `npm run build`: compiles src/, libs/ and bench/ to dist/ with SWC, one file at a time, only the files whose source
// is newer than their output (and removes outputs whose source is gone). A full build takes about a second, a build
// with nothing changed a tenth of that; `npm run typecheck` (tsc, part of `npm test`) checks the types.
import { copyFile, cp, mkdir, readFile, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { transformFile, version as swcVersion } from '@swc/core';

const ROOTS = ['src', 'libs', 'bench'];
const OUT = 'dist';
// The same transform as the tests' (jest.config.js): TypeScript with legacy decorators and their metadata (Nest's
// dependency injection reads constructor parameter types), ES modules, class names kept (Nest logs them).
const options = {
  jsc: {
    parser: { syntax: 'typescript', decorators: true },
    transform: { legacyDecorator: true, decoratorMetadata: true },
    target: 'es2022',
    keepClassNames: true,
  },
  module: { type: 'es6' },
  sourceMaps: true,
};

async function sources(dir) {
  const entries = await readdir(dir, { withFileTypes: true });
  const files = await Promise.all(
    entries.map((entry) => {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) return sources(path);
      return entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts') ? [path] : [];
    }),
  );
  return files.flat();
}

async function mtime(path) {
  try {
    return (await stat(path)).mtimeMs;
  } catch {
    return -1;
  }
}

async function outputs(dir) {
  try {
    const entries = await readdir(dir, { withFileTypes: true });
    const files = await Promise.all(entries.map((entry) => (entry.isDirectory() ? outputs(join(dir, entry.name)) : [join(dir, entry.name)])));
    return files.flat();
  } catch {
    return [];
  }
}

const started = performance.now();
// Outputs of other options or another SWC are rebuilt: the stamp says what dist/ was built with.
const STAMP = join(OUT, '.build-stamp.json');
const stamp = JSON.stringify({ swcVersion, options });
const fresh = (await readFile(STAMP, 'utf8').catch(() => '')) !== stamp;
const files = (await Promise.all(ROOTS.map(sources))).flat();
const expected = new Set();
let compiled = 0;
await Promise.all(
  files.map(async (source) => {
    const target = join(OUT, source.replace(/\.ts$/, '.js'));
    expected.add(target).add(`${target}.map`);
    if (!fresh && (await mtime(target)) >= (await mtime(source))) return;
    const { code, map } = await transformFile(source, { ...options, filename: source, sourceFileName: relative(dirname(target), source) });
    await mkdir(dirname(target), { recursive: true });
    await writeFile(target, `${code}\n//# sourceMappingURL=${target.split('/').at(-1)}.map\n`);
    if (map) await writeFile(`${target}.map`, map);
    compiled++;
  }),
);
await writeFile(STAMP, stamp);
let removed = 0;
for (const root of ROOTS) {
  for (const output of await outputs(join(OUT, root))) {
    if (!expected.has(output)) {
      await rm(output);
      removed++;
    }
  }
}
await copyConsole();
const template = await ensurePgliteTemplate();
if (process.env.npm_lifecycle_event === 'build' || process.argv.includes('--verbose')) {
  console.log(`build: ${compiled} of ${files.length} files compiled${removed ? `, ${removed} stale removed` : ''}${template ? ', embedded database template made' : ''} in ${Math.round(performance.now() - started)} ms`);
}

/**
 * dist/web/console: the web console's static files (web/console, plain ES modules, no build chain of their own) and
 * the chart library's browser build from node_modules, laid anew at every build (a few files, a few milliseconds).
 */
async function copyConsole() {
  const target = join(OUT, 'web/console');
  await rm(target, { recursive: true, force: true });
  await cp('web/console', target, { recursive: true });
  await mkdir(join(target, 'vendor'), { recursive: true });
  for (const file of ['uPlot.iife.min.js', 'uPlot.min.css']) await copyFile(join('node_modules/uplot/dist', file), join(target, 'vendor', file));
}

/**
 * dist/pglite-template: an initialised PGlite data directory for new embedded databases to start from (see
 * libs/database/pglite-template.ts), made once per PGlite version. True when it was (re)made.
 */
async function ensurePgliteTemplate() {
  const { PGLITE_TEMPLATE_DIR, PGLITE_TEMPLATE_STAMP, pgliteVersion } = await import('../dist/libs/database/pglite-template.js');
  const version = pgliteVersion();
  if ((await readFile(PGLITE_TEMPLATE_STAMP, 'utf8').catch(() => '')).trim() === version) return false;
  const making = `${PGLITE_TEMPLATE_DIR}.making`;
  await rm(making, { recursive: true, force: true });
  await mkdir(making, { recursive: true });
  const { PGlite } = await import('@electric-sql/pglite');
  const db = await PGlite.create({ dataDir: making });
  await db.close();
  await rm(PGLITE_TEMPLATE_DIR, { recursive: true, force: true });
  await rename(making, PGLITE_TEMPLATE_DIR);
  await writeFile(PGLITE_TEMPLATE_STAMP, version);
  return true;
}
