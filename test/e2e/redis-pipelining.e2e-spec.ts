import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { AppConfig } from '../../libs/config/app-config.js';
import { createRedis } from '../../libs/queue/redis.js';
import { planWindows } from '../../src/usage/domain/rate-limit.js';
import { RedisRateLimitStorage } from '../../src/usage/service/redis-rate-limit.storage.js';
import { DisposableRedis } from './support/disposable-redis.js';

/**
 * gus's shared Redis client (libs/queue/redis.ts) writes a command at once on an idle connection, and gathers the
 * commands issued while earlier ones await their replies into one pipeline (ioredis's auto-pipelining). On a Redis
 * of its own: it flushes the server's scripts.
 */
describe('the shared Redis client pipelines only while replies are awaited (real Redis)', () => {
  const prefix = `gus-test-${randomBytes(6).toString('hex')}`;
  let server: DisposableRedis;
  let redis: Redis;
  beforeAll(async () => {
    server = await DisposableRedis.onFreePort();
    await server.start();
    redis = createRedis({ redisUrl: server.url } as AppConfig);
    await redis.ping();
  });
  afterAll(async () => {
    await redis?.quit();
    await server?.stop();
  });

  it('writes a command at once when nothing is in flight, and queues the next ones for one pipeline', async () => {
    await redis.set(`${prefix}:a`, '1');
    const first = redis.get(`${prefix}:a`);
    expect(redis.autoPipelineQueueSize).toBe(0);
    expect(redis.commandQueue.length).toBe(1);
    const second = redis.incr(`${prefix}:b`);
    const third = redis.get(`${prefix}:b`);
    expect(redis.autoPipelineQueueSize).toBe(2);
    // In order, each with its own reply.
    expect(await Promise.all([first, second, third])).toEqual(['1', 1, '1']);
    expect(redis.autoPipelineQueueSize).toBe(0);
    // Idle again: written at once.
    const fourth = redis.get(`${prefix}:b`);
    expect(redis.autoPipelineQueueSize).toBe(0);
    expect(await fourth).toBe('1');
  });

  it('gives a duplicate connection (a subscriber, a blocking read) ioredis\'s default, not the state of the moment', async () => {
    const inFlight = redis.get(`${prefix}:a`);
    expect(redis.options.enableAutoPipelining).toBe(true);
    const copy = redis.duplicate();
    try {
      expect(copy.options.enableAutoPipelining).toBe(false);
    } finally {
      await inFlight;
      copy.disconnect();
    }
  });

  it('keeps a Lua limit exact through pipelined scripts, also when Redis has forgotten the script (NOSCRIPT)', async () => {
    const storage = new RedisRateLimitStorage(redis, prefix);
    const windows = planWindows({ perMinute: 5, perHour: 50, perDay: 500 });
    await storage.hit('user:warm', windows);
    await redis.script('FLUSH');
    const verdicts = await Promise.all(Array.from({ length: 500 }, () => storage.hit('user:burst', windows)));
    expect(verdicts.filter((v) => v.allowed)).toHaveLength(5);
    expect(await redis.get(`${prefix}:ratelimit:{user:burst}:minute`)).toBe('5');
  });
});
