import { Logger } from '@nestjs/common';
import type { Redis } from 'ioredis';
import type { ReservationVerdict } from '../domain/quota.js';

export interface CounterKeys {
  day: string;
  month: string;
}

/**
 * Running token totals per user and period, reservations included. `reserve` checks both periods and
 * adds to both, or to neither, in one atomic step; null means a counter does not exist yet and must be
 * initialised from the ledger first.
 */
export abstract class QuotaCounters {
  abstract reserve(keys: CounterKeys, tokens: number, limits: [number, number]): Promise<ReservationVerdict | null>;
  /** Sets a counter that does not exist yet (the first initialiser wins). */
  abstract init(key: string, used: number, ttlMs: number): Promise<void>;
  abstract adjust(keys: CounterKeys, delta: number): Promise<void>;
}

/** The embedded default, and the fallback while Redis does not answer: exact within one process. */
export class InProcessQuotaCounters extends QuotaCounters {
  private readonly totals = new Map<string, { value: number; expiresAt: number }>();

  async reserve(keys: CounterKeys, tokens: number, limits: [number, number]): Promise<ReservationVerdict | null> {
    const day = this.read(keys.day);
    const month = this.read(keys.month);
    if (day === null || month === null) return null;
    if (day + tokens > limits[0]) return { granted: false, refusedBy: 'day', totals: [day, month] };
    if (month + tokens > limits[1]) return { granted: false, refusedBy: 'month', totals: [day, month] };
    this.add(keys.day, tokens);
    this.add(keys.month, tokens);
    return { granted: true, totals: [day + tokens, month + tokens] };
  }

  async init(key: string, used: number, ttlMs: number): Promise<void> {
    if (this.read(key) === null) this.totals.set(key, { value: used, expiresAt: Date.now() + ttlMs });
  }

  async adjust(keys: CounterKeys, delta: number): Promise<void> {
    this.add(keys.day, delta);
    this.add(keys.month, delta);
  }

  private read(key: string): number | null {
    const entry = this.totals.get(key);
    if (!entry) return null;
    if (entry.expiresAt < Date.now()) {
      this.totals.delete(key);
      return null;
    }
    return entry.value;
  }

  private add(key: string, delta: number): void {
    const entry = this.totals.get(key);
    if (entry) entry.value += delta;
  }
}

/** KEYS: day, month counters; ARGV: tokens, day limit, month limit. Reply: {verdict (0 ok, 1 day, 2 month, -1 missing), day, month}. */
const RESERVE_SCRIPT = `
local day = redis.call('GET', KEYS[1])
local month = redis.call('GET', KEYS[2])
if not day or not month then return {-1, 0, 0} end
day = tonumber(day)
month = tonumber(month)
local tokens = tonumber(ARGV[1])
if day + tokens > tonumber(ARGV[2]) then return {1, day, month} end
if month + tokens > tonumber(ARGV[3]) then return {2, day, month} end
return {0, redis.call('INCRBY', KEYS[1], tokens), redis.call('INCRBY', KEYS[2], tokens)}
`;

/** KEYS: counters; ARGV[1]: delta. Only counters that exist are adjusted (an expired period stays gone). */
const ADJUST_SCRIPT = `
for i = 1, #KEYS do
  if redis.call('EXISTS', KEYS[i]) == 1 then redis.call('INCRBY', KEYS[i], ARGV[1]) end
end
return 1
`;

type ScriptedRedis = Redis & {
  gusQuotaReserve(...keysThenArgs: Array<string | number>): Promise<[number, number, number]>;
  gusQuotaAdjust(n: number, ...keysThenArgs: Array<string | number>): Promise<number>;
};

const OUTAGE_WARNING_EVERY_MS = 10_000;

/**
 * Counters in Redis, shared by every instance: the reservation is one Lua script, so no two requests or
 * instances can both see "room for one more". While Redis does not answer, this instance counts in its
 * own memory (quotas hold per instance) rather than refusing turns.
 */
export class RedisQuotaCounters extends QuotaCounters {
  private readonly logger = new Logger('Quotas');
  private readonly fallback = new InProcessQuotaCounters();
  private readonly redis: ScriptedRedis;
  private lastWarning = 0;

  constructor(redis: Redis) {
    super();
    redis.defineCommand('gusQuotaReserve', { numberOfKeys: 2, lua: RESERVE_SCRIPT });
    redis.defineCommand('gusQuotaAdjust', { lua: ADJUST_SCRIPT });
    this.redis = redis as ScriptedRedis;
  }

  async reserve(keys: CounterKeys, tokens: number, limits: [number, number]): Promise<ReservationVerdict | null> {
    if (!this.connected()) return this.fallback.reserve(keys, tokens, limits);
    try {
      const [verdict, day, month] = await this.redis.gusQuotaReserve(keys.day, keys.month, tokens, limits[0], limits[1]);
      if (verdict === -1) return null;
      if (verdict === 0) return { granted: true, totals: [day, month] };
      return { granted: false, refusedBy: verdict === 1 ? 'day' : 'month', totals: [day, month] };
    } catch (error) {
      this.warn(error);
      return this.fallback.reserve(keys, tokens, limits);
    }
  }

  async init(key: string, used: number, ttlMs: number): Promise<void> {
    await this.fallback.init(key, used, ttlMs);
    if (!this.connected()) return;
    await this.redis.set(key, used, 'PX', ttlMs, 'NX').catch((error: unknown) => this.warn(error));
  }

  async adjust(keys: CounterKeys, delta: number): Promise<void> {
    await this.fallback.adjust(keys, delta);
    if (!this.connected()) return;
    await this.redis.gusQuotaAdjust(2, keys.day, keys.month, delta).catch((error: unknown) => this.warn(error));
  }

  private connected(): boolean {
    return this.redis.status === 'ready';
  }

  private warn(error: unknown): void {
    if (Date.now() - this.lastWarning < OUTAGE_WARNING_EVERY_MS) return;
    this.lastWarning = Date.now();
    this.logger.warn(`Redis did not answer (${error instanceof Error ? error.message : String(error)}): counting token quotas in this instance's memory until it does`);
  }
}
