import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AutocannonRequest } from 'autocannon';
import pg from 'pg';
import { GusApi } from './gus-api.js';
import { deleteRedisPrefix } from './redis-cleanup.js';

/** What a bench connection needs to send chat turns that all cost the same. */
export interface Seed {
  conversationId: string;
  /** The seed turn's assistant answer: every measured turn continues from it. */
  parentId: string;
}

export interface Fixture {
  apiKey: string;
  seeds: Seed[];
  /** The /api/chat body gus sent for a measured turn, with stream:false, for the direct simulator runs. */
  simulatorBody: string;
}

export const BENCH_CONTENT = 'Benchmark turn: in one sentence, how far is the Moon from the Earth?';
export const BENCH_MODEL = 'llama3.2:1b';
/** The OpenAI-style body every /v1/chat/completions run sends (gus's, the peer's, the simulator's). */
export const CHAT_BODY = JSON.stringify({ model: BENCH_MODEL, messages: [{ role: 'user', content: BENCH_CONTENT }] });
const SEED_CONTENT = 'Seed turn: please remember that my favourite colour is green.';
const SETUP_PARALLELISM = 8;

/**
 * A copy of the plan catalogue where the bench's plan (pro) has rate limits, quotas and an abuse threshold no run can reach: the bench
 * measures what a turn costs, and the limiter would otherwise answer 429 after a few hundred turns.
 * The limiter still counts every request, so its cost is part of the figures.
 */
export async function writeBenchPlans(sourcePath: string, targetDir: string): Promise<{ path: string; raised: boolean }> {
  const catalogue = JSON.parse(await readFile(sourcePath, 'utf8')) as { plans: Array<Record<string, unknown>> };
  const unreachable = 1_000_000_000;
  let raised = false;
  for (const plan of catalogue.plans) {
    if (plan.id === 'pro' && typeof plan.rateLimits === 'object' && plan.rateLimits !== null) {
      plan.rateLimits = { ...plan.rateLimits, perMinute: unreachable, perHour: unreachable, perDay: unreachable };
      // The bench is a bot by design: its user trips the abuse detectors (their flags are part of the measured cost)
      // but must not be suspended, nor run out of tokens.
      plan.abuse = { suspendAfter: unreachable, windowMinutes: 1 };
      plan.quotas = { tokensPerDay: unreachable * 1000, tokensPerMonth: unreachable * 1000 };
      // Background titles of the seed conversations would be model calls during the measured rounds.
      plan.titles = false;
      raised = true;
    }
  }
  const path = join(targetDir, 'plans.json');
  await writeFile(path, JSON.stringify(catalogue));
  return { path, raised };
}

/**
 * Creates a pro user with an API key and one conversation per connection, each with one seed turn.
 * Measured turns all use the seed answer as parentId, so the context gus builds (system prompt, seed
 * question, seed answer, new question) is the same size for the first turn and the ten-thousandth,
 * and connections never share a conversation (no contention on one conversation's rows).
 */
export async function prepareFixture(gusUrl: string, simulatorUrl: string, admin: { email: string; password: string }, conversations: number): Promise<Fixture> {
  const api = new GusApi(gusUrl);
  const adminToken = await api.login(admin.email, admin.password);
  const runId = randomBytes(4).toString('hex');
  const userId = await api.createUser(adminToken, `bench-${runId}@bench.invalid`, randomBytes(12).toString('hex'), 'pro');
  const apiKey = await api.issueApiKey(adminToken, userId, `bench-${runId}`);

  const seeds: Seed[] = [];
  for (let start = 0; start < conversations; start += SETUP_PARALLELISM) {
    const batch = Math.min(SETUP_PARALLELISM, conversations - start);
    seeds.push(...(await Promise.all(Array.from({ length: batch }, () => seedConversation(api, apiKey)))));
  }
  const probe = await api.sendMessage(apiKey, seeds[0].conversationId, BENCH_CONTENT, seeds[0].parentId);
  if (probe.assistantStatus !== 'complete') throw new Error(`the probe turn ended "${probe.assistantStatus}", not "complete"`);
  return { apiKey, seeds, simulatorBody: await lastChatBody(simulatorUrl) };
}

async function seedConversation(api: GusApi, apiKey: string): Promise<Seed> {
  const conversationId = await api.createConversation(apiKey);
  const turn = await api.sendMessage(apiKey, conversationId, SEED_CONTENT);
  if (turn.assistantStatus !== 'complete') throw new Error(`a seed turn ended "${turn.assistantStatus}", not "complete"`);
  return { conversationId, parentId: turn.assistantMessageId };
}

/** The simulator records the /api/chat bodies it receives: reuse gus's own, so both targets get the same prompt. */
async function lastChatBody(simulatorUrl: string): Promise<string> {
  const res = await fetch(`${simulatorUrl}/_simulator/requests`, { signal: AbortSignal.timeout(5000) });
  if (!res.ok) throw new Error(`simulator GET /_simulator/requests answered ${res.status}`);
  const recorded = (await res.json()) as Array<{ messages?: Array<{ role: string; content?: string }> }>;
  const body = recorded.findLast((r) => r.messages?.at(-1)?.content === BENCH_CONTENT);
  if (!body) throw new Error('the simulator never received the probe turn from gus');
  return JSON.stringify({ ...body, stream: false });
}

