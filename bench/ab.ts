/**
 * `npm run bench:ab -- <main A> <main B>`: two builds of gus side by side on PostgreSQL + Redis, each with a database
 * and a Redis prefix of its own, against one simulator, in alternating fixed-count runs of one case. It prints
 * each round's CPU per request (and p50, and the CPU PostgreSQL + Redis used) and the medians: a lever is judged on
 * B ÷ A from the same minutes of the same machine, where two full `npm run bench` runs differ by more than most
 * levers. Copy dist/ to another folder, change the copy, and compare `dist/src/main.js` with it.
 * Environment: AB_ROUNDS (6), AB_REQUESTS (5000), AB_CASE (messages | chat), AB_CONNECTIONS (64),
 * AB_ENV_A / AB_ENV_B (`NAME=value,NAME=value` for one side only), AB_NODE_A / AB_NODE_B (node flags for one side).
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AutocannonRequest } from 'autocannon';
import pg from 'pg';
import { waitForReady } from './gus-api.js';
import { runLoad, type LoadCase } from './load.js';
import { freePort, startNode, startSimulator, stopAllChildren } from './processes.js';
import { deleteRedisPrefix } from './redis-cleanup.js';
import { median } from './report.js';
import { BENCH_CONTENT, prepareFixture, writeBenchPlans, type Fixture } from './setup.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const ADMIN_URL = process.env.BENCH_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test';
const REDIS_URL = process.env.BENCH_REDIS_URL || 'redis://127.0.0.1:6379';
const ADMIN = { email: 'ab-admin@bench.invalid', password: randomBytes(12).toString('hex') };
const BACKING = ['postgres', 'redis-server'];

interface Side {
  tag: 'A' | 'B';
  url: string;
  pid: number;
  fixture: Fixture;
}

/** What cleanup removes, filled in as each side is made. */
const made: Array<{ database?: string; redisPrefix?: string; dataDir: string }> = [];

const number = (name: string, fallback: number): number => {
  const value = Number(process.env[name] ?? fallback);
  if (!Number.isInteger(value) || value < 1) throw new Error(`${name} must be a positive integer`);
  return value;
};

async function startSide(tag: Side['tag'], main: string, simulatorUrl: string, connections: number): Promise<Side> {
  const dataDir = await mkdtemp(join(tmpdir(), 'gus-ab-'));
  const cleanup: (typeof made)[number] = { dataDir };
  made.push(cleanup);
  const plans = await writeBenchPlans(join(ROOT, 'config/plans.json'), dataDir);
  const database = `gus_ab_${tag.toLowerCase()}_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client(ADMIN_URL);
  await admin.connect();
  await admin.query(`CREATE DATABASE ${database}`);
  await admin.end();
  cleanup.database = database;
  const databaseUrl = new URL(ADMIN_URL);
  databaseUrl.pathname = `/${database}`;
  const redisPrefix = `gus-ab-${tag}-${randomBytes(4).toString('hex')}`;
  cleanup.redisPrefix = redisPrefix;
  const inherited = Object.entries(process.env).filter(([key]) => !/^(GUS_|OTEL_|AB_)/.test(key) && !['PORT', 'HOST', 'DATABASE_URL', 'REDIS_URL', 'OLLAMA_HOST', 'JWT_SECRET', 'LOG_LEVEL'].includes(key));
  const own = (process.env[`AB_ENV_${tag}`] ?? '').split(',').filter(Boolean).map((pair) => pair.split('=', 2) as [string, string]);
  const env: NodeJS.ProcessEnv = {
    ...Object.fromEntries(inherited),
    PORT: String(await freePort()),
    HOST: '127.0.0.1',
    DATABASE_URL: databaseUrl.toString(),
    REDIS_URL,
    GUS_REDIS_PREFIX: redisPrefix,
    GUS_DATA_DIR: dataDir,
    GUS_PLANS_FILE: plans.path,
    OLLAMA_HOST: simulatorUrl,
    GUS_ADMIN_EMAIL: ADMIN.email,
    GUS_ADMIN_PASSWORD: ADMIN.password,
    JWT_SECRET: randomBytes(32).toString('hex'),
    LOG_LEVEL: 'info',
    ...Object.fromEntries(own),
  };
  const child = startNode(`gus ${tag}`, resolve(main), [], env, ROOT, (process.env[`AB_NODE_${tag}`] ?? '').split(' ').filter(Boolean));
  const url = `http://127.0.0.1:${env.PORT}`;
  await waitForReady(url, 60_000, child.exited, 20).catch((error: unknown) => {
    throw new Error(`${String(error)}\n${child.log.lines.slice(-20).join('\n')}`);
  });
  return { tag, url, pid: child.proc.pid!, fixture: await prepareFixture(url, simulatorUrl, ADMIN, connections) };
}

