import { PGlite } from '@electric-sql/pglite';
import type { QueryRunner } from 'typeorm';
import { MIGRATIONS } from '../../../libs/database/migrations/index.js';

/** A fresh in-memory PGlite with every migration run: the real schema of the embedded default, for repository specs. */
export async function migratedPGlite(): Promise<PGlite> {
  const db = new PGlite();
  const runner = { query: (text: string, params?: unknown[]) => db.query(text, params).then((result) => result.rows) } as unknown as QueryRunner;
  for (const Migration of MIGRATIONS) await new Migration().up(runner);
  return db;
}
