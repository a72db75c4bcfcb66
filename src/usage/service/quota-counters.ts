import { Logger } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { decideReservation, refusingPeriod, type PeriodTotals, type ReservationVerdict } from '../domain/quota.js';

/** One user's counters for the current UTC day and month. */
export interface CounterKeys {
  day: string;
  month: string;
}

/** How to start a counter that does not exist yet: the ledger's totals, and how long the counter lives. */
export interface LedgerStart {
  used(): Promise<PeriodTotals>;
  ttlMs: PeriodTotals;
}

/** Where a reservation was counted, so that its settlement goes to the same counters. */
export interface CounterTicket {
  keys: CounterKeys;
  store: QuotaCounters;
}

/**
 * Running token totals per user and period, outstanding reservations included. `reserve` checks both
 * periods and adds to both, or to neither, in one atomic step; a counter that does not exist yet (first
 * use of the period, or a Redis that lost its data) is started from the ledger in that same step.
 */
export abstract class QuotaCounters {
  abstract reserve(keys: CounterKeys, tokens: number, limits: PeriodTotals, ledger: LedgerStart): Promise<{ verdict: ReservationVerdict; ticket: CounterTicket }>;
  /** Adds `delta` (actual − reserved, often negative) to the counters the ticket reserved on, where they still exist. */
  abstract settle(ticket: CounterTicket, delta: number): Promise<void>;
}

const SWEEP_EVERY_MS = 10 * 60_000;

/** The embedded default, and the fallback while Redis does not answer: exact within one process. */
export class InProcessQuotaCounters extends QuotaCounters {
  private readonly totals = new Map<string, { value: number; expiresAt: number }>();
  private nextSweep = Date.now() + SWEEP_EVERY_MS;

  async reserve(keys: CounterKeys, tokens: number, limits: PeriodTotals, ledger: LedgerStart): Promise<{ verdict: ReservationVerdict; ticket: CounterTicket }> {
    if (this.read(keys.day) === null || this.read(keys.month) === null) {
      const used = await ledger.used();
      // Concurrent initialisers read the same ledger; the first to get here sets the counter, the others keep it.
      if (this.read(keys.day) === null) this.start(keys.day, used[0], ledger.ttlMs[0]);
      if (this.read(keys.month) === null) this.start(keys.month, used[1], ledger.ttlMs[1]);
    }
    // From here on nothing awaits: reading, deciding and adding is one step for this process.
    const verdict = decideReservation([this.read(keys.day)!, this.read(keys.month)!], tokens, limits);
    if (verdict.granted) {
      this.add(keys.day, tokens);
      this.add(keys.month, tokens);
    }
    return { verdict, ticket: { keys, store: this } };
  }

  async settle(ticket: CounterTicket, delta: number): Promise<void> {
    this.add(ticket.keys.day, delta);
    this.add(ticket.keys.month, delta);
  }

  private read(key: string): number | null {
    const entry = this.totals.get(key);
    if (!entry) return null;
    if (entry.expiresAt <= Date.now()) {
      this.totals.delete(key);
      return null;
    }
    return entry.value;
  }

  private start(key: string, used: number, ttlMs: number): void {
    const now = Date.now();
    if (now >= this.nextSweep) {
      this.nextSweep = now + SWEEP_EVERY_MS;
      for (const [k, entry] of this.totals) if (entry.expiresAt <= now) this.totals.delete(k);
    }
    this.totals.set(key, { value: used, expiresAt: now + ttlMs });
  }

  /** Only a counter that exists changes: a period that has ended stays gone. */
  private add(key: string, delta: number): void {
    const entry = this.totals.get(key);
    if (entry) entry.value += delta;
  }
}

/**
 * KEYS: the day and month counters. ARGV: tokens, day limit, month limit[, day start, month start, day ttl ms, month ttl ms].
 * A missing counter is started from the ARGV totals (the ledger's) when they are given, otherwise the reply is
 * {-1} and the caller reads the ledger and calls again. The month is checked first, as refusingPeriod does.
 * Reply: {1, day, month} granted (totals after), {0, day, month} refused (totals before), {-1, 0, 0} missing.
 */
const RESERVE_SCRIPT = `
local day = redis.call('GET', KEYS[1])
local month = redis.call('GET', KEYS[2])
if not day or not month then
  if #ARGV < 7 then return {-1, 0, 0} end
  if not day then
    redis.call('SET', KEYS[1], ARGV[4], 'PX', ARGV[6])
    day = ARGV[4]
  end
  if not month then
    redis.call('SET', KEYS[2], ARGV[5], 'PX', ARGV[7])
    month = ARGV[5]
  end
end
day = tonumber(day)
month = tonumber(month)
local tokens = tonumber(ARGV[1])
if month + tokens > tonumber(ARGV[3]) or day + tokens > tonumber(ARGV[2]) then return {0, day, month} end
return {1, redis.call('INCRBY', KEYS[1], tokens), redis.call('INCRBY', KEYS[2], tokens)}
`;

/** KEYS: counters; ARGV[1]: delta. Only counters that exist are adjusted: a period that has ended stays gone. */
const SETTLE_SCRIPT = `
for i = 1, #KEYS do
  if redis.call('EXISTS', KEYS[i]) == 1 then redis.call('INCRBY', KEYS[i], ARGV[1]) end
end
return 1
`;

type ScriptedRedis = Redis & {
  gusQuotaReserve(...keysThenArgs: Array<string | number>): Promise<[number, number, number]>;
  gusQuotaSettle(numberOfKeys: number, ...keysThenArgs: Array<string | number>): Promise<number>;
};