function loadFor(side: Side, kind: string, connections: number): LoadCase {
  const headers = { 'content-type': 'application/json', authorization: `Bearer ${side.fixture.apiKey}` };
  const chat: AutocannonRequest = { method: 'POST', path: '/v1/chat/completions', headers, body: JSON.stringify({ model: 'llama3.2:1b', messages: [{ role: 'user', content: BENCH_CONTENT }] }) };
  const message = (i: number): AutocannonRequest => {
    const seed = side.fixture.seeds[i % side.fixture.seeds.length]!;
    return { method: 'POST', path: `/v1/conversations/${seed.conversationId}/messages`, headers, body: JSON.stringify({ content: BENCH_CONTENT, parentId: seed.parentId }) };
  };
  return { name: side.tag, target: 'gus', connections, origin: side.url, requestFor: kind === 'chat' ? () => chat : message };
}

async function main(): Promise<void> {
  const [mainA, mainB] = process.argv.slice(2);
  if (!mainA || !mainB) throw new Error('usage: npm run bench:ab -- <main.js of A> <main.js of B>');
  const rounds = number('AB_ROUNDS', 6);
  const requests = number('AB_REQUESTS', 5000);
  const connections = number('AB_CONNECTIONS', 64);
  const kind = process.env.AB_CASE ?? 'messages';
  const simulator = await startSimulator(ROOT);
  const sides: Side[] = [];
  try {
    sides.push(await startSide('A', mainA, simulator.url, connections), await startSide('B', mainB, simulator.url, connections));
    for (const side of sides) await runLoad(loadFor(side, kind, connections), { amount: Math.min(requests, 1500) }, side.pid);
    const cpu: Record<Side['tag'], number[]> = { A: [], B: [] };
    console.log(`A/B: ${kind} c=${connections}, ${rounds} rounds of ${requests} requests; A = ${mainA}, B = ${mainB}`);
    for (let round = 0; round < rounds; round++) {
      const line: string[] = [];
      for (const side of round % 2 ? [...sides].reverse() : sides) {
        const result = await runLoad(loadFor(side, kind, connections), { amount: requests }, side.pid, BACKING);
        if (result.non2xx + result.errors > 0) throw new Error(`${side.tag}: ${result.non2xx} non-2xx, ${result.errors} errors: ${result.problems.join('; ')}`);
        cpu[side.tag].push(result.cpuMsPerRequest!);
        line.push(`${side.tag} ${result.cpuMsPerRequest!.toFixed(3)} ms (p50 ${result.latencyMs.p50.toFixed(1)} ms, RSS ≤ ${result.maxRssMb ?? '-'} MB, PostgreSQL + Redis ${result.backingCpuMsPerRequest?.toFixed(3) ?? '-'} ms)`);
      }
      console.log(`  round ${round + 1}: ${line.join('   ')}`);
    }
    const pairwise = cpu.B.reduce((sum, b, i) => sum + b / cpu.A[i]!, 0) / rounds;
    console.log(`CPU ms per request: A ${median(cpu.A).toFixed(3)}, B ${median(cpu.B).toFixed(3)}; B ÷ A ${(median(cpu.B) / median(cpu.A)).toFixed(3)} (medians), ${pairwise.toFixed(3)} (mean of the rounds' ratios)`);
  } finally {
    await stopAllChildren();
    const admin = new pg.Client(ADMIN_URL);
    await admin.connect();
    for (const { database, redisPrefix, dataDir } of made) {
      if (database) await admin.query(`DROP DATABASE IF EXISTS ${database}`);
      if (redisPrefix) await deleteRedisPrefix(REDIS_URL, redisPrefix);
      await rm(dataDir, { recursive: true, force: true });
    }
    await admin.end();
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  },
);
