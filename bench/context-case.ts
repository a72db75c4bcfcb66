/**
 * The context case (issue 3): does a turn cost more when the conversation's history is long? Two
 * conversations whose messages are large enough that even 10 of them fill the model's window, one with
 * 10 messages and one with 10,000, driven with the same load. Both prompts hold about the same number of
 * messages, so the only difference is how much history lies beyond the window — which gus must not read.
 */
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import type { AutocannonRequest } from 'autocannon';
import pg from 'pg';
import { countLlama3Tokens } from '../src/llm/service/llama3-token-counter.js';
import { GusApi } from './gus-api.js';
import { runLoad, type CaseResult } from './load.js';
import { CONTEXT_RATIO_TARGET, contextChecks } from './report.js';

/** About 700 LLaMA 3 tokens: with an 8,192-token window (6,144 for the prompt), 10 of them already overflow it. */
const BIG_MESSAGE = 'The quick brown fox jumps over the lazy dog while the committee reviews the quarterly figures. '.repeat(38);
const QUESTION = 'Context benchmark: what did we discuss?';
export const CONTEXT_SIZES = [10, 10_000] as const;

export interface ContextConversation {
  size: number;
  conversationId: string;
  leafId: string;
}

export interface ContextReport {
  connections: number;
  rounds: number;
  durationS: number;
  messageTokens: number;
  conversations: Array<{ size: number; requestsPerSec: number; latencyMs: CaseResult['latencyMs']; contextMessages: number; contextTokens: number; leftOut: number; window: number; non2xx: number; errors: number }>;
  latencyRatioP50: number;
  throughputRatio: number;
  ok: boolean;
}

/** A deterministic id shaped as a version-4 UUID (the API accepts only those): md5 with the version and variant set. */
function v4Of(textSql: string): string {
  const h = `md5(${textSql})`;
  return `(substr(${h}, 1, 12) || '4' || substr(${h}, 14, 3) || '8' || substr(${h}, 18, 15))::uuid`;
}

/** The rows of a chain of `size` messages, root first, each the child of the previous; the leaf is an answer. */
const SEED_SQL = `
  WITH chain AS (
    SELECT n, ${v4Of("$1::text || ':' || n")} AS id, CASE WHEN n = 0 THEN NULL ELSE ${v4Of("$1::text || ':' || (n - 1)")} END AS parent_id
    FROM generate_series(0, $2::int - 1) AS n
  )
  INSERT INTO messages (id, conversation_id, parent_id, role, content, status, depth, token_count, created_at, completed_at)
  SELECT id, $1::uuid, parent_id, CASE WHEN n % 2 = 0 THEN 'user' ELSE 'assistant' END, $3, 'complete', n, $4,
         now() - make_interval(secs => $2::int - n), now() - make_interval(secs => $2::int - n)
  FROM chain`;

const FINISH_SQL = `UPDATE conversations SET current_leaf_id = ${v4Of("$1::text || ':' || ($2::int - 1)")}, message_count = $2, last_message_at = now() WHERE id = $1::uuid`;

export const messageTokens = (): number => countLlama3Tokens(BIG_MESSAGE);

/** Creates the two conversations through the API (so they belong to the bench user); seeding comes after. */
export async function createContextConversations(gusUrl: string, apiKey: string): Promise<ContextConversation[]> {
  const api = new GusApi(gusUrl);
  const made: ContextConversation[] = [];
  for (const size of CONTEXT_SIZES) {
    const conversationId = await api.createConversation(apiKey);
    made.push({ size, conversationId, leafId: leafIdOf(conversationId, size) });
  }
  return made;
}

/** The md5-derived id the seed gives message n of a conversation (so the bench knows the leaf without a query). */
function leafIdOf(conversationId: string, size: number): string {
  return md5Uuid(`${conversationId}:${size - 1}`);
}

/** The same id as v4Of in SQL. */
function md5Uuid(text: string): string {
  const md5 = createHash('md5').update(text).digest('hex');
  const hex = `${md5.slice(0, 12)}4${md5.slice(13, 16)}8${md5.slice(17, 32)}`;
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

type Query = (sql: string, params: unknown[]) => Promise<unknown>;

async function seed(query: Query, conversations: ContextConversation[]): Promise<void> {
  const tokens = messageTokens();
  for (const conversation of conversations) {
    await query(SEED_SQL, [conversation.conversationId, conversation.size, BIG_MESSAGE, tokens]);
    await query(FINISH_SQL, [conversation.conversationId, conversation.size]);
  }
}

/** Seeds through the real PostgreSQL while gus runs. */
export async function seedPostgres(databaseUrl: string, conversations: ContextConversation[]): Promise<void> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await seed((sql, params) => client.query(sql, params), conversations);
  } finally {
    await client.end();
  }
}

/** Seeds the embedded database's files directly: gus must be stopped (one process at a time may open them). */
export async function seedEmbedded(dataDir: string, conversations: ContextConversation[]): Promise<void> {
  const db = await PGlite.create({ dataDir: join(dataDir, 'pg') });
  try {
    await seed((sql, params) => db.query(sql, params), conversations);
  } finally {
    await db.close();
  }
}

