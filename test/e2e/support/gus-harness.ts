import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import pg from 'pg';
import { loadConfig, type AppConfig } from '../../../libs/config/app-config.js';

/** Where the real services of the machine (and of CI) are; override with TEST_DATABASE_URL / TEST_REDIS_URL. */
export const ADMIN_DATABASE_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
export const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
export const ADMIN_EMAIL = 'admin@gus.test';
export const ADMIN_PASSWORD = 'admin-password-for-tests';
/** The built service (npm run test:e2e builds it first). */
const MAIN = join(process.cwd(), 'dist/src/main.js');

export interface RunningGus {
  /** Empty for GUS_ROLE=worker, which serves no HTTP. */
  url: string;
  /** The configuration the process was started with (as gus itself parses it). */
  config: AppConfig;
  env: Record<string, string>;
  /** Runs SQL against gus's own database (real PostgreSQL only). */
  query<T = any>(sql: string, params?: unknown[]): Promise<T[]>;
  /** Everything the process wrote to stdout and stderr so far. */
  logs(): string;
  /** Stops the process (SIGTERM, graceful) and removes what the harness created. */
  stop(): Promise<void>;
  /** Kills the process at once (a crash), leaving its database for another instance. */
  kill(): Promise<void>;
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

export interface StartOptions {
  /** Bare-machine defaults: PGlite, in-process queue, the built-in simulator. */
  embedded?: boolean;
  ollamaHost?: string;
  env?: Record<string, string>;
  /** Join an existing database (another instance's) instead of creating one. */
  databaseUrl?: string;
  /** Join an existing Redis key prefix instead of a fresh one. */
  redisPrefix?: string;
  redisUrl?: string;
  /** REDIS_CLUSTER_NODES (e.g. DisposableRedisCluster.nodes): a Redis Cluster instead of REDIS_URL; removed with the cluster. */
  redisClusterNodes?: string;
  jwtSecret?: string;
  /** Keep the embedded database here (not removed at stop), e.g. to restart on the same data. */
  dataDir?: string;
}

/**
 * Starts gus as a real process (node dist/src/main.js) on a free port. Default: real PostgreSQL (its own
 * database) and real Redis (its own key prefix); `embedded: true` uses the bare-machine defaults.
 */
export async function startGus(options: StartOptions = {}): Promise<RunningGus> {
  const cleanups: Array<() => Promise<void>> = [];
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'gus-test-'));
  if (!options.dataDir) cleanups.push(async () => rmSync(dataDir, { recursive: true, force: true }));
  const env: Record<string, string> = {
    PORT: '0',
    HOST: '127.0.0.1',
    GUS_DATA_DIR: dataDir,
    GUS_ADMIN_EMAIL: ADMIN_EMAIL,
    GUS_ADMIN_PASSWORD: ADMIN_PASSWORD,
    JWT_SECRET: options.jwtSecret ?? 'test-secret-' + randomBytes(16).toString('hex'),
    LOG_LEVEL: process.env.GUS_TEST_LOG_LEVEL ?? 'info', // the harness waits for the "listening on" line
    GUS_OUTBOX_POLL_MS: '200',
    // The default plans with rate limits out of reach (tests poll); rate-limit suites set their own.
    GUS_PLANS_FILE: 'test/fixtures/plans-small-windows.json',
    ...options.env,
  };
  let pool: pg.Pool | null = null;
  if (!options.embedded) {
    if (options.databaseUrl) env.DATABASE_URL = options.databaseUrl;
    else {
      const db = await createTestDatabase();
      env.DATABASE_URL = db.url;
      cleanups.push(db.drop);
    }
    const prefix = options.redisPrefix ?? `gus-test-${randomBytes(6).toString('hex')}`;
    env.GUS_REDIS_PREFIX = prefix;
    if (options.redisClusterNodes) env.REDIS_CLUSTER_NODES = options.redisClusterNodes;
    else {
      env.REDIS_URL = options.redisUrl ?? REDIS_URL;
      if (!options.redisPrefix) cleanups.push(() => deleteRedisKeys(prefix, env.REDIS_URL!));
    }
    pool = new pg.Pool({ connectionString: env.DATABASE_URL, max: 2 });
    cleanups.unshift(async () => void (await pool!.end()));
  }
  if (options.ollamaHost) env.OLLAMA_HOST = options.ollamaHost;

  const spawnedAt = Date.now();
  const child = spawn(process.execPath, [MAIN], { env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  let url: string;
  try {
    url = await listeningUrl(child, () => output, exited, startWaitMs());
    recordStartTime(Date.now() - spawnedAt);
  } catch (error) {
    child.kill('SIGKILL');
    for (const cleanup of cleanups) await cleanup().catch(() => undefined);
    throw error;
  }

  const runCleanups = async () => {
    for (const cleanup of cleanups.splice(0)) await cleanup();
  };
  return {
    url,
    config: loadConfig(env),
    env,
    query: async (sql, params) => {
      if (!pool) throw new Error('gus runs on the embedded database: no SQL access from the test');
      return (await pool.query(sql, params as unknown[])).rows;
    },
    logs: () => output,
    stop: async () => {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
        await exited;
        clearTimeout(timer);
      }
      await runCleanups();
    },
    kill: async () => {
      child.kill('SIGKILL');
      await exited;
    },
  };
}

