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
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { waitForReady } from './gus-api.js';
import { runLoad, type LoadCase } from './load.js';
import { freePort, startNode, startSimulator, stopAllChildren } from './processes.js';
import { median } from './report.js';
import { BenchLeftovers, gusEnvironment, prepareFixture, turnRequests, writeBenchPlans, type Fixture } from './setup.js';

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

const leftovers = new BenchLeftovers();

const number = (name: string, fallback: number): number => {
  const value = Number(process.env[name] ?? fallback);
  if (!Number.isInteger(value) || value < 1) throw new Error(`${name} must be a positive integer`);
  return value;
};

async function startSide(tag: Side['tag'], main: string, simulatorUrl: string, connections: number): Promise<Side> {
  const dataDir = await leftovers.tempDir();
  const plans = await writeBenchPlans(join(ROOT, 'config/plans.json'), dataDir);
  const env = gusEnvironment({
    port: await freePort(),
    databaseUrl: await leftovers.database(ADMIN_URL),
    redisUrl: REDIS_URL,
    redisPrefix: leftovers.redisPrefix(REDIS_URL),
    dataDir,
    plansPath: plans.path,
    ollamaHost: simulatorUrl,
    admin: ADMIN,
  });
  for (const pair of (process.env[`AB_ENV_${tag}`] ?? '').split(',').filter(Boolean)) {
    const [name, value] = pair.split('=', 2) as [string, string];
    env[name] = value;
  }
  const child = startNode(`gus ${tag}`, resolve(main), [], env, ROOT, (process.env[`AB_NODE_${tag}`] ?? '').split(' ').filter(Boolean));
  const url = `http://127.0.0.1:${env.PORT}`;
  await waitForReady(url, 60_000, child.exited, 20).catch((error: unknown) => {
    throw new Error(`${String(error)}\n${child.log.lines.slice(-20).join('\n')}`);
  });
  return { tag, url, pid: child.proc.pid!, fixture: await prepareFixture(url, simulatorUrl, ADMIN, connections) };
}

function loadFor(side: Side, kind: string, connections: number): LoadCase {
  const turns = turnRequests(side.fixture);
  return { name: side.tag, target: 'gus', connections, origin: side.url, requestFor: kind === 'chat' ? () => turns.chat : turns.message };
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
    await leftovers.removeAll();
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  },
);
