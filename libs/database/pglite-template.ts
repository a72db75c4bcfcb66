import { cpSync, existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * A freshly initialised PGlite data directory, made once by `npm run build` (scripts/build.mjs) next to the
 * compiled code: initdb under WASM takes 6–14 s, copying the result well under one. A new embedded database
 * starts as a copy of it; without it (or for another PGlite version) PGlite initialises the directory itself.
 */
export const PGLITE_TEMPLATE_DIR = fileURLToPath(new URL('../../pglite-template', import.meta.url));
export const PGLITE_TEMPLATE_STAMP = `${PGLITE_TEMPLATE_DIR}.version`;

export function pgliteVersion(): string {
  // The package exports no package.json: its entry point is dist/index.cjs, two levels below it.
  const entry = createRequire(import.meta.url).resolve('@electric-sql/pglite');
  return (JSON.parse(readFileSync(join(dirname(dirname(entry)), 'package.json'), 'utf8')) as { version: string }).version;
}

/** Copies the template into `dataDir` when that holds no database yet; true when it did. */
export function seedFromTemplate(dataDir: string): boolean {
  if (existsSync(join(dataDir, 'PG_VERSION'))) return false;
  if (!existsSync(join(PGLITE_TEMPLATE_DIR, 'PG_VERSION'))) return false;
  if (readFileSync(PGLITE_TEMPLATE_STAMP, 'utf8').trim() !== pgliteVersion()) return false;
  cpSync(PGLITE_TEMPLATE_DIR, dataDir, { recursive: true });
  return true;
}
