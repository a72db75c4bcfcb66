import { ApiClient } from './support/api-client.js';
import { startGus, type RunningGus } from './support/gus-harness.js';
import { fireAtOnce } from './support/parallel-requests.js';

const PLANS = 'test/fixtures/plans-rate-limits.json';

/** Two gus processes on one PostgreSQL database and one Redis prefix: one budget per user between them. */
describe('request rate limits across two instances (PostgreSQL + Redis)', () => {
  let first: RunningGus;
  let second: RunningGus;

  beforeAll(async () => {
    first = await startGus({ env: { GUS_PLANS_FILE: PLANS } });
    second = await startGus({
      env: { GUS_PLANS_FILE: PLANS },
      databaseUrl: first.env.DATABASE_URL,
      redisPrefix: first.env.GUS_REDIS_PREFIX,
      jwtSecret: first.env.JWT_SECRET,
    });
  });
  afterAll(async () => {
    await second?.stop();
    await first?.stop();
  });

  it('lets exactly 10 of 200 parallel requests, spread over both, through a limit of 10', async () => {
    expect(second.url).not.toBe(first.url);
    const viaFirst = await new ApiClient(first.url).newUser(await new ApiClient(first.url).asAdmin(), 'ten-a-minute');
    const viaSecond = new ApiClient(second.url, viaFirst.token);
    const { byStatus, codes } = await fireAtOnce([viaFirst, viaSecond], '/v1/me', 200);
    expect(byStatus).toEqual({ 200: 10, 429: 190 });
    expect([...codes]).toEqual(['RATE_LIMITED']);
    // Both instances see the one exhausted budget.
    expect((await viaFirst.get('/v1/me')).status).toBe(429);
    expect((await viaSecond.get('/v1/me')).status).toBe(429);
  });
});
