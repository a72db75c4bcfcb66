/**
 * `npm run bench`: gus beside a bare LLM gateway (Portkey's, see peer.ts) on the same zero-latency upstream
 * (gus's own simulator). For each mode (PostgreSQL + Redis, and the embedded defaults) it starts gus, then
 * runs interleaved rounds of fixed-count loads against the peer, gus's messages route and gus's
 * OpenAI-compatible route, reading each serving process's own CPU time; then the streaming, stall and
 * context cases. It prints every figure with its ratio to the peer and whether its target is met, and writes
 * bench/results/latest.json. See bench/README.md.
 */
import { randomBytes } from 'node:crypto';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { INPUT_LIMITS } from '../libs/http/input-limits.js';
import { createContextConversations, measureContext, seedEmbedded, seedPostgres } from './context-case.js';
import { waitForReady } from './gus-api.js';
import { runLoad, stopCurrentLoad, type CaseResult, type LoadCase } from './load.js';
import { PEER_NAME, startPortkey, type Peer } from './peer.js';
import { freePort, killAllChildrenSync, rssMb, startNode, startSimulator, stopAllChildren, stopChild, type Child } from './processes.js';
import { evaluate, formatReport, writeReport, type BenchReport, type ModeReport } from './report.js';
import { BENCH_MODEL, BenchLeftovers, CHAT_BODY, gusEnvironment, prepareFixture, turnRequests, writeBenchPlans, type Fixture } from './setup.js';
import { measureStalls } from './stall-case.js';
import { measureStreaming } from './streaming-case.js';

// Compiled to dist/bench/run-bench.js: the project root is two levels up.
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const GUS_MAIN = join(ROOT, 'dist/src/main.js');
const RESULTS_FILE = join(ROOT, 'bench/results/latest.json');
const STARTUP_TIMEOUT_MS = 60_000;

export type ModeName = 'postgres' | 'embedded';

interface Settings {
  rounds: number;
  /** Requests per fixed-count run at one connection, and at 64. */
  c1Requests: number;
  c64Requests: number;
  modes: ModeName[];
  /** An existing database to create the bench's own database beside (it is dropped at the end). */
  databaseUrl: string;
  redisUrl: string;
  context: boolean;
}

/** Everything cleanup must undo; filled in as the run goes. */
const leftovers = new BenchLeftovers();
let cleaning: Promise<void> | undefined;

function readSettings(env: NodeJS.ProcessEnv): Settings {
  const modes = (env.BENCH_MODES || 'postgres,embedded').split(',').map((m) => m.trim());
  for (const mode of modes) if (mode !== 'postgres' && mode !== 'embedded') throw new Error(`BENCH_MODES: unknown mode "${mode}" (postgres, embedded)`);
  return {
    rounds: positive('BENCH_ROUNDS', env.BENCH_ROUNDS || '3'),
    c1Requests: positive('BENCH_C1_REQUESTS', env.BENCH_C1_REQUESTS || '1000'),
    c64Requests: positive('BENCH_C64_REQUESTS', env.BENCH_C64_REQUESTS || '4000'),
    modes: modes as ModeName[],
    databaseUrl: env.BENCH_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test',
    redisUrl: env.BENCH_REDIS_URL || 'redis://127.0.0.1:6379',
    context: env.BENCH_CONTEXT !== '0',
  };
}

function positive(name: string, raw: string): number {
  const value = Number(raw);
  if (!Number.isInteger(value) || value <= 0) throw new Error(`${name} must be a positive integer (got "${raw}")`);
  return value;
}


interface GusSetup {
  env: NodeJS.ProcessEnv;
  dataDir: string;
  databaseUrl?: string;
}

async function gusSetup(mode: ModeName, settings: Settings, simulatorUrl: string, admin: { email: string; password: string }): Promise<GusSetup> {
  const dataDir = await leftovers.tempDir();
  const plans = await writeBenchPlans(join(ROOT, 'config/plans.json'), dataDir);
  const databaseUrl = mode === 'postgres' ? await leftovers.database(settings.databaseUrl) : undefined;
  const redisUrl = mode === 'postgres' ? settings.redisUrl : undefined;
  const redisPrefix = redisUrl ? leftovers.redisPrefix(redisUrl) : `gus-bench-${randomBytes(4).toString('hex')}`;
  const env = gusEnvironment({ port: await freePort(), databaseUrl, redisUrl, redisPrefix, dataDir, plansPath: plans.path, ollamaHost: simulatorUrl, admin });
  return { env, dataDir, databaseUrl };
}

