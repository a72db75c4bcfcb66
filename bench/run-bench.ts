/**
 * `npm run bench`: how much latency gus adds to a chat turn on top of the model server.
 * Starts the Ollama simulator (zero latency) and gus as child processes on loopback ports, then
 * measures POST /v1/conversations/:id/messages on gus and POST /api/chat on the simulator at the
 * same concurrencies, and prints / writes the figures side by side. See bench/README.md.
 */
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AutocannonRequest } from 'autocannon';
import { waitForReady } from './gus-api.js';
import { runLoad, stopCurrentLoad, type CaseResult, type LoadCase } from './load.js';
import { deleteRedisPrefix } from './redis-cleanup.js';
import { createContextConversations, formatContext, measureContext, seedEmbedded, seedPostgres, type ContextReport } from './context-case.js';
import { freePort, killAllChildrenSync, startNode, stopAllChildren, stopChild, waitForLine, type Child } from './processes.js';
import { addedLatency, caseFailures, formatTable, writeReport, type BenchReport } from './report.js';
import { BENCH_CONTENT, prepareFixture, writeBenchPlans, type Fixture } from './setup.js';

// Compiled to dist/bench/run-bench.js: the project root is two levels up.
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const GUS_MAIN = join(ROOT, 'dist/src/main.js');
const SIMULATOR_CLI = join(ROOT, 'dist/src/llm/simulator/simulator.cli.js');
const RESULTS_FILE = join(ROOT, 'bench/results/latest.json');
const STARTUP_TIMEOUT_MS = 30_000;

type Mode = { kind: 'embedded' } | { kind: 'external'; databaseUrl: string; redisUrl: string };

interface Settings {
  durationS: number;
  warmupS: number;
  connections: number[];
  mode: Mode;
  /** The context case (10 vs 10,000 messages); BENCH_CONTEXT=0 skips it. */
  context: boolean;
}

/** Everything cleanup must undo; filled in as the run goes. */
const state: { tempDir?: string; redis?: { url: string; prefix: string }; cleaning?: Promise<void> } = {};

function readSettings(env: NodeJS.ProcessEnv): Settings {
  const databaseUrl = env.BENCH_DATABASE_URL || undefined;
  const redisUrl = env.BENCH_REDIS_URL || undefined;
  if (Boolean(databaseUrl) !== Boolean(redisUrl)) throw new Error('set both BENCH_DATABASE_URL and BENCH_REDIS_URL, or neither (embedded mode)');
  const connections = (env.BENCH_CONNECTIONS || '1,64').split(',').map((raw) => positive('BENCH_CONNECTIONS', raw.trim()));
  return {
    durationS: positive('BENCH_DURATION_S', env.BENCH_DURATION_S || '10'),
    warmupS: nonNegative('BENCH_WARMUP_S', env.BENCH_WARMUP_S || '2'),
    connections: [...new Set(connections)].sort((a, b) => a - b),
    mode: databaseUrl && redisUrl ? { kind: 'external', databaseUrl, redisUrl } : { kind: 'embedded' },
    context: env.BENCH_CONTEXT !== '0',
  };
}

