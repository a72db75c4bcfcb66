import { Logger } from '@nestjs/common';
import type { ThrottlerModuleOptions } from '@nestjs/throttler';
import type { Redis } from 'ioredis';
import type { AppConfig } from '../../../libs/config/app-config.js';
import { InProcessRateLimitStorage } from './rate-limit.storage.js';
import { RedisRateLimitStorage } from './redis-rate-limit.storage.js';

/**
 * @nestjs/throttler's settings for RateLimitGuard. The one `default` throttler is the per-IP limit of the
 * routes without credentials; authenticated callers get their plan's windows from the guard instead.
 */
export function rateLimitOptions(config: AppConfig, redis: Redis | null): ThrottlerModuleOptions {
  const logger = new Logger('RateLimits');
  if (redis) logger.log('rate limit counters: Redis (one atomic script per request, shared by every instance)');
  else logger.log('rate limit counters: in-process (exact in this process, not shared with other instances)');
  return {
    throttlers: [{ name: 'default', ttl: 60_000, limit: config.publicRateLimitPerMinute }],
    storage: redis ? new RedisRateLimitStorage(redis, config.redisPrefix) : new InProcessRateLimitStorage(),
  };
}
