import { Redis } from 'ioredis';

/**
 * Deletes every key under `prefix:` (BullMQ queues, jobs and rate-limit counters of one bench run), so
 * repeated runs against a shared Redis leave nothing behind. Only called after gus has stopped.
 */
export async function deleteRedisPrefix(url: string, prefix: string): Promise<number> {
  const redis = new Redis(url, { maxRetriesPerRequest: 1, lazyConnect: true });
  redis.on('error', () => undefined); // a failure surfaces through the awaited commands below
  try {
    await redis.connect();
    let deleted = 0;
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      if (keys.length > 0) deleted += await redis.unlink(...keys);
      cursor = next;
    } while (cursor !== '0');
    return deleted;
  } finally {
    redis.disconnect();
  }
}
