import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { planWindows } from '../../src/usage/domain/rate-limit.js';
import { RedisRateLimitStorage } from '../../src/usage/service/redis-rate-limit.storage.js';
import { REDIS_URL, deleteRedisKeys } from './support/gus-harness.js';

/** The Lua script on the real Redis, without HTTP in between: several clients, like several instances. */
describe('Redis rate limit counters (real Redis)', () => {
  const prefix = `gus-test-${randomBytes(6).toString('hex')}`;
  const clients = Array.from({ length: 4 }, () => new Redis(REDIS_URL));
  const storages = clients.map((client) => new RedisRateLimitStorage(client, prefix));
  afterAll(async () => {
    await Promise.all(clients.map((client) => client.quit()));
    await deleteRedisKeys(prefix);
  });

  it('lets exactly 5 of 1,000 concurrent hits from four clients through a limit of 5, in every window', async () => {
    const windows = planWindows({ perMinute: 5, perHour: 50, perDay: 500 });
    const verdicts = await Promise.all(Array.from({ length: 1000 }, (_, i) => storages[i % 4].hit('user:race', windows)));
    expect(verdicts.filter((v) => v.allowed)).toHaveLength(5);
    const counters = await clients[0].mget(`${prefix}:ratelimit:{user:race}:minute`, `${prefix}:ratelimit:{user:race}:hour`, `${prefix}:ratelimit:{user:race}:day`);
    expect(counters).toEqual(['5', '5', '5']);
  });

  it('reports each window after the decision, with the time its counter has left', async () => {
    const windows = planWindows({ perMinute: 2, perHour: 50, perDay: 500 });
    const first = await storages[0].hit('user:report', windows);
    expect(first.allowed).toBe(true);
    expect(first.windows.map((w) => w.hits)).toEqual([1, 1, 1]);
    expect(first.windows.map((w) => w.resetMs)).toEqual([60_000, 3_600_000, 86_400_000]);
    await storages[1].hit('user:report', windows);
    const refused = await storages[2].hit('user:report', windows);
    expect(refused.allowed).toBe(false);
    expect(refused.windows.map((w) => w.hits)).toEqual([2, 2, 2]);
    expect(refused.windows[0].resetMs).toBeGreaterThan(55_000);
    expect(refused.windows[0].resetMs).toBeLessThanOrEqual(60_000);
  });

  it('starts afresh a counter that somehow lost its expiry, instead of blocking forever', async () => {
    await clients[0].set(`${prefix}:ratelimit:{user:stuck}:minute`, '99');
    const verdict = await storages[0].hit('user:stuck', planWindows({ perMinute: 5, perHour: 50, perDay: 500 }));
    expect(verdict.allowed).toBe(true);
    expect(verdict.windows[0]).toMatchObject({ hits: 1, resetMs: 60_000 });
    expect(await clients[0].pttl(`${prefix}:ratelimit:{user:stuck}:minute`)).toBeGreaterThan(55_000);
  });

  it('keeps limiting in memory while Redis does not answer', async () => {
    const unreachable = new Redis('redis://127.0.0.1:1', { lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 0, retryStrategy: () => null });
    const storage = new RedisRateLimitStorage(unreachable, prefix);
    try {
      const verdicts = await Promise.all(Array.from({ length: 20 }, () => storage.hit('user:outage', planWindows({ perMinute: 3, perHour: 50, perDay: 500 }))));
      expect(verdicts.filter((v) => v.allowed)).toHaveLength(3);
    } finally {
      storage.onApplicationShutdown();
      unreachable.disconnect();
    }
  });
});
