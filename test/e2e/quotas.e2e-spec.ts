import { OllamaSimulator } from '../../src/llm/simulator/ollama-simulator.js';
import { ApiClient } from './support/api-client.js';
import { startGus, type RunningGus } from './support/gus-harness.js';

const PLANS = { GUS_PLANS_FILE: 'test/fixtures/plans-quotas.json' };
const QUOTA = 3000;

/** Fires `count` turns at once, spread over the given gus instances, each in its own conversation. */
async function burst(clients: ApiClient[], count: number): Promise<Array<{ status: number; body: any }>> {
  const conversations = await Promise.all(Array.from({ length: count }, (_, i) => clients[i % clients.length]!.post('/v1/conversations', {})));
  return Promise.all(conversations.map((c, i) => clients[i % clients.length]!.post(`/v1/conversations/${c.body.id}/messages`, { content: `burst ${i}` })));
}

async function usedTokens(gus: RunningGus, userId: string): Promise<number> {
  const rows = await gus.query<{ used: string }>('SELECT coalesce(sum(prompt_tokens + completion_tokens), 0) AS used FROM usage_events WHERE user_id = $1', [userId]);
  return Number(rows[0]!.used);
}

describe('token quotas (PostgreSQL + Redis)', () => {
  const simulator = new OllamaSimulator();
  let gus: RunningGus;
  let api: ApiClient;
  let admin: ApiClient;

  beforeAll(async () => {
    gus = await startGus({ ollamaHost: await simulator.start(), env: PLANS });
    api = new ApiClient(gus.url);
    admin = await api.asAdmin();
  });
  afterAll(async () => {
    await gus?.stop();
    await simulator.stop();
  });

  it('warns past the soft limit, then refuses with 429 QUOTA_EXCEEDED before the model is called, storing nothing', async () => {
    const user = await api.newUser(admin, 'metered');
    const id = (await user.post('/v1/conversations', {})).body.id;
    const answers: Array<{ status: number; headers: Headers; body: any }> = [];
    for (let i = 0; i < 60; i++) {
      const res = await user.post(`/v1/conversations/${id}/messages`, { content: `turn ${i}`, parentId: undefined });
      answers.push(res);
      if (res.status === 429) break;
    }
    const refused = answers.at(-1)!;
    expect(refused.status).toBe(429);
    expect(refused.body).toMatchObject({ code: 'QUOTA_EXCEEDED', message: expect.stringContaining('daily token quota of 3000') });
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    const warned = answers.filter((a) => a.status === 201 && a.headers.get('x-quota-warning'));
    expect(warned.length).toBeGreaterThan(0);
    expect(warned[0]!.body.warnings).toEqual(expect.arrayContaining([expect.stringMatching(/of the daily token quota \(3000\) is used/)]));
    expect(answers.findIndex((a) => a.headers.get('x-quota-warning'))).toBeGreaterThan(0); // not from the first turn

    const calls = simulator.receivedRequests().length;
    const messages = (await user.get(`/v1/conversations/${id}/tree`)).body.messages.length;
    const again = await user.post(`/v1/conversations/${id}/messages`, { content: 'one more' });
    expect(again.status).toBe(429);
    expect(simulator.receivedRequests().length).toBe(calls);
    expect((await user.get(`/v1/conversations/${id}/tree`)).body.messages).toHaveLength(messages);
    expect(await usedTokens(gus, user.userId)).toBeLessThanOrEqual(QUOTA);

    const me = (await user.get('/v1/me')).body;
    expect(me.limits.tokenQuotas).toMatchObject({ tokensPerDay: QUOTA });
    expect(me.usage.quotas.day).toMatchObject({ limit: QUOTA, used: await usedTokens(gus, user.userId) });
    expect(me.usage.quotas.day.remaining).toBe(QUOTA - me.usage.quotas.day.used);
  });

  it('stays exact under 200 concurrent turns: the quota is never passed by more than one reservation', async () => {
    const user = await api.newUser(admin, 'metered');
    const results = await burst([user], 200);
    const ok = results.filter((r) => r.status === 201);
    const refused = results.filter((r) => r.status === 429);
    expect(ok.length + refused.length).toBe(200);
    expect(ok.length).toBeGreaterThan(0);
    expect(refused.length).toBeGreaterThan(0);
    expect(refused.every((r) => r.body.code === 'QUOTA_EXCEEDED')).toBe(true);
    const oneReservation = 400; // the whole window of the metered plan: no turn reserves more
    expect(await usedTokens(gus, user.userId)).toBeLessThanOrEqual(QUOTA + oneReservation);
  });

  it('stays exact with two instances sharing PostgreSQL and Redis', async () => {
    const second = await startGus({ ollamaHost: simulator.url, env: PLANS, databaseUrl: gus.env.DATABASE_URL, redisPrefix: gus.env.GUS_REDIS_PREFIX, jwtSecret: gus.env.JWT_SECRET });
    try {
      const user = await api.newUser(admin, 'metered');
      const results = await burst([user, new ApiClient(second.url, user.token)], 200);
      expect(results.filter((r) => r.status === 201).length).toBeGreaterThan(0);
      expect(results.filter((r) => r.status === 429).length).toBeGreaterThan(0);
      expect(await usedTokens(gus, user.userId)).toBeLessThanOrEqual(QUOTA + 400);
    } finally {
      await second.stop();
    }
  });

  it('refuses on the monthly quota too, counting earlier days of the month from the ledger', async () => {
    const today = new Date();
    if (today.getUTCDate() < 2) return; // no earlier day this month to put usage on
    const user = await api.newUser(admin, 'metered-month');
    const earlier = new Date(Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), 1, 12));
    await gus.query(
      `INSERT INTO usage_events (id, user_id, conversation_id, model, prompt_tokens, completion_tokens, cost_micros, latency_ms, ttft_ms, occurred_at, applied_at)
       VALUES (gen_random_uuid(), $1, NULL, 'llama3.2:1b', 4900, 0, 0, 1, 1, $2, now())`,
      [user.userId, earlier],
    );
    const id = (await user.post('/v1/conversations', {})).body.id;
    const res = await user.post(`/v1/conversations/${id}/messages`, { content: 'hello' });
    expect(res.status).toBe(429);
    expect(res.body.message).toContain('monthly token quota of 5000');
  });
});

describe('token quotas on the embedded defaults (no Redis)', () => {
  let gus: RunningGus;

  beforeAll(async () => {
    gus = await startGus({ embedded: true, env: PLANS });
  });
  afterAll(() => gus?.stop());

  it('stays exact under 200 concurrent turns in one process', async () => {
    const api = new ApiClient(gus.url);
    const user = await api.newUser(await api.asAdmin(), 'metered');
    const results = await burst([user], 200);
    const ok = results.filter((r) => r.status === 201);
    expect(ok.length).toBeGreaterThan(0);
    expect(results.filter((r) => r.status === 429).length).toBeGreaterThan(0);
    const used = ok.reduce((sum, r) => sum + r.body.usage.totalTokens, 0);
    expect(used).toBeLessThanOrEqual(QUOTA + 400);
    const me = (await user.get('/v1/me')).body;
    expect(me.usage.quotas.day.used).toBe(used);
  });
});
