import { Redis } from 'ioredis';
import { OllamaSimulator } from '../../src/llm/simulator/ollama-simulator.js';
import { ApiClient } from './support/api-client.js';
import { DisposableRedis } from './support/disposable-redis.js';
import { eventually, ledgerTokens, startGus, type RunningGus } from './support/gus-harness.js';

// The reconciler runs every 500 ms here (20 s by default), so that the second case need not wait long.
const PLANS = { GUS_PLANS_FILE: 'test/fixtures/plans-quotas.json', GUS_QUOTA_RECONCILE_MS: '500' };
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

  it('reconciles a user whose counters Redis lost (FLUSHALL): the set of users to reconcile is rebuilt with them', async () => {
    const api = new ApiClient(gus.url);
    const user = await api.newUser(await api.asAdmin(), 'metered');
    const id = (await user.post('/v1/conversations', {})).body.id;
    const send = (content: string) => user.post(`/v1/conversations/${id}/messages`, { content: `${content} [[sim:tokens=50]]` });
    expect((await send('first')).status).toBe(201); // marks the user active, in the Redis about to lose it
    const probe = new Redis(redis.url);
    try {
      await probe.flushall(); // the data goes; the connection stays, so gus sees no outage
      expect((await send('second')).status).toBe(201); // starts the counters afresh from the ledger
      const day = `${gus.env.GUS_REDIS_PREFIX}:quota:{${user.userId}}:${new Date().toISOString().slice(0, 10)}`;
      const used = await ledgerTokens(gus, user.userId);
      await eventually(async () => expect(Number(await probe.get(day))).toBe(used));
      // A drift such a loss can leave (a turn counted elsewhere meanwhile): the reconciler puts it right.
      await probe.set(day, String(used + 777), 'KEEPTTL');
      await eventually(async () => expect(Number(await probe.get(day))).toBe(used), 8_000);
    } finally {
      probe.disconnect();
    }
  }, 30_000);
});