/** The two turns the bench sends gus: connection `i` continues its own conversation from the seed answer, or asks /v1/chat/completions. */
export function turnRequests(fixture: Fixture): { message(i: number): AutocannonRequest; chat: AutocannonRequest } {
  const headers = { 'content-type': 'application/json', authorization: `Bearer ${fixture.apiKey}` };
  return {
    message(i) {
      const seed = fixture.seeds[i % fixture.seeds.length]!;
      return { method: 'POST', path: `/v1/conversations/${seed.conversationId}/messages`, headers, body: JSON.stringify({ content: BENCH_CONTENT, parentId: seed.parentId }) };
    },
    chat: { method: 'POST', path: '/v1/chat/completions', headers, body: CHAT_BODY },
  };
}

/** What a bench run makes and must remove again: temp dirs, databases beside an admin database, Redis key prefixes. */
export class BenchLeftovers {
  private readonly tempDirs: string[] = [];
  private readonly redis: Array<{ url: string; prefix: string }> = [];
  private readonly databases: Array<{ adminUrl: string; name: string }> = [];

  async tempDir(): Promise<string> {
    const dir = await mkdtemp(join(tmpdir(), 'gus-bench-'));
    this.tempDirs.push(dir);
    return dir;
  }

  /** A database of the bench's own beside `adminUrl`'s: its URL. */
  async database(adminUrl: string): Promise<string> {
    const name = `gus_bench_${randomBytes(4).toString('hex')}`;
    const client = new pg.Client({ connectionString: adminUrl });
    await client.connect();
    await client.query(`CREATE DATABASE ${name}`);
    await client.end();
    this.databases.push({ adminUrl, name });
    const url = new URL(adminUrl);
    url.pathname = `/${name}`;
    return url.toString();
  }

  redisPrefix(url: string): string {
    const prefix = `gus-bench-${randomBytes(4).toString('hex')}`;
    this.redis.push({ url, prefix });
    return prefix;
  }

  /** Removes everything made so far (and forgets it, so a second call does nothing). */
  async removeAll(): Promise<void> {
    for (const dir of this.tempDirs.splice(0)) await rm(dir, { recursive: true, force: true });
    for (const redis of this.redis.splice(0)) await deleteRedisPrefix(redis.url, redis.prefix).catch((error: unknown) => console.error(`could not delete Redis keys under ${redis.prefix}: ${String(error)}`));
    for (const db of this.databases.splice(0)) {
      const client = new pg.Client({ connectionString: db.adminUrl });
      await client.connect().then(() => client.query(`DROP DATABASE IF EXISTS ${db.name} WITH (FORCE)`)).catch((error: unknown) => console.error(`could not drop ${db.name}: ${String(error)}`));
      await client.end().catch(() => undefined);
    }
  }

  /** At exit, when nothing async runs any more: the temp dirs at least. */
  removeTempDirsSync(): void {
    for (const dir of this.tempDirs) rmSync(dir, { recursive: true, force: true });
  }
}

export interface GusSettings {
  port: number;
  /** Unset: the embedded defaults. */
  databaseUrl?: string;
  redisUrl?: string;
  redisPrefix: string;
  dataDir: string;
  plansPath: string;
  ollamaHost: string;
  admin: { email: string; password: string };
}

/** The environment gus gets: inherited settings of gus removed, so the user's shell or .env cannot skew a run. */
export function gusEnvironment(settings: GusSettings): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!key.startsWith('GUS_') && !key.startsWith('OTEL_') && !['PORT', 'HOST', 'DATABASE_URL', 'REDIS_URL', 'OLLAMA_HOST', 'JWT_SECRET', 'LOG_LEVEL'].includes(key)) env[key] = value;
  }
  return Object.assign(env, {
    PORT: String(settings.port),
    HOST: '127.0.0.1',
    // Empty rather than absent: a .env file only fills variables that are not set at all.
    DATABASE_URL: settings.databaseUrl ?? '',
    REDIS_URL: settings.redisUrl ?? '',
    GUS_REDIS_PREFIX: settings.redisPrefix,
    GUS_DATA_DIR: settings.dataDir,
    GUS_PLANS_FILE: settings.plansPath,
    OLLAMA_HOST: settings.ollamaHost,
    GUS_ADMIN_EMAIL: settings.admin.email,
    GUS_ADMIN_PASSWORD: settings.admin.password,
    JWT_SECRET: randomBytes(32).toString('hex'),
    // The production default: one request log line per request, to stdout (a pipe the bench drains).
    LOG_LEVEL: 'info',
    // As `npm start` and the Docker image run gus (docs/DEPLOYMENT.md, Memory).
    MALLOC_ARENA_MAX: process.env.MALLOC_ARENA_MAX ?? '2',
  });
}