/**
 * How long to wait for a start: a multiple of the slowest recent start measured on this machine (kept across
 * test files in the temp dir), so a loaded machine waits longer and a hung start fails sooner than a fixed
 * limit would. Before anything was measured, a cold start (first build of the embedded template) is allowed for.
 */
const START_TIMES_FILE = join(tmpdir(), 'gus-e2e-start-times.json');
const START_WAIT = { factor: 4, floorMs: 10_000, firstMs: 45_000, ceilingMs: 50_000 /* inside jest's 60 s hook timeout */ };

function measuredStartTimes(): number[] {
  try {
    const times = JSON.parse(readFileSync(START_TIMES_FILE, 'utf8')) as unknown;
    return Array.isArray(times) ? times.filter((t): t is number => typeof t === 'number' && t > 0) : [];
  } catch {
    return [];
  }
}

export function startWaitMs(times = measuredStartTimes()): number {
  const override = Number(process.env.GUS_TEST_START_WAIT_MS);
  if (override > 0) return override;
  if (times.length === 0) return START_WAIT.firstMs;
  return Math.min(START_WAIT.ceilingMs, Math.max(START_WAIT.floorMs, START_WAIT.factor * Math.max(...times)));
}

function recordStartTime(ms: number): void {
  try {
    writeFileSync(START_TIMES_FILE, JSON.stringify([...measuredStartTimes(), ms].slice(-20)));
  } catch {
    // A read-only temp dir only costs the measurement.
  }
}

/** Waits for the "listening on http://…" log line of a starting gus process (a worker's "running background workers only"). */
function listeningUrl(child: ChildProcess, output: () => string, exited: Promise<number | null>, waitMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => finish(new Error(`gus did not start within ${waitMs} ms (${START_WAIT.factor}× the slowest recent start, ${JSON.stringify(measuredStartTimes())} ms):\n${output()}`)),
      waitMs,
    );
    const check = () => {
      const match = /listening on (http:\/\/[^ ]+) /.exec(output());
      if (match) finish(null, match[1]!);
      else if (output().includes('running background workers only')) finish(null, ''); // GUS_ROLE=worker: no HTTP
    };
    const finish = (error: Error | null, url?: string) => {
      clearTimeout(timer);
      child.stdout!.off('data', check);
      error ? reject(error) : resolve(url!);
    };
    child.stdout!.on('data', check);
    void exited.then((code) => finish(new Error(`gus exited with code ${code} while starting:\n${output()}`)));
  });
}

export async function deleteRedisKeys(prefix: string, url = REDIS_URL): Promise<void> {
  const redis = new Redis(url);
  // `{prefix}:*` are BullMQ's keys (hash-tagged, see libs/queue/redis.ts).
  for (const pattern of [`${prefix}:*`, `{${prefix}}:*`]) {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
      if (keys.length) await redis.del(...keys);
      cursor = next;
    } while (cursor !== '0');
  }
  await redis.quit();
}

/** Every route of a running gus, as Nest's router logged it at start ("Mapped {/v1/me, GET} route"). */
export function routerRoutes(logs: string): Array<{ method: string; path: string }> {
  return [...logs.matchAll(/"msg":"Mapped \{([^,]+), ([A-Z]+)\} route"/g)].map((m) => ({ path: m[1]!, method: m[2]! }));
}

/** Polls until `check` passes or the time is up (then the last failure is thrown). */
/** Every token of the usage ledger (usage_events) for one user. */
export async function ledgerTokens(gus: RunningGus, userId: string): Promise<number> {
  const rows = await gus.query<{ used: string }>('SELECT coalesce(sum(prompt_tokens + completion_tokens), 0) AS used FROM usage_events WHERE user_id = $1', [userId]);
  return Number(rows[0]!.used);
}

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
