import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { GusApi } from './gus-api.js';

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
