import { ApiClient } from './support/api-client.js';
import { startGus, type RunningGus } from './support/gus-harness.js';
import { fireAtOnce } from './support/parallel-requests.js';

/** No REDIS_URL: the counters live in the process, and must be just as exact there. */
describe('request rate limits on the embedded default (in-process counters)', () => {
  let gus: RunningGus;
  let api: ApiClient;
  let admin: ApiClient;

  beforeAll(async () => {
    gus = await startGus({ embedded: true, env: { GUS_PLANS_FILE: 'test/fixtures/plans-rate-limits.json' } });
    api = new ApiClient(gus.url);
    admin = await api.asAdmin();
  });
  afterAll(() => gus?.stop());

  it('lets exactly 10 of 200 parallel requests through a limit of 10', async () => {
    expect(gus.config.redisUrl).toBeUndefined();
    const user = await api.newUser(admin, 'ten-a-minute');
    const { byStatus, codes } = await fireAtOnce([user], '/v1/me', 200);
    expect(byStatus).toEqual({ 200: 10, 429: 190 });
    expect([...codes]).toEqual(['RATE_LIMITED']);
  });

  it('reports the same headers and refusal as with Redis', async () => {
    const user = await api.newUser(admin, 'five-a-minute');
    const remaining = [];
    for (let i = 0; i < 5; i++) remaining.push((await user.get('/v1/me')).headers.get('x-ratelimit-remaining'));
    expect(remaining).toEqual(['4', '3', '2', '1', '0']);
    const refused = await user.get('/v1/me');
    expect(refused.status).toBe(429);
    expect(refused.body.code).toBe('RATE_LIMITED');
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(refused.headers.get('x-ratelimit-limit')).toBe('5');
  });
});
