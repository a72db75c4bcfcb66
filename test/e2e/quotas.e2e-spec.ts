import http from 'node:http';
import { Redis } from 'ioredis';
import { OllamaSimulator } from '../../src/llm/simulator/ollama-simulator.js';
import { ApiClient } from './support/api-client.js';
import { REDIS_URL, eventually, ledgerTokens, startGus, type RunningGus } from './support/gus-harness.js';

/**
 * Token quotas through the real turn (POST /v1/conversations/:id/messages and /v1/chat/completions).
 * Assertions rest on what was recorded (usage_events, the counters), never on how gus estimates a turn.
 * Plan `metered` (test/fixtures/plans-quotas.json): 3,000 tokens a day, soft limit at half, a 400-token
 * window, so no turn reserves more than 400 tokens (its prompt plus the room for the answer fit the window),
 * and no answer is longer than its room (100 tokens: num_predict).
 */
const PLANS = { GUS_PLANS_FILE: 'test/fixtures/plans-quotas.json' };
const QUOTA = 3000;
const ONE_RESERVATION = 400;
const MODEL = 'llama3.2:1b';

type Answer = { status: number; headers: Headers; body: any };

/** Fires `count` turns at once, spread over the given gus instances, each in its own conversation. */
async function burst(clients: ApiClient[], count: number, content = (i: number) => `burst ${i}: a long answer please [[sim:tokens=3000]]`): Promise<Answer[]> {
  const conversations = await Promise.all(Array.from({ length: count }, (_, i) => clients[i % clients.length]!.post('/v1/conversations', {})));
  return Promise.all(conversations.map((c, i) => clients[i % clients.length]!.post(`/v1/conversations/${c.body.id}/messages`, { content: content(i) })));
}

async function storedMessages(gus: RunningGus, userId: string): Promise<number> {
  const rows = await gus.query<{ n: number }>('SELECT count(*)::int AS n FROM messages m JOIN conversations c ON c.id = m.conversation_id WHERE c.user_id = $1', [userId]);
  return rows[0]!.n;
}

/** The user's day and month counters in Redis (reservations not yet settled included). */
async function counters(redis: Redis, gus: RunningGus, userId: string): Promise<Array<number | null>> {
  const now = new Date().toISOString();
  const base = `${gus.env.GUS_REDIS_PREFIX}:quota:{${userId}}`;
  return (await redis.mget(`${base}:${now.slice(0, 10)}`, `${base}:${now.slice(0, 7)}`)).map((v) => (v === null ? null : Number(v)));
}

/**
 * Checks a burst: some in, some refused with QUOTA_EXCEEDED, nothing stored for the refused, the hard limit
 * never passed. Each answer here fills its room, so a turn used what it reserved: then a refusal means less than
 * one reservation was left, and the quota is used up to within one reservation (no refusal while room remained).
 */
async function expectQuotaHeld(gus: RunningGus, userId: string, results: Answer[]): Promise<number> {
  const ok = results.filter((r) => r.status === 201);
  const refused = results.filter((r) => r.status === 429);
  expect(ok.length + refused.length).toBe(results.length);
  expect(ok.length).toBeGreaterThan(0);
  expect(refused.length).toBeGreaterThan(0);
  expect(refused.every((r) => r.body.code === 'QUOTA_EXCEEDED' && Number(r.headers.get('retry-after')) > 0)).toBe(true);
  const used = await ledgerTokens(gus, userId);
  expect(used).toBe(ok.reduce((sum, r) => sum + r.body.usage.totalTokens, 0)); // one ledger row per answered turn
  expect(ok.every((r) => r.body.finishReason === 'length' && r.body.usage.completionTokens === 100)).toBe(true); // capped at the room reserved
  expect(used).toBeLessThanOrEqual(QUOTA);
  expect(used).toBeGreaterThan(QUOTA - ONE_RESERVATION);
  // No refusal while room remained: each refused turn needed more than was left when it asked (the message says
  // both), and since every admitted turn used all it reserved, the final use is at least QUOTA − that remainder.
  for (const r of refused) {
    const short = /has (\d+) tokens left, fewer than this turn may use \((\d+)\)/.exec(r.body.message);
    const [left, needed] = short ? [Number(short[1]), Number(short[2])] : /is used up/.test(r.body.message) ? [0, 1] : [NaN, NaN];
    expect(left).toBeLessThan(needed);
    expect(used).toBeGreaterThanOrEqual(QUOTA - left);
  }
  expect(await storedMessages(gus, userId)).toBe(2 * ok.length); // a refused turn stored no user message
  return used;
}

