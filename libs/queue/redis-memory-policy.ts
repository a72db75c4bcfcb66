import { Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { REDIS } from './redis.js';

/** What Redis said its maxmemory-policy is, or why it could not be read. */
export type MaxmemoryPolicy = { policy: string } | { unreadable: string };

const ANSWER_WITHIN_MS = 2000;

/** CONFIG GET maxmemory-policy; managed Redis services often forbid CONFIG, which is reported, not thrown. */
export async function readMaxmemoryPolicy(redis: Redis): Promise<MaxmemoryPolicy> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ANSWER_WITHIN_MS} ms`)), ANSWER_WITHIN_MS);
  });
  try {
    const reply = (await Promise.race([redis.config('GET', 'maxmemory-policy'), timeout])) as string[];
    return reply.length >= 2 ? { policy: reply[1] } : { unreadable: 'CONFIG GET maxmemory-policy returned nothing' };
  } catch (error) {
    return { unreadable: error instanceof Error ? error.message : String(error) };
  } finally {
    clearTimeout(timer);
  }
}

/** BullMQ requires noeviction: an evicting Redis under memory pressure silently drops jobs and rate-limit counters. */
export function maxmemoryPolicyWarning(found: MaxmemoryPolicy): string | null {
  if ('unreadable' in found) {
    return `could not check Redis maxmemory-policy (${found.unreadable}); BullMQ needs "noeviction" - make sure the server uses it`;
  }
  if (found.policy === 'noeviction') return null;
  return (
    `Redis maxmemory-policy is "${found.policy}", not "noeviction": under memory pressure Redis will evict ` +
    'BullMQ jobs and rate-limit counters. Set "maxmemory-policy noeviction" on the server.'
  );
}

/** Says loudly at start when the shared Redis may lose keys. */
@Injectable()
export class RedisMemoryPolicyCheck implements OnApplicationBootstrap {
  private readonly logger = new Logger('Redis');

  constructor(@Inject(REDIS) private readonly redis: Redis | null) {}

  async onApplicationBootstrap(): Promise<void> {
    if (!this.redis) return;
    const warning = maxmemoryPolicyWarning(await readMaxmemoryPolicy(this.redis));
    if (warning) this.logger.warn(warning);
  }
}
