import { Redis } from 'ioredis';

/**
 * Deletes every key of one bench run, so repeated runs against a shared Redis leave nothing behind: those under
 * `prefix:` (rate limits, quotas, streams) and under `{prefix}:` (BullMQ's queues and jobs, hash-tagged; see
 * libs/queue/redis.ts). Only called after gus has stopped.
 */
export async function deleteRedisPrefix(url: string, prefix: string): Promise<number> {
  const redis = new Redis(url, { maxRetriesPerRequest: 1, lazyConnect: true });
  redis.on('error', () => undefined); // a failure surfaces through the awaited commands below
  try {
    await redis.connect();
    let deleted = 0;
    for (const pattern of [`${prefix}:*`, `{${prefix}}:*`]) {
      let cursor = '0';
      do {
        const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
        if (keys.length > 0) deleted += await redis.unlink(...keys);
        cursor = next;
      } while (cursor !== '0');
    }
    return deleted;
  } finally {
    redis.disconnect();
  }
}