function positive(name: string, raw: string): number {
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a positive number (got "${raw}")`);
  return value;
}

function nonNegative(name: string, raw: string): number {
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 0) throw new Error(`${name} must be a number >= 0 (got "${raw}")`);
  return value;
}

function describeMode(mode: Mode, dataDir: string): string {
  if (mode.kind === 'embedded') return `embedded (PGlite in ${dataDir}, in-process queue)`;
  return `external (PostgreSQL ${redact(mode.databaseUrl)}, Redis ${redact(mode.redisUrl)})`;
}

/** Never print a password from a connection URL. */
function redact(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(unparsable URL)';
  }
}

async function startSimulator(): Promise<{ child: Child; url: string }> {
  // Zero latency and no inter-token delay: the simulator's own time is as close to nothing as it gets.
  const child = startNode('simulator', SIMULATOR_CLI, ['--port', '0', '--host', '127.0.0.1', '--latency-ms', '0', '--tokens-per-second', '0'], process.env, ROOT);
  const match = await waitForLine(child, /listening on (http:\/\/\S+)/, STARTUP_TIMEOUT_MS);
  return { child, url: match[1].replace(/\/$/, '') };
}

/** The environment gus gets: inherited settings of gus removed, so the user's shell or .env cannot skew a run. */
function gusEnv(
  settings: Settings,
  port: number,
  simulatorUrl: string,
  dataDir: string,
  plansFile: string,
  redisPrefix: string,
  admin: { email: string; password: string },
): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!key.startsWith('GUS_') && !['PORT', 'HOST', 'DATABASE_URL', 'REDIS_URL', 'OLLAMA_HOST', 'JWT_SECRET', 'LOG_LEVEL'].includes(key)) env[key] = value;
  }
  const external = settings.mode.kind === 'external' ? settings.mode : undefined;
  return {
    ...env,
    PORT: String(port),
    HOST: '127.0.0.1',
    // Empty rather than absent: a .env file only fills variables that are not set at all.
    DATABASE_URL: external?.databaseUrl ?? '',
    REDIS_URL: external?.redisUrl ?? '',
    GUS_REDIS_PREFIX: redisPrefix,
    GUS_DATA_DIR: dataDir,
    GUS_PLANS_FILE: plansFile,
    OLLAMA_HOST: simulatorUrl,
    GUS_ADMIN_EMAIL: admin.email,
    GUS_ADMIN_PASSWORD: admin.password,
    JWT_SECRET: randomBytes(32).toString('hex'),
    LOG_LEVEL: 'warn',
  };
}

async function startGus(env: NodeJS.ProcessEnv): Promise<{ child: Child; url: string }> {
  const child = startNode('gus', GUS_MAIN, [], env, ROOT);
  const url = `http://127.0.0.1:${env.PORT}`;
  await waitForReady(url, STARTUP_TIMEOUT_MS, child.exited).catch((error: unknown) => {
    const output = child.log.lines.slice(-20).join('\n');
    throw new Error(`${error instanceof Error ? error.message : String(error)}\ngus output:\n${output}`);
  });
  return { child, url };
}

function gusRequest(fixture: Fixture, index: number): AutocannonRequest {
  const seed = fixture.seeds[index % fixture.seeds.length];
  return {
    method: 'POST',
    path: `/v1/conversations/${seed.conversationId}/messages`,
    headers: { 'content-type': 'application/json', authorization: `Bearer ${fixture.apiKey}` },
    body: JSON.stringify({ content: BENCH_CONTENT, parentId: seed.parentId }),
  };
}

function simulatorRequest(fixture: Fixture): AutocannonRequest {
  return { method: 'POST', path: '/api/chat', headers: { 'content-type': 'application/json' }, body: fixture.simulatorBody };
}

function buildCases(settings: Settings, fixture: Fixture, gusUrl: string, simulatorUrl: string): LoadCase[] {
  return settings.connections.flatMap((connections): LoadCase[] => [
    { name: `simulator c=${connections}`, target: 'simulator', connections, origin: simulatorUrl, requestFor: () => simulatorRequest(fixture) },
    { name: `gus turn c=${connections}`, target: 'gus', connections, origin: gusUrl, requestFor: (i) => gusRequest(fixture, i) },
  ]);
}

async function measure(cases: LoadCase[], settings: Settings): Promise<CaseResult[]> {
  const results: CaseResult[] = [];
  for (const loadCase of cases) {
    process.stdout.write(`  ${loadCase.name.padEnd(20)} warm-up ${settings.warmupS} s, measure ${settings.durationS} s ... `);
    // Warm-up results are thrown away: JIT, connection pools and caches settle first.
    if (settings.warmupS > 0) await runLoad(loadCase, settings.warmupS);
    const result = await runLoad(loadCase, settings.durationS);
    process.stdout.write(`${result.requestsPerSec} req/s\n`);
    results.push(result);
  }
  return results;
}

