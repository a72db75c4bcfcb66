import { Logger } from '@nestjs/common';
import type { Redis } from 'ioredis';
import type { RateVerdict, RateWindow } from '../domain/rate-limit.js';
import { InProcessRateLimitStorage, RateLimitStorage } from './rate-limit.storage.js';

/**
 * countHit (domain/rate-limit.ts) inside Redis. A script runs atomically, so reading the counters,
 * deciding and incrementing is one step: no two instances or requests can both see "one left".
 * KEYS[i] is window i's counter; ARGV[i] its limit, ARGV[n + i] its length in ms.
 * Reply: { allowed (1|0), hits_1, resetMs_1, hits_2, resetMs_2, ... }, the windows after the decision.
 */
const HIT_SCRIPT = `
local n = #KEYS
local hits, resets = {}, {}
local allowed = 1
for i = 1, n do
  local ttl = redis.call('PTTL', KEYS[i])
  if ttl > 0 then
    hits[i] = tonumber(redis.call('GET', KEYS[i])) or 0
    resets[i] = ttl
  else
    -- -2: no counter yet. 0 or -1 (a counter without expiry): start the window afresh.
    if ttl ~= -2 then redis.call('DEL', KEYS[i]) end
    hits[i] = 0
    resets[i] = tonumber(ARGV[n + i])
  end
  if hits[i] >= tonumber(ARGV[i]) then allowed = 0 end
end
if allowed == 1 then
  for i = 1, n do
    hits[i] = redis.call('INCR', KEYS[i])
    if hits[i] == 1 then redis.call('PEXPIRE', KEYS[i], ARGV[n + i]) end
  end
end
local reply = { allowed }
for i = 1, n do
  reply[#reply + 1] = hits[i]
  reply[#reply + 1] = resets[i]
end
return reply
`;

const COMMAND = 'gusRateLimitHit';
type RedisWithHit = Redis & { [COMMAND](numberOfKeys: number, ...keysThenArgs: Array<string | number>): Promise<number[]> };

const OUTAGE_WARNING_EVERY_MS = 10_000;
/** ioredis statuses after a connection was lost ('wait' and 'connecting' come first at start too: those may wait). */
const DISCONNECTED = new Set(['reconnecting', 'close', 'end']);

/**
 * Counters in Redis, shared by every instance, under `<prefix>:ratelimit:{<caller>}:<window>`
 * (the braces keep one caller's windows in one Redis Cluster slot, as a multi-key script needs).
 * While Redis does not answer, this instance counts in its own memory: limits then hold per
 * instance rather than not at all, and the API stays up.
 */
export class RedisRateLimitStorage extends RateLimitStorage {
  private readonly logger = new Logger('RateLimits');
  private readonly fallback = new InProcessRateLimitStorage();
  private lastOutageWarning = 0;

  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {
    super();
    // EVALSHA, and EVAL once when Redis does not know the script yet (ioredis does that for us).
    redis.defineCommand(COMMAND, { lua: HIT_SCRIPT });
  }

  async hit(key: string, windows: RateWindow[]): Promise<RateVerdict> {
    const keys = windows.map((window) => `${this.prefix}:ratelimit:{${key}}:${window.name}`);
    let reply: number[];
    try {
      // Once the connection is lost, a command would first wait out the client's retry backoff (up to seconds).
      if (DISCONNECTED.has(this.redis.status)) throw new Error(`the connection is ${this.redis.status}`);
      reply = await (this.redis as RedisWithHit)[COMMAND](keys.length, ...keys, ...windows.map((w) => w.limit), ...windows.map((w) => w.ttlMs));
    } catch (error) {
      this.warnOutage(error);
      return this.fallback.hit(key, windows);
    }
    return {
      allowed: reply[0] === 1,
      windows: windows.map((window, i) => ({ window, hits: reply[1 + 2 * i], resetMs: reply[2 + 2 * i] })),
    };
  }

  onApplicationShutdown(): void {
    this.fallback.onApplicationShutdown();
  }

  private warnOutage(error: unknown): void {
    const now = Date.now();
    if (now - this.lastOutageWarning < OUTAGE_WARNING_EVERY_MS) return;
    this.lastOutageWarning = now;
    const reason = error instanceof Error ? error.message : String(error);
    this.logger.warn(`Redis did not answer (${reason}): counting rate limits in this instance's memory until it does`);
  }
}