const OUTAGE_WARNING_EVERY_MS = 10_000;
const RETRY_AFTER_FAILURE_MS = 1000;
/** ioredis statuses after a connection was lost ('wait' and 'connecting' come first at start too: those may wait). */
const DISCONNECTED = new Set(['reconnecting', 'close', 'end']);

/**
 * Counters in Redis, shared by every instance: reserving is one Lua script, so no two turns or instances
 * can both see "room for one more". While Redis does not answer, this instance counts in its own memory,
 * started afresh from the ledger, so quotas still hold per instance and no turn is refused for the outage.
 * Once Redis answers again, the counters the outage touched are rebuilt from the ledger: they missed what
 * was counted in memory meanwhile (and settlements Redis did not take).
 */
export class RedisQuotaCounters extends QuotaCounters {
  private readonly logger = new Logger('Quotas');
  private readonly redis: ScriptedRedis;
  /** Set during an outage. */
  private memory: InProcessQuotaCounters | null = null;
  /** Redis counters to rebuild from the ledger once Redis answers again. */
  private readonly stale = new Set<string>();
  private recovering: Promise<boolean> | null = null;
  /** After a failed command, Redis is tried again from this time on. */
  private retryAt = 0;
  private lastWarning = 0;

  constructor(redis: Redis) {
    super();
    // EVALSHA, and EVAL once when Redis does not know the script yet (ioredis does that for us).
    redis.defineCommand('gusQuotaReserve', { numberOfKeys: 2, lua: RESERVE_SCRIPT });
    redis.defineCommand('gusQuotaSettle', { lua: SETTLE_SCRIPT });
    this.redis = redis as ScriptedRedis;
  }

  async reserve(keys: CounterKeys, tokens: number, limits: PeriodTotals, ledger: LedgerStart): Promise<{ verdict: ReservationVerdict; ticket: CounterTicket }> {
    if (await this.redisAnswers()) {
      let reply = await this.runReserve(keys, tokens, limits);
      if (reply?.[0] === -1) {
        const used = await ledger.used(); // a database error is the turn's, not Redis's
        reply = await this.runReserve(keys, tokens, limits, used[0], used[1], ledger.ttlMs[0], ledger.ttlMs[1]);
      }
      if (reply && reply[0] !== -1) {
        const [granted, day, month] = reply;
        const verdict: ReservationVerdict =
          granted === 1 ? { granted: true, totals: [day, month] } : { granted: false, refusedBy: refusingPeriod([day, month], tokens, limits)!, totals: [day, month] };
        return { verdict, ticket: { keys, store: this } };
      }
    }
    this.stale.add(keys.day).add(keys.month);
    return this.enterOutage().reserve(keys, tokens, limits, ledger);
  }

  /** The reserve script's reply, or null when Redis did not answer (this instance then counts in memory). */
  private async runReserve(keys: CounterKeys, tokens: number, limits: PeriodTotals, ...start: number[]): Promise<[number, number, number] | null> {
    try {
      return await this.redis.gusQuotaReserve(keys.day, keys.month, tokens, limits[0], limits[1], ...start);
    } catch (error) {
      this.enterOutage(error);
      return null;
    }
  }

  async settle(ticket: CounterTicket, delta: number): Promise<void> {
    // Counted in memory during an outage: settled there (a no-op once that memory is dropped and the keys rebuilt).
    if (ticket.store !== this) return ticket.store.settle(ticket, delta);
    if (!DISCONNECTED.has(this.redis.status)) {
      try {
        await this.redis.gusQuotaSettle(2, ticket.keys.day, ticket.keys.month, delta);
        return;
      } catch (error) {
        this.enterOutage(error);
      }
    }
    this.enterOutage();
    this.stale.add(ticket.keys.day).add(ticket.keys.month);
  }

  private async redisAnswers(): Promise<boolean> {
    if (DISCONNECTED.has(this.redis.status)) {
      this.warn(new Error(`the connection is ${this.redis.status}`));
      this.enterOutage();
      return false;
    }
    if (!this.memory) return true;
    // A Redis that failed a command may fail the next one too (out of memory refuses writes): not every turn tries.
    if (Date.now() < this.retryAt) return false;
    this.recovering ??= this.recover().finally(() => (this.recovering = null));
    return this.recovering;
  }

  /** With the error of a failed command, Redis is not tried again for a moment. */
  private enterOutage(error?: unknown): InProcessQuotaCounters {
    if (error !== undefined) {
      this.warn(error);
      this.retryAt = Date.now() + RETRY_AFTER_FAILURE_MS;
    }
    return (this.memory ??= new InProcessQuotaCounters());
  }

  /** Drops the counters the outage touched, so that the next turn starts them from the ledger; then leaves memory. */
  private async recover(): Promise<boolean> {
    try {
      const keys = [...this.stale];
      for (let i = 0; i < keys.length; i += 500) await this.redis.del(...keys.slice(i, i + 500));
      for (const key of keys) this.stale.delete(key);
      this.memory = null;
      this.logger.log(`Redis answers again: token quotas are counted there again (${keys.length} counters rebuilt from the ledger)`);
      return true;
    } catch (error) {
      this.enterOutage(error);
      return false;
    }
  }

  private warn(error: unknown): void {
    if (Date.now() - this.lastWarning < OUTAGE_WARNING_EVERY_MS) return;
    this.lastWarning = Date.now();
    this.logger.warn(`Redis did not answer (${error instanceof Error ? error.message : String(error)}): counting token quotas in this instance's memory until it does`);
  }
}
