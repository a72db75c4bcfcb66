import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { DataSource, type DataSourceOptions } from 'typeorm';
import type { AppConfig } from '../config/app-config.js';
import { MIGRATIONS } from './migrations/index.js';
import { seedFromTemplate } from './pglite-template.js';

/**
 * gus's settings for PGlite: its default 128 MB of shared buffers doubles the WASM heap and the cost of each
 * statement for a database that fits in far less.
 */
const PGLITE_SETTINGS = '# gus (libs/database/data-source.ts)\nshared_buffers = 16MB\n';

/** PGlite writes `postgresqlconf` over postgresql.conf at every start: initdb's settings, then gus's. */
function pgliteConf(dataDir: string): string {
  const path = join(dataDir, 'postgresql.conf');
  const initdb = existsSync(path) ? readFileSync(path, 'utf8').split(PGLITE_SETTINGS.split('\n')[0]!)[0]! : '';
  return `${initdb.trimEnd()}\n${PGLITE_SETTINGS}`;
}

/**
 * Real PostgreSQL through `pg` when DATABASE_URL is set; otherwise PostgreSQL compiled to WASM (PGlite)
 * keeping its files in GUS_DATA_DIR. Both run the same migrations; the schema is never synchronised.
 */
export async function dataSourceOptions(config: AppConfig): Promise<DataSourceOptions> {
  const common = {
    type: 'postgres' as const,
    migrations: MIGRATIONS,
    // Run by openDataSource, under a lock between processes.
    migrationsRun: false,
    migrationsTransactionMode: 'each' as const,
    synchronize: false,
    logging: ['error' as const],
  };
  if (config.databaseUrl) {
    // A connection attempt gives up after 5 s (the default waits for ever: a PostgreSQL that is down would hang turns).
    return { ...common, url: config.databaseUrl, extra: { max: config.dbPoolSize, connectionTimeoutMillis: 5000, keepAlive: true } };
  }
  const dataDir = join(config.dataDir, 'pg');
  mkdirSync(dataDir, { recursive: true });
  seedFromTemplate(dataDir);
  // Loaded only on the embedded default: PostgreSQL's WASM build is megabytes of code gus otherwise never runs.
  const { PGliteDriver } = await import('typeorm-pglite');
  return { ...common, driver: new PGliteDriver({ dataDir, postgresqlconf: pgliteConf(dataDir) }).driver };
}

/** pg_advisory_lock key held while one process migrates ("gus migrations"). */
const MIGRATION_LOCK = 0x67_75_73_6d;

/**
 * Connects and runs the pending migrations. On PostgreSQL one process at a time migrates, under a session
 * advisory lock on a connection of its own: replicas started together on an empty database would otherwise all
 * create the same tables, and all but one fail their start.
 */
export async function openDataSource(options: DataSourceOptions, config: AppConfig): Promise<DataSource> {
  const dataSource = await new DataSource(options).initialize();
  try {
    if (!config.databaseUrl) {
      await dataSource.runMigrations({ transaction: 'each' });
      return dataSource;
    }
    const lock = new pg.Client({ connectionString: config.databaseUrl, connectionTimeoutMillis: 5000 });
    await lock.connect();
    try {
      await lock.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
      await dataSource.runMigrations({ transaction: 'each' });
    } finally {
      // Closing the session releases the lock, also when a migration failed.
      await lock.end();
    }
    return dataSource;
  } catch (error) {
    await dataSource.destroy().catch(() => undefined);
    throw error;
  }
}

export function describeDatabase(config: AppConfig): string {
  if (!config.databaseUrl) return `embedded PostgreSQL (PGlite) in ${join(config.dataDir, 'pg')}`;
  const url = new URL(config.databaseUrl);
  return `PostgreSQL at ${url.hostname}:${url.port || 5432}${url.pathname}`;
}
