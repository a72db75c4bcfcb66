import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { deleteRedisPrefix } from '../../bench/redis-cleanup.js';
import { REDIS_URL } from './support/gus-harness.js';

describe("bench: a run's Redis keys are removed after it (the shared Redis)", () => {
  it('deletes the keys under prefix: and under {prefix}: (BullMQ), and no other', async () => {
    const prefix = `gus-bench-test-${randomBytes(4).toString('hex')}`;
    const redis = new Redis(REDIS_URL);
    try {
      await redis.mset(`${prefix}:ratelimit:{user:1}:minute`, '1', `{${prefix}}:usage-billing:meta`, 'x', `{${prefix}}:usage-billing:1`, 'y', `${prefix}-other:kept`, 'z');
      expect(await deleteRedisPrefix(REDIS_URL, prefix)).toBe(3);
      expect(await redis.exists(`${prefix}:ratelimit:{user:1}:minute`, `{${prefix}}:usage-billing:meta`, `{${prefix}}:usage-billing:1`)).toBe(0);
      expect(await redis.get(`${prefix}-other:kept`)).toBe('z');
    } finally {
      await redis.del(`${prefix}-other:kept`);
      await redis.quit();
    }
  });
});