async function startGus(env: NodeJS.ProcessEnv): Promise<{ child: Child; url: string; startupMs: number }> {
  const started = performance.now();
  // BENCH_GUS_NODE_ARGS, e.g. "--cpu-prof --cpu-prof-dir=/tmp/gus-prof", profiles gus alone.
  const child = startNode('gus', GUS_MAIN, [], env, ROOT, (process.env.BENCH_GUS_NODE_ARGS ?? '').split(' ').filter(Boolean));
  const url = `http://127.0.0.1:${env.PORT}`;
  await waitForReady(url, STARTUP_TIMEOUT_MS, child.exited, 10).catch((error: unknown) => {
    throw new Error(`${error instanceof Error ? error.message : String(error)}\ngus output:\n${child.log.lines.slice(-20).join('\n')}`);
  });
  return { child, url, startupMs: Math.round(performance.now() - started) };
}

const isLocal = (url: string): boolean => ['127.0.0.1', 'localhost', '[::1]'].includes(new URL(url).hostname);

interface Targets {
  peer: Peer;
  gusUrl: string;
  gusPid: number;
  simulatorUrl: string;
  fixture: Fixture;
  /** Command names of the local servers gus's turns also cost (PostgreSQL, Redis), in the postgres mode. */
  backing?: readonly string[];
}

/** The loads of one round; `pid` is whose CPU time is read (none for the direct runs). */
function roundCases(t: Targets, connections: number): Array<LoadCase & { pid?: number; backing?: readonly string[] }> {
  const gus = turnRequests(t.fixture);
  const cases: Array<LoadCase & { pid?: number; backing?: readonly string[] }> = [
    { name: 'peer chat completions', target: 'portkey', connections, origin: t.peer.url, requestFor: () => t.peer.request(CHAT_BODY), pid: t.peer.child.proc.pid },
    { name: 'gus messages', target: 'gus', connections, origin: t.gusUrl, requestFor: gus.message, pid: t.gusPid, backing: t.backing },
    { name: 'gus chat completions', target: 'gus', connections, origin: t.gusUrl, requestFor: () => gus.chat, pid: t.gusPid, backing: t.backing },
  ];
  if (connections === 1) {
    cases.push(
      { name: 'direct /api/chat', target: 'simulator', connections, origin: t.simulatorUrl, requestFor: () => ({ method: 'POST', path: '/api/chat', headers: { 'content-type': 'application/json' }, body: t.fixture.simulatorBody }) },
      { name: 'direct /v1/chat/completions', target: 'simulator', connections, origin: t.simulatorUrl, requestFor: () => ({ method: 'POST', path: '/v1/chat/completions', headers: { 'content-type': 'application/json' }, body: CHAT_BODY }) },
    );
  }
  return cases;
}

async function measureRounds(t: Targets, settings: Settings): Promise<Record<string, CaseResult[]>> {
  const results: Record<string, CaseResult[]> = {};
  // BENCH_ONLY (a regular expression on "<case> c=<n>") narrows the rounds, e.g. to profile one case.
  const only = process.env.BENCH_ONLY ? new RegExp(process.env.BENCH_ONLY) : null;
  const all = [...roundCases(t, 1), ...roundCases(t, 64)].filter((c) => !only || only.test(`${c.name} c=${c.connections}`));
  process.stdout.write('  warm-up ... ');
  for (const loadCase of all) await runLoad(loadCase, { amount: Math.min(500, settings.c64Requests) });
  process.stdout.write('done\n');
  for (let round = 1; round <= settings.rounds; round++) {
    // Alternate the order, so that neither the peer nor gus always runs on a warmer machine.
    for (const loadCase of round % 2 ? all : [...all].reverse()) {
      const amount = loadCase.connections === 1 ? settings.c1Requests : settings.c64Requests;
      const result = await runLoad(loadCase, { amount }, loadCase.pid, loadCase.backing);
      const key = `${loadCase.name} c=${loadCase.connections}`;
      (results[key] ??= []).push(result);
      const cpu = result.cpuMsPerRequest === undefined ? '' : `, ${result.cpuMsPerRequest.toFixed(3)} ms CPU/request (${result.systemCpuMsPerRequest!.toFixed(3)} in the kernel)`;
      const backing = result.backingCpuMsPerRequest === undefined ? '' : `; PostgreSQL + Redis ${result.backingCpuMsPerRequest.toFixed(3)} ms`;
      console.log(`  round ${round}: ${key.padEnd(36)} ${result.requestsPerSec.toFixed(0).padStart(6)} req/s, p50 ${result.latencyMs.p50.toFixed(2)} ms${cpu}${backing}`);
    }
  }
  return results;
}

