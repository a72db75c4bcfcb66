import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { INestApplication } from '@nestjs/common';
import { Redis } from 'ioredis';
import pg from 'pg';
import { loadConfig, type AppConfig } from '../../../libs/config/app-config.js';
import { createApp } from '../../../src/app.js';

/** Where the real services of the machine (and of CI) are; override with TEST_DATABASE_URL / TEST_REDIS_URL. */
export const ADMIN_DATABASE_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
export const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
export const ADMIN_EMAIL = 'admin@gus.test';
export const ADMIN_PASSWORD = 'admin-password-for-tests';

export interface RunningGus {
  url: string;
  app: INestApplication;
  config: AppConfig;
  stop(): Promise<void>;
}

/** A fresh database on the real PostgreSQL, named so that it can only ever be a test database. */
export async function createTestDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `gus_test_${randomBytes(6).toString('hex')}`;
  if (!name.includes('test')) throw new Error('refusing a database whose name lacks "test"');
  const admin = new pg.Client({ connectionString: ADMIN_DATABASE_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(ADMIN_DATABASE_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      const client = new pg.Client({ connectionString: ADMIN_DATABASE_URL });
      await client.connect();
      await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await client.end();
    },
  };
}

/**
 * Starts gus in this process on a free port, over real HTTP. Default: real PostgreSQL (its own database)
 * and real Redis (its own key prefix). `embedded: true` uses the bare-machine defaults instead.
 */
export async function startGus(options: { embedded?: boolean; ollamaHost?: string; env?: Record<string, string>; databaseUrl?: string; redisPrefix?: string } = {}): Promise<RunningGus> {
  const cleanups: Array<() => Promise<void>> = [];
  const env: Record<string, string> = {
    PORT: '0',
    HOST: '127.0.0.1',
    GUS_ADMIN_EMAIL: ADMIN_EMAIL,
    GUS_ADMIN_PASSWORD: ADMIN_PASSWORD,
    JWT_SECRET: 'test-secret-' + randomBytes(8).toString('hex'),
    LOG_LEVEL: process.env.GUS_TEST_LOG_LEVEL ?? 'error',
    GUS_OUTBOX_POLL_MS: '200',
    ...options.env,
  };
  const dataDir = mkdtempSync(join(tmpdir(), 'gus-test-'));
  env.GUS_DATA_DIR = dataDir;
  cleanups.push(async () => rmSync(dataDir, { recursive: true, force: true }));
  if (!options.embedded) {
    if (options.databaseUrl) env.DATABASE_URL = options.databaseUrl;
    else {
      const db = await createTestDatabase();
      env.DATABASE_URL = db.url;
      cleanups.push(db.drop);
    }
    const prefix = options.redisPrefix ?? `gus-test-${randomBytes(6).toString('hex')}`;
    env.REDIS_URL = REDIS_URL;
    env.GUS_REDIS_PREFIX = prefix;
    if (!options.redisPrefix) cleanups.push(() => deleteRedisKeys(prefix));
  }
  if (options.ollamaHost) env.OLLAMA_HOST = options.ollamaHost;
  const config = loadConfig(env);
  const app = await createApp(config);
  await app.listen(0, '127.0.0.1');
  const address = app.getHttpServer().address() as { port: number };
  return {
    url: `http://127.0.0.1:${address.port}`,
    app,
    config,
    stop: async () => {
      await app.close();
      for (const cleanup of cleanups.reverse()) await cleanup();
    },
  };
}

export async function deleteRedisKeys(prefix: string): Promise<void> {
  const redis = new Redis(REDIS_URL);
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
    if (keys.length) await redis.del(...keys);
    cursor = next;
  } while (cursor !== '0');
  await redis.quit();
}

/** Polls until `check` passes or the time is up (then the last failure is thrown). */
export async function eventually<T>(check: () => Promise<T>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}