async function run(settings: Settings): Promise<number> {
  const dataDir = await mkdtemp(join(tmpdir(), 'gus-bench-'));
  state.tempDir = dataDir;
  console.log(`gus bench: mode ${describeMode(settings.mode, dataDir)}; node ${process.version}, ${cpus().length} CPUs`);

  const simulator = await startSimulator();
  const plans = await writeBenchPlans(join(ROOT, 'config/plans.json'), dataDir);
  if (plans.raised) console.log('  (pro plan rate limits raised out of reach for the bench user; the limiter still counts)');
  const admin = { email: `bench-admin-${randomBytes(4).toString('hex')}@bench.invalid`, password: randomBytes(16).toString('hex') };
  // A Redis prefix of its own, so this run's queues and counters are apart from others (and deleted at the end).
  const redisPrefix = `gus-bench-${randomBytes(4).toString('hex')}`;
  if (settings.mode.kind === 'external') state.redis = { url: settings.mode.redisUrl, prefix: redisPrefix };
  const env = gusEnv(settings, await freePort(), simulator.url, dataDir, plans.path, redisPrefix, admin);
  let gus = await startGus(env);
  console.log(`  simulator ${simulator.url}, gus ${gus.url}`);

  const fixture = await prepareFixture(gus.url, simulator.url, admin, Math.max(...settings.connections));
  const results = await measure(buildCases(settings, fixture, gus.url, simulator.url), settings);
  const failures = results.flatMap(caseFailures);
  if (gus.child.proc.exitCode !== null) failures.push(`gus exited during the run (${gus.child.proc.exitCode})`);

  const added = addedLatency(results);
  console.log(`\n${formatTable(results, added)}\n`);
  reportProblems(results, gus.child);

  let context: ContextReport | undefined;
  if (settings.context) {
    const conversations = await createContextConversations(gus.url, fixture.apiKey);
    if (settings.mode.kind === 'external') await seedPostgres(settings.mode.databaseUrl, conversations);
    else {
      // Only one process may open the embedded database: stop gus, seed its files, start it again.
      await stopChild(gus.child);
      await seedEmbedded(dataDir, conversations);
      gus = await startGus(env);
    }
    context = await measureContext(gus.url, fixture.apiKey, conversations, { connections: 16, durationS: Math.max(3, settings.durationS / 2), rounds: 2, warmupS: settings.warmupS });
    console.log(`\n${formatContext(context)}\n`);
    for (const c of context.conversations) if (c.non2xx + c.errors > 0) failures.push(`context case ${c.size}: ${c.non2xx} non-2xx, ${c.errors} errors`);
  }

  const report: BenchReport = {
    ok: failures.length === 0,
    failures,
    timestamp: new Date().toISOString(),
    node: process.version,
    cpus: cpus().length,
    mode: settings.mode.kind,
    durationS: settings.durationS,
    warmupS: settings.warmupS,
    cases: results,
    addedLatency: added,
    context,
    gusLog: { warnings: gus.child.log.warnings, errors: gus.child.log.errors },
  };
  await writeReport(RESULTS_FILE, report);
  console.log(`wrote ${RESULTS_FILE}`);
  for (const failure of failures) console.error(`FAILED: ${failure}`);
  return failures.length === 0 ? 0 : 1;
}

/** What went wrong, if anything: sample failed responses and gus's warning / error log lines. */
function reportProblems(results: CaseResult[], gus: Child): void {
  for (const result of results.filter((r) => r.problems.length > 0)) {
    console.log(`${result.name}: status codes ${JSON.stringify(result.statusCodes)}; first problems:`);
    for (const problem of result.problems) console.log(`    ${problem}`);
  }
  const { warnings, errors, notableLines } = gus.log;
  if (warnings + errors > 0) console.log(`gus logged ${warnings} warning(s) and ${errors} error(s); the first ones:`);
  for (const line of notableLines) console.log(`    ${line.slice(0, 400)}`);
}

/** Stops load, children and removes the temp dir; safe to call more than once. */
function cleanUp(): Promise<void> {
  state.cleaning ??= (async () => {
    stopCurrentLoad();
    await stopAllChildren();
    if (state.tempDir) await rm(state.tempDir, { recursive: true, force: true });
    state.tempDir = undefined;
    if (state.redis) await cleanRedis(state.redis);
  })();
  return state.cleaning;
}

async function cleanRedis(redis: { url: string; prefix: string }): Promise<void> {
  try {
    const deleted = await deleteRedisPrefix(redis.url, redis.prefix);
    console.log(`deleted ${deleted} Redis key(s) under ${redis.prefix}:`);
  } catch (error) {
    console.error(`could not delete the Redis keys under ${redis.prefix}: ${error instanceof Error ? error.message : String(error)}`);
  }
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
    if (state.tempDir) rmSync(state.tempDir, { recursive: true, force: true });
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