async function runMode(mode: ModeName, settings: Settings, simulator: { url: string }, peer: Peer): Promise<ModeReport> {
  console.log(`\n== mode: ${mode === 'postgres' ? 'PostgreSQL + Redis' : 'embedded defaults (PGlite, in-process queue and limiter)'}`);
  const admin = { email: `bench-admin-${randomBytes(4).toString('hex')}@bench.invalid`, password: randomBytes(16).toString('hex') };
  const setup = await gusSetup(mode, settings, simulator.url, admin);
  let gus = await startGus(setup.env);
  const startupMs = gus.startupMs;
  await new Promise((resolve) => setTimeout(resolve, 1000));
  const idleRssMb = rssMb(gus.child.proc.pid!);
  console.log(`  gus ready in ${startupMs} ms at ${gus.url}, idle RSS ${idleRssMb} MB`);

  const fixture = await prepareFixture(gus.url, simulator.url, admin, 64);
  // Only servers on this machine can be read; their CPU includes whatever else they serve meanwhile.
  const backing = mode === 'postgres' && isLocal(settings.databaseUrl) && isLocal(settings.redisUrl) ? ['postgres', 'redis-server'] : undefined;
  const targets: Targets = { peer, gusUrl: gus.url, gusPid: gus.child.proc.pid!, simulatorUrl: simulator.url, fixture, backing };
  const rounds = await measureRounds(targets, settings);

  console.log('  streaming case ...');
  const streaming = await measureStreaming(gus.url, fixture.apiKey, simulator.url, fixture.seeds[0]!, process.env.BENCH_ONLY ? 1 : 30);
  console.log('  stall case ...');
  const stalls = await measureStalls(gus.url, fixture.apiKey, fixture.seeds[1]!, INPUT_LIMITS, BENCH_MODEL, Number(process.env.BENCH_STALL_S ?? (process.env.BENCH_ONLY ? 0.1 : 8)));

  let context;
  if (settings.context) {
    const conversations = await createContextConversations(gus.url, fixture.apiKey);
    if (setup.databaseUrl) await seedPostgres(setup.databaseUrl, conversations);
    else {
      // Only one process may open the embedded database: stop gus, seed its files, start it again.
      await stopChild(gus.child);
      await seedEmbedded(setup.dataDir, conversations);
      gus = await startGus(setup.env);
    }
    context = await measureContext(gus.url, fixture.apiKey, conversations, { connections: 16, durationS: 4, rounds: 2, warmupS: 1 });
  }
  const log = { warnings: gus.child.log.warnings, errors: gus.child.log.errors, notable: gus.child.log.notableLines };
  await stopChild(gus.child);
  return { mode, startupMs, idleRssMb, rounds, streaming, stalls, context, gusLog: log };
}

async function run(settings: Settings): Promise<number> {
  console.log(`gus bench: ${settings.modes.join(' + ')}; ${settings.rounds} rounds of ${settings.c1Requests} requests at c=1 and ${settings.c64Requests} at c=64; node ${process.version}, ${cpus().length} CPUs`);
  const simulator = await startSimulator(ROOT, STARTUP_TIMEOUT_MS);
  const peer = await startPortkey(simulator.url, ROOT);
  console.log(`  simulator ${simulator.url}, peer (${PEER_NAME}) ${peer.url}`);
  const modes: ModeReport[] = [];
  for (const mode of settings.modes) modes.push(await runMode(mode, settings, simulator, peer));
  const report: BenchReport = {
    timestamp: new Date().toISOString(),
    node: process.version,
    cpus: cpus().length,
    peer: PEER_NAME,
    settings: { rounds: settings.rounds, c1Requests: settings.c1Requests, c64Requests: settings.c64Requests },
    modes,
    checks: [],
    ok: true,
  };
  report.checks = evaluate(report);
  report.ok = report.checks.every((check) => check.met);
  console.log(`\n${formatReport(report)}`);
  await writeReport(RESULTS_FILE, report);
  console.log(`wrote ${RESULTS_FILE}`);
  return report.ok ? 0 : 1;
}

/** Stops load and children, removes temp dirs, the bench's database and Redis keys; safe to call more than once. */
function cleanUp(): Promise<void> {
  cleaning ??= (async () => {
    stopCurrentLoad();
    await stopAllChildren();
    await leftovers.removeAll();
  })();
  return cleaning;
}

function installSafetyNets(): void {
  const interrupt = (signal: NodeJS.Signals): void => {
    console.error(`\n${signal}: stopping the bench`);
    void cleanUp().finally(() => process.exit(130));
  };
  process.once('SIGINT', interrupt);
  process.once('SIGTERM', interrupt);
  // Whatever path leads to exit, no child and no temp dir outlives the bench.
  process.once('exit', () => {
    killAllChildrenSync();
    leftovers.removeTempDirsSync();
  });
}

async function main(): Promise<void> {
  installSafetyNets();
  try {
    process.exitCode = await run(readSettings(process.env));
  } catch (error) {
    console.error(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    process.exitCode = 1;
  } finally {
    await cleanUp();
  }
}

await main();