describe('token quotas (PostgreSQL + Redis)', () => {
  const simulator = new OllamaSimulator();
  const redis = new Redis(REDIS_URL);
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
    await redis.quit();
  });

  it('warns past the soft limit, then refuses with 429 QUOTA_EXCEEDED before the model is called, storing nothing', async () => {
    const user = await api.newUser(admin, 'metered');
    const id = (await user.post('/v1/conversations', {})).body.id;
    const answers: Answer[] = [];
    for (let i = 0; i < 100; i++) {
      const res = await user.post(`/v1/conversations/${id}/messages`, { content: `turn ${i}` });
      answers.push(res);
      if (res.status === 429) break;
    }
    const refused = answers.at(-1)!;
    expect(refused.status).toBe(429);
    expect(refused.body).toMatchObject({ statusCode: 429, code: 'QUOTA_EXCEEDED', message: expect.stringMatching(/^the daily token quota of 3000 (is used up|has \d+ tokens left)/) });
    const retryAfter = Number(refused.headers.get('retry-after'));
    const midnight = new Date();
    midnight.setUTCHours(24, 0, 0, 0);
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(Math.ceil((midnight.getTime() - Date.now()) / 1000) + 1);

    expect(answers.findIndex((a) => a.headers.get('x-quota-warning'))).toBeGreaterThan(0); // not from the first turn
    const warned = answers.filter((a) => a.status === 201 && a.headers.get('x-quota-warning'));
    expect(warned.length).toBeGreaterThan(0);
    expect(warned[0]!.headers.get('x-quota-warning')).toMatch(/^\d+% of the daily token quota \(3000\) is used$/);
    expect(warned[0]!.body.warnings).toEqual([warned[0]!.headers.get('x-quota-warning')]);
    expect(answers.filter((a) => a.status === 201 && !a.headers.get('x-quota-warning')).every((a) => a.body.warnings.length === 0)).toBe(true);

    const calls = simulator.receivedRequests().length;
    const messages = (await user.get(`/v1/conversations/${id}/tree`)).body.messages.length;
    const again = await user.post(`/v1/conversations/${id}/messages`, { content: 'one more' });
    expect(again.status).toBe(429);
    expect(simulator.receivedRequests().length).toBe(calls); // the model was not called
    expect((await user.get(`/v1/conversations/${id}/tree`)).body.messages).toHaveLength(messages); // nor the message stored
    const used = await ledgerTokens(gus, user.userId);
    expect(used).toBeLessThanOrEqual(QUOTA);
    expect(await counters(redis, gus, user.userId)).toEqual([used, used]); // every reservation settled to the real count

    const me = (await user.get('/v1/me')).body;
    expect(me.limits.tokenQuotas).toEqual({ tokensPerDay: QUOTA, tokensPerMonth: 1_000_000, softLimitRatio: 0.5 });
    expect(me.usage.quotas.day).toEqual({ limit: QUOTA, used, remaining: QUOTA - used, resetsAt: midnight.toISOString() });
    expect(me.usage.quotas.month).toMatchObject({ limit: 1_000_000, used, remaining: 1_000_000 - used });
  });

  it('never passes the hard limit under 200 concurrent turns asking for long answers, and refuses none while room remains', async () => {
    const user = await api.newUser(admin, 'metered');
    const used = await expectQuotaHeld(gus, user.userId, await burst([user], 200));
    expect(await counters(redis, gus, user.userId)).toEqual([used, used]);
  });

  it('holds the same with two instances sharing PostgreSQL and Redis', async () => {
    const second = await startGus({ ollamaHost: simulator.url, env: PLANS, databaseUrl: gus.env.DATABASE_URL, redisPrefix: gus.env.GUS_REDIS_PREFIX, jwtSecret: gus.env.JWT_SECRET });
    try {
      const user = await api.newUser(admin, 'metered');
      const results = await burst([user, new ApiClient(second.url, user.token)], 200);
      const used = await expectQuotaHeld(gus, user.userId, results);
      expect(await counters(redis, gus, user.userId)).toEqual([used, used]);
      // Both instances refused, and together they stayed within one quota (counters of their own would have let
      // each of them fill it): the counter is shared.
      const byInstance = [0, 1].map((k) => results.filter((_, i) => i % 2 === k));
      for (const answers of byInstance) expect(answers.some((r) => r.status === 429)).toBe(true);
    } finally {
      await second.stop(); // joined the first one's database and prefix: it drops neither
    }
  });

  it('settles failed and interrupted turns with what they really used', async () => {
    const user = await api.newUser(admin, 'metered');
    const id = (await user.post('/v1/conversations', {})).body.id;
    const failed = await user.post(`/v1/conversations/${id}/messages`, { content: 'break please [[sim:error=500]]' });
    expect(failed.status).toBe(502);
    expect(await counters(redis, gus, user.userId)).toEqual([0, 0]); // nothing generated, nothing counted

    simulator.setOptions({ tokensPerSecond: 50 });
    try {
      await new Promise<void>((resolve, reject) => {
        const req = http.request(`${gus.url}/v1/conversations/${id}/messages`, {
          method: 'POST',
          headers: { authorization: `Bearer ${user.token}`, 'content-type': 'application/json' },
        });
        let text = '';
        req.on('response', (res) => {
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => {
            text += chunk;
            if ((text.match(/event: message\.delta/g) ?? []).length >= 3) {
              req.destroy();
              resolve();
            }
          });
        });
        req.on('error', (error) => (text ? resolve() : reject(error)));
        req.end(JSON.stringify({ content: 'long answer please [[sim:tokens=300]]', stream: true }));
      });
      const used = await eventually(async () => {
        const tree: Array<{ role: string; status: string }> = (await user.get(`/v1/conversations/${id}/tree`)).body.messages;
        expect(tree.filter((m) => m.role === 'assistant').map((m) => m.status).sort()).toEqual(['failed', 'interrupted']);
        const used = await ledgerTokens(gus, user.userId);
        expect(used).toBeGreaterThan(0);
        expect(await counters(redis, gus, user.userId)).toEqual([used, used]);
        return used;
      });
      expect((await user.get('/v1/me')).body.usage.quotas.day.used).toBe(used);
    } finally {
      simulator.setOptions({ tokensPerSecond: 0 });
    }
  });

  it('holds on the OpenAI-compatible route too: X-Quota-Warning, then 429 in OpenAI error shape without calling the model', async () => {
    const user = await api.newUser(admin, 'metered');
    const answers: Answer[] = [];
    for (let i = 0; i < 150; i++) {
      const res = await user.post('/v1/chat/completions', { model: MODEL, messages: [{ role: 'user', content: `question ${i} [[sim:tokens=60]]` }] });
      answers.push(res);
      if (res.status === 429) break;
    }
    const refused = answers.at(-1)!;
    expect(refused.status).toBe(429);
    expect(refused.body.error).toMatchObject({ code: 'QUOTA_EXCEEDED', type: expect.any(String), message: expect.stringContaining('daily token quota of 3000') });
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(answers.some((a) => a.status === 200 && a.headers.get('x-quota-warning'))).toBe(true);
    const calls = simulator.receivedRequests().length;
    expect((await user.post('/v1/chat/completions', { model: MODEL, messages: [{ role: 'user', content: 'more' }] })).status).toBe(429);
    expect(simulator.receivedRequests().length).toBe(calls);
    const used = await ledgerTokens(gus, user.userId);
    expect(used).toBeLessThanOrEqual(QUOTA);
    expect(await counters(redis, gus, user.userId)).toEqual([used, used]);
  });

  it('refuses on the monthly quota too, counting earlier days of the month from the ledger', async () => {
    const user = await api.newUser(admin, 'metered-month'); // 5,000 a day and 5,000 a month
    const now = new Date();
    // The first of the month at noon when that has passed; on the first itself, today at midnight (both periods
    // are then over: the month is named, as the longer wait).
    const earlier = now.getUTCDate() > 1 ? new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1, 12)) : new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1));
    await gus.query(
      `INSERT INTO usage_events (id, user_id, conversation_id, model, prompt_tokens, completion_tokens, cost_micros, latency_ms, ttft_ms, occurred_at, applied_at)
       VALUES (gen_random_uuid(), $1, NULL, $3, 4900, 0, 0, 1, 1, $2, now())`,
      [user.userId, earlier, MODEL],
    );
    const id = (await user.post('/v1/conversations', {})).body.id;
    const calls = simulator.receivedRequests().length;
    const res = await user.post(`/v1/conversations/${id}/messages`, { content: 'hello' });
    expect(res.status).toBe(429);
    expect(res.body.message).toMatch(/^the monthly token quota of 5000 has 100 tokens left, fewer than this turn may use \(\d+\); it resets at \d{4}-\d\d-01T00:00:00.000Z$/);
    const firstOfNextMonth = Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1);
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(Math.floor((firstOfNextMonth - Date.now()) / 1000) - 5);
    expect(simulator.receivedRequests().length).toBe(calls);
    const me = (await user.get('/v1/me')).body;
    expect(me.usage.quotas.month).toEqual({ limit: 5000, used: 4900, remaining: 100, resetsAt: new Date(firstOfNextMonth).toISOString() });
  });
});

describe('token quotas on the embedded defaults (no Redis)', () => {
  let gus: RunningGus;

  beforeAll(async () => {
    gus = await startGus({ embedded: true, env: PLANS });
  });
  afterAll(() => gus?.stop());

  it('never passes the hard limit under 200 concurrent long answers in one process', async () => {
    const api = new ApiClient(gus.url);
    const user = await api.newUser(await api.asAdmin(), 'metered');
    const results = await burst([user], 200);
    const ok = results.filter((r) => r.status === 201);
    expect(ok.length).toBeGreaterThan(0);
    const refused = results.filter((r) => r.status === 429);
    expect(refused.length).toBeGreaterThan(0);
    expect(refused.every((r) => r.body.code === 'QUOTA_EXCEEDED')).toBe(true);
    const used = ok.reduce((sum, r) => sum + r.body.usage.totalTokens, 0);
    expect(ok.every((r) => r.body.finishReason === 'length')).toBe(true);
    expect(used).toBeLessThanOrEqual(QUOTA);
    expect(used).toBeGreaterThan(QUOTA - ONE_RESERVATION);
    const me = (await user.get('/v1/me')).body;
    expect(me.usage.quotas.day.used).toBe(used); // the ledger has exactly the answered turns
  });
});
