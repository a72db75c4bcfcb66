import { Queue } from 'bullmq';
import { QUEUE_NAMES } from '../../libs/queue/queues.js';
import { OllamaSimulator } from '../../src/llm/simulator/ollama-simulator.js';
import { ApiClient } from './support/api-client.js';
import { REDIS_URL, eventually, startGus, type RunningGus } from './support/gus-harness.js';

/** `gus_jobs_processed_total{queue=…,outcome=…} n` lines of one process's /metrics, summed by outcome (of one queue, or all). */
async function jobRuns(gus: RunningGus, queue?: string): Promise<{ completed: number; failed: number }> {
  const text = await (await fetch(`${gus.url}/metrics`)).text();
  const runs = { completed: 0, failed: 0 };
  for (const match of text.matchAll(/^gus_jobs_processed_total\{queue="([^"]+)",outcome="(completed|failed)"\} (\d+)$/gm)) {
    if (!queue || match[1] === queue) runs[match[2] as 'completed' | 'failed'] += Number(match[3]);
  }
  return runs;
}

describe('roles: two API processes and one worker on one PostgreSQL + Redis', () => {
  const simulator = new OllamaSimulator();
  let first: RunningGus;
  let second: RunningGus;
  let worker: RunningGus;

  beforeAll(async () => {
    const ollamaHost = await simulator.start();
    const env = { GUS_PAYLOAD_LOGGING: 'on' };
    // The first API process creates the database and the key prefix (and removes both at its stop).
    first = await startGus({ ollamaHost, env: { ...env, GUS_ROLE: 'api' } });
    const shared = { ollamaHost, databaseUrl: first.env.DATABASE_URL!, redisPrefix: first.env.GUS_REDIS_PREFIX!, jwtSecret: first.env.JWT_SECRET! };
    [second, worker] = await Promise.all([
      startGus({ ...shared, env: { ...env, GUS_ROLE: 'api' } }),
      startGus({ ...shared, env: { ...env, GUS_ROLE: 'worker' } }),
    ]);
  });
  afterAll(async () => {
    await worker?.stop();
    await second?.stop();
    await first?.stop();
    await simulator.stop();
  });

  it('serves the API from the API processes and only probes and metrics from the worker', async () => {
    expect((await fetch(`${worker.url}/health/ready`)).status).toBe(200);
    expect(await (await fetch(`${worker.url}/metrics`)).text()).toContain('gus_jobs_processed_total');
    const notServed = await fetch(`${worker.url}/v1/auth/login`, { method: 'POST', body: '{}', headers: { 'content-type': 'application/json' } });
    expect(notServed.status).toBe(404);
    expect(((await notServed.json()) as { code: string }).code).toBe('NOT_FOUND');
    expect((await fetch(`${worker.url}/docs`)).status).toBe(404);
    expect(worker.logs()).toMatch(/health and metrics only/);
  });

  it('does every job exactly once, all in the worker: billing, summaries and payload audit', async () => {
    const apis = [new ApiClient(first.url), new ApiClient(second.url)];
    const admin = await apis[0]!.asAdmin();
    // A "tiny" plan: its window is small, so long conversations ask for summaries.
    const users = await Promise.all([apis[0]!.newUser(admin, 'tiny'), apis[1]!.newUser(admin, 'tiny')]);
    const requestIds: string[] = [];
    const conversations: string[] = [];
    const TURNS = 10;
    for (const [u, user] of users.entries()) {
      const conversation = (await user.post('/v1/conversations', {})).body.id as string;
      conversations.push(conversation);
      for (let i = 0; i < TURNS; i++) {
        // Turns alternate between the two API processes: each enqueues billing, summaries and audit records.
        const via = apis[(i + u) % 2]!.withToken(user.token!);
        const res = await via.post(`/v1/conversations/${conversation}/messages`, { content: `user ${u} fact ${i}: the number ${i} is lucky` });
        expect(res.status).toBe(201);
        requestIds.push(res.headers.get('x-request-id')!);
      }
    }

    // Billing: every event applied once, totals equal to the ledger.
    await eventually(async () => {
      const [pending] = await first.query<{ n: number }>('SELECT count(*)::int AS n FROM usage_events WHERE applied_at IS NULL');
      expect(pending!.n).toBe(0);
    }, 20_000);
    const [ledger] = await first.query<{ turns: number; tokens: number }>('SELECT count(*)::int AS turns, sum(prompt_tokens + completion_tokens)::int AS tokens FROM usage_events');
    expect(ledger!.turns).toBe(users.length * TURNS);
    for (const user of users) {
      const me = (await user.get('/v1/me')).body;
      expect(me.usage.today.turns).toBe(TURNS);
    }
    const [totals] = await first.query<{ turns: number; tokens: number }>('SELECT sum(turns)::int AS turns, sum(prompt_tokens + completion_tokens)::int AS tokens FROM usage_daily_totals');
    expect(totals).toEqual(ledger);

    // Summaries: at least one per conversation, one row per covered message, one model call per row.
    const summaries = await eventually(async () => {
      const rows = await first.query<{ conversation_id: string; covers_message_id: string }>('SELECT conversation_id, covers_message_id FROM conversation_summaries');
      expect(new Set(rows.map((r) => r.conversation_id))).toEqual(new Set(conversations));
      return rows;
    }, 20_000);
    // Payload audit: each turn's request recorded exactly once.
    await eventually(async () => {
      const rows = await first.query<{ request_id: string; n: number }>('SELECT request_id, count(*)::int AS n FROM audit_payloads WHERE request_id = ANY($1) GROUP BY request_id', [requestIds]);
      expect(rows).toHaveLength(requestIds.length);
      expect(rows.every((r) => r.n === 1)).toBe(true);
    }, 20_000);

    // The queues are drained: nothing waiting, running, retrying or failed.
    const queues = QUEUE_NAMES.map((name) => new Queue(name, { connection: { url: REDIS_URL }, prefix: `{${first.env.GUS_REDIS_PREFIX}}` }));
    try {
      const completed = await eventually(async () => {
        const jobs = [];
        for (const queue of queues) {
          const counts = await queue.getJobCounts('waiting', 'active', 'delayed', 'failed', 'completed');
          expect({ ...counts, completed: 0 }).toEqual({ waiting: 0, active: 0, delayed: 0, failed: 0, completed: 0 });
          jobs.push(...(await queue.getCompleted(0, -1)));
        }
        // Every run counted by the worker is a completed job (payload-audit jobs are personal: removed once run).
        for (const name of QUEUE_NAMES.filter((n) => n !== 'payload-audit')) {
          expect([name, (await jobRuns(worker, name)).completed]).toEqual([name, jobs.filter((job) => job.queueName === name).length]);
        }
        return jobs;
      }, 20_000);
      const byQueue = Object.fromEntries(QUEUE_NAMES.map((name) => [name, completed.filter((job) => job.queueName === name).length]));
      expect(byQueue['usage-billing']).toBeGreaterThan(0);
      // A summary job finds its message already covered when an earlier one reached past it: done, no model call.
      expect(byQueue['conversation-summaries']).toBeGreaterThanOrEqual(summaries.length);
      expect(byQueue['payload-audit']).toBe(0);
      expect((await jobRuns(worker, 'payload-audit')).completed).toBeGreaterThanOrEqual(requestIds.length);
      // Exactly once: one try per job, each run by the worker process (BullMQ's processedBy is its name).
      expect(completed.every((job) => job.attemptsStarted === 1)).toBe(true);
      expect(new Set(completed.map((job) => job.processedBy?.split('@')[0]))).toEqual(new Set(['worker']));
      const summaryCalls = simulator.receivedRequests().filter((r) => String(r.messages?.[0]?.content).startsWith('Summarise the conversation'));
      expect(summaryCalls).toHaveLength(summaries.length);
      console.log(
        `2 API processes + 1 worker: ${ledger!.turns} turns, ${completed.length} jobs (${JSON.stringify(byQueue)}), ` +
          `${summaries.length} summaries, ${requestIds.length} audited turns; runs by the API processes: 0 + 0, by the worker: ${(await jobRuns(worker)).completed}`,
      );
    } finally {
      await Promise.all(queues.map((queue) => queue.close()));
    }

    // Nothing was run by an API process.
    expect(await jobRuns(first)).toEqual({ completed: 0, failed: 0 });
    expect(await jobRuns(second)).toEqual({ completed: 0, failed: 0 });
    expect((await jobRuns(worker)).failed).toBe(0);
  });
});
