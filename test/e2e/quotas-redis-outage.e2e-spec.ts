import { Redis } from 'ioredis';
import { OllamaSimulator } from '../../src/llm/simulator/ollama-simulator.js';
import { ApiClient } from './support/api-client.js';
import { DisposableRedis } from './support/disposable-redis.js';
import { eventually, ledgerTokens, startGus, type RunningGus } from './support/gus-harness.js';

const PLANS = { GUS_PLANS_FILE: 'test/fixtures/plans-quotas.json' };
const QUOTA = 3000; // plan `metered`: a day; no turn reserves more than its 400-token window


describe('token quotas while Redis is down, and after it comes back empty (PostgreSQL + a Redis of its own)', () => {
  const simulator = new OllamaSimulator();
  let redis: DisposableRedis;
  let gus: RunningGus;

  beforeAll(async () => {
    redis = await DisposableRedis.onFreePort();
    await redis.start();
    gus = await startGus({ ollamaHost: await simulator.start(), redisUrl: redis.url, env: PLANS });
  });
  afterAll(async () => {
    await gus?.stop();
    await redis?.stop();
    await simulator.stop();
  });

  it('never refuses a turn for the outage, keeps the quota from the ledger meanwhile, and starts again from the ledger', async () => {
    const api = new ApiClient(gus.url);
    const user = await api.newUser(await api.asAdmin(), 'metered');
    const id = (await user.post('/v1/conversations', {})).body.id;
    const send = (content: string) => user.post(`/v1/conversations/${id}/messages`, { content: `${content} [[sim:tokens=100]]` });
    for (let i = 0; i < 5; i++) expect((await send(`before ${i}`)).status).toBe(201); // counted in Redis

    await redis.stop();
    const during: number[] = [];
    for (let i = 0; i < 40 && during.at(-1) !== 429; i++) during.push((await send(`during ${i}`)).status);
    expect(during.slice(0, -1).every((status) => status === 201)).toBe(true); // the outage refuses nothing by itself
    expect(during.length).toBeGreaterThan(1);
    expect(during.at(-1)).toBe(429); // the quota still holds, counted in memory from the ledger
    const used = await ledgerTokens(gus, user.userId);
    expect(used).toBeLessThanOrEqual(QUOTA);
    // The logger writes in batches (every 200 ms): wait for the line rather than read the output at once.
    await eventually(async () => expect(gus.logs()).toContain('counting token quotas in this instance'));

    await redis.start(); // empty: every counter is gone
    const probe = new Redis(redis.url);
    try {
      const now = new Date().toISOString();
      const base = `${gus.env.GUS_REDIS_PREFIX}:quota:{${user.userId}}`;
      // Once gus has reconnected, the counters live in Redis again, started from the ledger, not from zero.
      await eventually(async () => {
        const after = await send('after');
        expect(after.status).toBe(429);
        expect(after.body.code).toBe('QUOTA_EXCEEDED');
        expect(await probe.mget(`${base}:${now.slice(0, 10)}`, `${base}:${now.slice(0, 7)}`)).toEqual([String(used), String(used)]);
      }, 15_000);
    } finally {
      probe.disconnect();
    }
    expect(await ledgerTokens(gus, user.userId)).toBe(used);
    expect((await user.get('/v1/me')).body.usage.quotas.day).toMatchObject({ limit: QUOTA, used });
  });
});