/** Drives both conversations with the same load, alternating them in rounds to even out machine noise. */
export async function measureContext(gusUrl: string, apiKey: string, conversations: ContextConversation[], settings: { connections: number; durationS: number; rounds: number; warmupS: number }): Promise<ContextReport> {
  const probes = new Map<number, { messageCount: number; tokens: number; leftOut: number; window: number }>();
  for (const conversation of conversations) probes.set(conversation.size, await probe(gusUrl, apiKey, conversation));
  const results = new Map<number, CaseResult[]>(conversations.map((c) => [c.size, []]));
  for (const conversation of conversations) if (settings.warmupS > 0) await runLoad(loadCase(gusUrl, apiKey, conversation, settings.connections), settings.warmupS);
  for (let round = 0; round < settings.rounds; round++) {
    for (const conversation of round % 2 === 0 ? conversations : [...conversations].reverse()) {
      process.stdout.write(`  context ${String(conversation.size).padStart(6)} messages, round ${round + 1} ... `);
      const result = await runLoad(loadCase(gusUrl, apiKey, conversation, settings.connections), settings.durationS);
      process.stdout.write(`${result.requestsPerSec} req/s, p50 ${result.latencyMs.p50} ms\n`);
      results.get(conversation.size)!.push(result);
    }
  }
  const summary = conversations.map((conversation) => {
    const runs = results.get(conversation.size)!;
    const context = probes.get(conversation.size)!;
    return {
      size: conversation.size,
      requestsPerSec: median(runs.map((r) => r.requestsPerSec)),
      latencyMs: {
        p50: median(runs.map((r) => r.latencyMs.p50)),
        p90: median(runs.map((r) => r.latencyMs.p90)),
        p99: median(runs.map((r) => r.latencyMs.p99)),
        mean: median(runs.map((r) => r.latencyMs.mean)),
      },
      contextMessages: context.messageCount,
      contextTokens: context.tokens,
      leftOut: context.leftOut,
      window: context.window,
      non2xx: runs.reduce((sum, r) => sum + r.non2xx, 0),
      errors: runs.reduce((sum, r) => sum + r.errors, 0),
    };
  });
  const [short, long] = summary as [(typeof summary)[number], (typeof summary)[number]];
  const latencyRatioP50 = round2(long.latencyMs.p50 / short.latencyMs.p50);
  const throughputRatio = round2(short.requestsPerSec / long.requestsPerSec);
  return {
    connections: settings.connections,
    rounds: settings.rounds,
    durationS: settings.durationS,
    messageTokens: messageTokens(),
    conversations: summary,
    latencyRatioP50,
    throughputRatio,
    ok: contextChecks('context', { latencyRatioP50, throughputRatio }).every((c) => c.met),
  };
}

export function formatContext(report: ContextReport): string {
  const lines = [
    `context case: ${report.connections} connections, ${report.rounds} alternating rounds of ${report.durationS} s (medians); messages of ${report.messageTokens} tokens`,
    'history   req/s   p50 ms   p99 ms   context msgs  tokens  left out  window',
    ...report.conversations.map((c) =>
      `${String(c.size).padStart(7)} ${c.requestsPerSec.toFixed(1).padStart(7)} ${c.latencyMs.p50.toFixed(2).padStart(8)} ${c.latencyMs.p99.toFixed(2).padStart(8)} ${String(c.contextMessages).padStart(14)} ${String(c.contextTokens).padStart(7)} ${String(c.leftOut).padStart(9)} ${String(c.window).padStart(7)}`,
    ),
    `ratio p50(10,000) / p50(10) = ${report.latencyRatioP50}; throughput(10) / throughput(10,000) = ${report.throughputRatio} (target <= ${CONTEXT_RATIO_TARGET}: ${report.ok ? 'ok' : 'MISSED'})`,
  ];
  return lines.join('\n');
}

function loadCase(gusUrl: string, apiKey: string, conversation: ContextConversation, connections: number) {
  const request: AutocannonRequest = {
    method: 'POST',
    path: `/v1/conversations/${conversation.conversationId}/messages`,
    headers: { 'content-type': 'application/json', authorization: `Bearer ${apiKey}` },
    body: JSON.stringify({ content: QUESTION, parentId: conversation.leafId }),
  };
  return { name: `context ${conversation.size}`, target: 'gus' as const, connections, origin: gusUrl, requestFor: () => request };
}

/** One turn, to read what its context held. */
async function probe(gusUrl: string, apiKey: string, conversation: ContextConversation) {
  const res = await fetch(`${gusUrl}/v1/conversations/${conversation.conversationId}/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${apiKey}` },
    body: JSON.stringify({ content: QUESTION, parentId: conversation.leafId }),
    signal: AbortSignal.timeout(30_000),
  });
  const body = (await res.json()) as { assistantMessage?: { context?: { messageCount: number; tokens: number; leftOut: number; window: number } } };
  const context = body.assistantMessage?.context;
  if (res.status !== 201 || !context) throw new Error(`the context probe of the ${conversation.size}-message conversation answered ${res.status}: ${JSON.stringify(body).slice(0, 300)}`);
  return context;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

const round2 = (value: number): number => Math.round(value * 100) / 100;
