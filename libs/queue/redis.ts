import { Redis } from 'ioredis';

export const REDIS = Symbol('REDIS');

/** One shared client for counters, health and limiter storage (BullMQ opens its own connections). */
export function createRedis(url: string): Redis {
  const redis = new Redis(url, { maxRetriesPerRequest: 1, enableOfflineQueue: true, lazyConnect: false });
  redis.on('error', () => undefined); // reconnects on its own; health/ready reports the outage
  return redis;
}
