import { Redis } from 'ioredis';
import { OllamaSimulator } from '../../src/llm/simulator/ollama-simulator.js';
import { ApiClient, parseSse } from './support/api-client.js';
import { REDIS_URL, startGus, type RunningGus } from './support/gus-harness.js';
import { fireAtOnce } from './support/parallel-requests.js';

const PLANS = 'test/fixtures/plans-rate-limits.json';
const PUBLIC_LIMIT = 40;

describe('request rate limits on Redis (PostgreSQL + Redis)', () => {
  const simulator = new OllamaSimulator();
  let gus: RunningGus;
  let api: ApiClient;
  let admin: ApiClient;
  let redis: Redis;

  beforeAll(async () => {
    gus = await startGus({ ollamaHost: await simulator.start(), env: { GUS_PLANS_FILE: PLANS, GUS_PUBLIC_RATE_LIMIT_PER_MINUTE: String(PUBLIC_LIMIT) } });
    api = new ApiClient(gus.url);
    admin = await api.asAdmin();
    redis = new Redis(REDIS_URL);
  });
  afterAll(async () => {
    await redis?.quit();
    await gus?.stop();
    await simulator.stop();
  });

  const counter = async (userId: string, window: string) => Number(await redis.get(`${gus.config.redisPrefix}:ratelimit:{user:${userId}}:${window}`));

  it('reports the tightest window on every answer, then refuses with 429 RATE_LIMITED and Retry-After', async () => {
    const user = await api.newUser(admin, 'five-a-minute');
    const remaining: number[] = [];
    // /v1/me shows the plan's limits; this first call counts as the first of the five.
    const me = await user.get('/v1/me');
    expect(me.body.limits.rateLimits).toEqual({ perMinute: 5, perHour: 100, perDay: 1000 });
    remaining.push(Number(me.headers.get('x-ratelimit-remaining')));
    for (let i = 1; i < 5; i++) {
      const res = await user.get('/v1/me');
      expect(res.status).toBe(200);
      expect(res.headers.get('x-ratelimit-limit')).toBe('5');
      const reset = Number(res.headers.get('x-ratelimit-reset'));
      expect(reset).toBeGreaterThanOrEqual(1);
      expect(reset).toBeLessThanOrEqual(60);
      remaining.push(Number(res.headers.get('x-ratelimit-remaining')));
    }
    expect(remaining).toEqual([4, 3, 2, 1, 0]);

    const refused = await user.get('/v1/me');
    expect(refused.status).toBe(429);
    expect(refused.body).toEqual({ statusCode: 429, code: 'RATE_LIMITED', message: expect.stringMatching(/5 requests per minute/), requestId: expect.any(String) });
    expect(refused.body.requestId).not.toBe('');
    const retryAfter = Number(refused.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(refused.headers.get('x-ratelimit-remaining')).toBe('0');
    expect(refused.headers.get('x-ratelimit-reset')).toBe(String(retryAfter));

    // Every route of the caller shares the one budget.
    expect((await user.get('/v1/models')).status).toBe(429);
  });

  it('counts a refused request in no window, so hammering during a block costs nothing later', async () => {
    const user = await api.newUser(admin, 'five-a-minute');
    const statuses = [];
    for (let i = 0; i < 9; i++) statuses.push((await user.get('/v1/me')).status);
    expect(statuses).toEqual([200, 200, 200, 200, 200, 429, 429, 429, 429]);
    expect(await counter(user.userId, 'minute')).toBe(5);
    expect(await counter(user.userId, 'hour')).toBe(5);
    expect(await counter(user.userId, 'day')).toBe(5);
    const ttl = await redis.pttl(`${gus.config.redisPrefix}:ratelimit:{user:${user.userId}}:hour`);
    expect(ttl).toBeGreaterThan(3_500_000);
    expect(ttl).toBeLessThanOrEqual(3_600_000);
  });

  it('names the window that binds longest when two are equally close to exhaustion', async () => {
    const user = await api.newUser(admin, 'three-an-hour'); // 3 a minute and 3 an hour
    const first = await user.get('/v1/me');
    expect(first.headers.get('x-ratelimit-limit')).toBe('3');
    expect(first.headers.get('x-ratelimit-remaining')).toBe('2');
    expect(Number(first.headers.get('x-ratelimit-reset'))).toBeGreaterThan(3500);
    await user.get('/v1/me');
    await user.get('/v1/me');
    const refused = await user.get('/v1/me');
    expect(refused.status).toBe(429);
    expect(refused.body.message).toMatch(/3 requests per hour/);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(3500);
  });

  it('lets exactly 10 of 200 parallel requests through a limit of 10', async () => {
    const user = await api.newUser(admin, 'ten-a-minute');
    const { byStatus, codes } = await fireAtOnce([user], '/v1/me', 200);
    expect(byStatus).toEqual({ 200: 10, 429: 190 });
    expect([...codes]).toEqual(['RATE_LIMITED']);
    expect(await counter(user.userId, 'minute')).toBe(10);
  });

  it('warns past the plan\'s soft limit (header on every route, warnings on a turn) before it blocks', async () => {
    const user = await api.newUser(admin, 'warn-at-half'); // 10 a minute, warned from the 5th on
    const conversation = await user.post('/v1/conversations', {}); // 1st request
    for (let i = 2; i <= 4; i++) {
      const res = await user.get('/v1/me');
      expect(res.status).toBe(200);
      expect(res.headers.get('x-ratelimit-warning')).toBeNull();
    }
    const fifth = await user.get('/v1/me');
    expect(fifth.status).toBe(200);
    expect(fifth.headers.get('x-ratelimit-warning')).toMatch(/^5 of 10 requests per minute used; the window resets in \d+ s$/);
    const turn = await user.post(`/v1/conversations/${conversation.body.id}/messages`, { content: 'hello' }); // 6th
    expect(turn.status).toBe(201);
    expect(turn.headers.get('x-ratelimit-warning')).toMatch(/^6 of 10 requests per minute used/);
    expect(turn.body.warnings).toEqual([expect.stringMatching(/^6 of 10 requests per minute used/)]);
    const streamed = await user.request('POST', `/v1/conversations/${conversation.body.id}/messages`, { content: 'again', stream: true }); // 7th
    const completed = parseSse(streamed.body as string).find((event) => event.event === 'message.completed');
    expect(completed?.data.warnings).toEqual([expect.stringMatching(/^7 of 10 requests per minute used/)]);
    for (let i = 8; i <= 10; i++) expect((await user.get('/v1/me')).status).toBe(200);
    expect((await user.get('/v1/me')).status).toBe(429); // the hard limit still holds
    // A plan without softLimitRatio warns at 80 %: the 4th of five-a-minute's 5.
    const other = await api.newUser(admin, 'five-a-minute');
    const warnings: Array<string | null> = [];
    for (let i = 1; i <= 5; i++) warnings.push((await other.get('/v1/me')).headers.get('x-ratelimit-warning'));
    expect(warnings.map((warning) => warning !== null)).toEqual([false, false, false, true, true]);
  });

  it('counts each user on their own, after authentication, admins included', async () => {
    const [ann, bob] = [await api.newUser(admin, 'ten-a-minute'), await api.newUser(admin, 'ten-a-minute')];
    const { byStatus } = await fireAtOnce([ann, bob], '/v1/me', 60);
    expect(byStatus).toEqual({ 200: 20, 429: 40 });
    expect(await counter(ann.userId, 'minute')).toBe(10);
    expect(await counter(bob.userId, 'minute')).toBe(10);

    const adminRes = await admin.get('/v1/admin/users');
    expect(adminRes.status).toBe(200);
    expect(adminRes.headers.get('x-ratelimit-limit')).toBe('100000'); // the admin's pro plan, per minute

    // Without credentials the auth guard answers first and nothing is counted.
    const anonymous = await api.get('/v1/me');
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('x-ratelimit-limit')).toBeNull();
  });

  it('limits the routes without credentials per client IP, exactly', async () => {
    const wrongLogin = () => api.post('/v1/auth/login', { email: 'nobody@gus.test', password: 'not-a-password' });
    const first = await wrongLogin();
    expect(first.status).toBe(401);
    expect(first.headers.get('x-ratelimit-limit')).toBe(String(PUBLIC_LIMIT));
    const left = Number(first.headers.get('x-ratelimit-remaining'));
    expect(left).toBeGreaterThan(0);
    const answers = await Promise.all(Array.from({ length: left + 15 }, (_, i) => (i % 2 ? wrongLogin() : api.post('/v1/auth/guest'))));
    const refused = answers.filter((res) => res.status === 429);
    expect(refused).toHaveLength(15);
    expect(refused.every((res) => res.body.code === 'RATE_LIMITED' && Number(res.headers.get('retry-after')) >= 1)).toBe(true);
    // A signed-in caller is counted by user, not by this exhausted IP.
    expect((await admin.get('/v1/me')).status).toBe(200);
  });

  it('leaves health, metrics and the OpenAPI document alone', async () => {
    for (const path of ['/health/live', '/metrics', '/docs']) {
      const res = await api.get(path);
      expect(res.status).toBe(200);
      expect(res.headers.get('x-ratelimit-limit')).toBeNull();
    }
    const { byStatus } = await fireAtOnce([api], '/health/live', 100);
    expect(byStatus).toEqual({ 200: 100 });
  });
});
