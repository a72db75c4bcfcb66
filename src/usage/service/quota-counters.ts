import { Logger } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { decideReservation, refusingPeriod, type PeriodTotals, type ReservationVerdict } from '../domain/quota.js';

/**
 * One user's quota state for the current UTC day and month. In Redis: the two counters (settled usage plus
 * live leases), the leases themselves (a sorted set, member `id|tokens|day|month`, score = expiry), and a
 * settlement sequence the reconciler compares; all under the user's hash tag, so that one script reaches them
 * on a Redis Cluster.
 */
export interface CounterKeys {
  day: string;
  month: string;
  leases: string;
  seq: string;
  /** The periods' names (2026-11-24, 2026-11): which counters a lease was counted on. */
  dayName: string;
  monthName: string;
}

/** How to start a counter that does not exist yet: the ledger's totals, and how long the counter lives. */
export interface LedgerStart {
  used(): Promise<PeriodTotals>;
  ttlMs: PeriodTotals;
}

/** A reservation: its id, its tokens, and until when it holds unless renewed (a process that died renews nothing). */
export interface Lease {
  id: string;
  tokens: number;
  expiresAt: number;
}

/** Where a reservation was counted, so that its settlement and renewals go to the same counters. */
export interface CounterTicket {
  keys: CounterKeys;
  lease: Lease;
  store: QuotaCounters;
}

/**
 * Running token totals per user and period, live leases included. `reserve` checks both periods and adds to
 * both, or to neither, in one atomic step; a counter that does not exist yet (first use of the period, or a
 * Redis that lost its data) is started from the ledger plus the leases still live, in that same step. A lease
 * not settled by its expiry (its process died) is given back. `reconcile` resets the counters to the ledger
 * when no lease is live and nothing settled while the ledger was read: any drift left by a fault goes.
 */
export abstract class QuotaCounters {
  abstract reserve(keys: CounterKeys, lease: Lease, limits: PeriodTotals, ledger: LedgerStart): Promise<{ verdict: ReservationVerdict; ticket: CounterTicket }>;
  /** Replaces the ticket's reservation by what the turn really used (where the counters still exist). */
  abstract settle(ticket: CounterTicket, actualTokens: number): Promise<void>;
  /** Keeps live leases from expiring. */
  abstract renew(tickets: CounterTicket[], until: number): Promise<void>;
  /** The counters := the ledger, when nothing is in flight for them; false when it had to leave them. */
  abstract reconcile(keys: CounterKeys, ledger: () => Promise<PeriodTotals>, ttlMs: PeriodTotals): Promise<boolean>;
  /** Called by the reconciler's timer: a store counting elsewhere for a fault goes back to normal when it can. */
  async recoverIfDue(): Promise<void> {}
}

const SWEEP_EVERY_MS = 10 * 60_000;

/** The embedded default, and the fallback while Redis does not answer: exact within one process (which renews nothing: it holds its leases). */
export class InProcessQuotaCounters extends QuotaCounters {
  private readonly totals = new Map<string, { value: number; expiresAt: number }>();
  /** Reservations not settled yet, by day key: reconcile leaves counters with any alone. */
  private readonly live = new Map<string, number>();
  private nextSweep = Date.now() + SWEEP_EVERY_MS;

  async reserve(keys: CounterKeys, lease: Lease, limits: PeriodTotals, ledger: LedgerStart): Promise<{ verdict: ReservationVerdict; ticket: CounterTicket }> {
    if (this.read(keys.day) === null || this.read(keys.month) === null) {
      const used = await ledger.used();
      // Concurrent initialisers read the same ledger; the first to get here sets the counter, the others keep it.
      if (this.read(keys.day) === null) this.start(keys.day, used[0], ledger.ttlMs[0]);
      if (this.read(keys.month) === null) this.start(keys.month, used[1], ledger.ttlMs[1]);
    }
    // From here on nothing awaits: reading, deciding and adding is one step for this process.
    const verdict = decideReservation([this.read(keys.day)!, this.read(keys.month)!], lease.tokens, limits);
    if (verdict.granted) {
      this.add(keys.day, lease.tokens);
      this.add(keys.month, lease.tokens);
      this.live.set(keys.day, (this.live.get(keys.day) ?? 0) + 1);
    }
    return { verdict, ticket: { keys, lease, store: this } };
  }

  async settle(ticket: CounterTicket, actualTokens: number): Promise<void> {
    const delta = actualTokens - ticket.lease.tokens;
    this.add(ticket.keys.day, delta);
    this.add(ticket.keys.month, delta);
    const left = (this.live.get(ticket.keys.day) ?? 1) - 1;
    if (left > 0) this.live.set(ticket.keys.day, left);
    else this.live.delete(ticket.keys.day);
  }

  async renew(): Promise<void> {}

  async reconcile(keys: CounterKeys, ledger: () => Promise<PeriodTotals>, ttlMs: PeriodTotals): Promise<boolean> {
    if (this.live.has(keys.day)) return false;
    const used = await ledger();
    if (this.live.has(keys.day)) return false; // a turn began while the ledger was read
    this.start(keys.day, used[0], ttlMs[0]);
    this.start(keys.month, used[1], ttlMs[1]);
    return true;
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
 * Shared by the scripts: gives back the leases of the user that expired by ARGV `now` — to the counters of
 * the current day and month when they were counted there (a lease of an earlier day only holds that day's
 * counter, which no longer matters) — and drops them.
 */
const RELEASE_EXPIRED = `
local function release_expired(now, dayName, monthName)
  local expired = redis.call('ZRANGEBYSCORE', KEYS[3], '-inf', now)
  if #expired == 0 then return end
  local day, month = 0, 0
  for _, member in ipairs(expired) do
    local tokens, d, m = string.match(member, '^[^|]+|(%d+)|([^|]+)|([^|]+)$')
    if d == dayName then day = day + tonumber(tokens) end
    if m == monthName then month = month + tonumber(tokens) end
  end
  if day > 0 and redis.call('EXISTS', KEYS[1]) == 1 then redis.call('DECRBY', KEYS[1], day) end
  if month > 0 and redis.call('EXISTS', KEYS[2]) == 1 then redis.call('DECRBY', KEYS[2], month) end
  redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', now)
end
local function live_tokens(now, dayName, monthName)
  local day, month = 0, 0
  for _, member in ipairs(redis.call('ZRANGEBYSCORE', KEYS[3], '(' .. now, '+inf')) do
    local tokens, d, m = string.match(member, '^[^|]+|(%d+)|([^|]+)|([^|]+)$')
    if d == dayName then day = day + tonumber(tokens) end
    if m == monthName then month = month + tonumber(tokens) end
  end
  return day, month
end
`;

/** Leases, counters and sequence keys live a day past their last use; counters keep their own period's TTL. */
const HOUSEKEEPING_TTL_MS = 86_400_000;

/**
 * KEYS: day counter, month counter, leases, seq. ARGV: tokens, day limit, month limit, now, lease member,
 * lease expiry, day name, month name[, day start, month start, day ttl ms, month ttl ms].
 * A missing counter is started from the ARGV ledger totals plus the live leases of its period when they are
 * given, otherwise the reply is {-1} and the caller reads the ledger and calls again. The month is checked
 * first, as refusingPeriod does. Reply: {1, day, month} granted (totals after), {0, day, month} refused
 * (totals before), {-1, 0, 0} missing.
 */
const RESERVE_SCRIPT = `${RELEASE_EXPIRED}
local now = tonumber(ARGV[4])
release_expired(now, ARGV[7], ARGV[8])
local day = redis.call('GET', KEYS[1])
local month = redis.call('GET', KEYS[2])
if not day or not month then
  if #ARGV < 12 then return {-1, 0, 0} end
  local liveDay, liveMonth = live_tokens(now, ARGV[7], ARGV[8])
  if not day then
    day = tonumber(ARGV[9]) + liveDay
    redis.call('SET', KEYS[1], day, 'PX', ARGV[11])
  end
  if not month then
    month = tonumber(ARGV[10]) + liveMonth
    redis.call('SET', KEYS[2], month, 'PX', ARGV[12])
  end
end
day = tonumber(day)
month = tonumber(month)
local tokens = tonumber(ARGV[1])
if month + tokens > tonumber(ARGV[3]) or day + tokens > tonumber(ARGV[2]) then return {0, day, month} end
redis.call('ZADD', KEYS[3], ARGV[6], ARGV[5])
redis.call('PEXPIRE', KEYS[3], ${HOUSEKEEPING_TTL_MS})
return {1, redis.call('INCRBY', KEYS[1], tokens), redis.call('INCRBY', KEYS[2], tokens)}
`;

/**
 * KEYS: day counter, month counter, leases, seq. ARGV: lease member, actual tokens, reserved tokens.
 * A live lease is replaced by the actual tokens; one that expired was given back already, so only the actual
 * tokens are added. Only counters that exist change: a period that has ended stays gone. Bumps the sequence.
 */
const SETTLE_SCRIPT = `
local removed = redis.call('ZREM', KEYS[3], ARGV[1])
local delta = tonumber(ARGV[2])
if removed == 1 then delta = delta - tonumber(ARGV[3]) end
if delta ~= 0 then
  if redis.call('EXISTS', KEYS[1]) == 1 then redis.call('INCRBY', KEYS[1], delta) end
  if redis.call('EXISTS', KEYS[2]) == 1 then redis.call('INCRBY', KEYS[2], delta) end
end
redis.call('INCR', KEYS[4])
redis.call('PEXPIRE', KEYS[4], ${HOUSEKEEPING_TTL_MS})
return removed
`;

/**
 * KEYS: day counter, month counter, leases, seq. ARGV: now, expected seq, day name, month name, ledger day,
 * ledger month, day ttl ms, month ttl ms. Gives back expired leases; then, when no lease is live and no
 * settlement happened since the caller read the sequence (so the ledger it read is complete), sets both
 * counters to the ledger. Reply 1 when reset, 0 when left alone.
 */
const RECONCILE_SCRIPT = `${RELEASE_EXPIRED}
local now = tonumber(ARGV[1])
release_expired(now, ARGV[3], ARGV[4])
if redis.call('ZCOUNT', KEYS[3], '(' .. now, '+inf') > 0 then return 0 end
if (redis.call('GET', KEYS[4]) or '0') ~= ARGV[2] then return 0 end
redis.call('SET', KEYS[1], ARGV[5], 'PX', ARGV[7])
redis.call('SET', KEYS[2], ARGV[6], 'PX', ARGV[8])
return 1
`;

type ScriptedRedis = Redis & {
  gusQuotaReserve(...keysThenArgs: Array<string | number>): Promise<[number, number, number]>;
  gusQuotaSettle(...keysThenArgs: Array<string | number>): Promise<number>;
  gusQuotaReconcile(...keysThenArgs: Array<string | number>): Promise<number>;
};

const OUTAGE_WARNING_EVERY_MS = 10_000;
const RETRY_AFTER_FAILURE_MS = 1000;
/** ioredis statuses after a connection was lost ('wait' and 'connecting' come first at start too: those may wait). */
const DISCONNECTED = new Set(['reconnecting', 'close', 'end']);

const memberOf = (keys: CounterKeys, lease: Lease): string => `${lease.id}|${lease.tokens}|${keys.dayName}|${keys.monthName}`;

/**
 * Counters in Redis, shared by every instance: reserving is one Lua script, so no two turns or instances
 * can both see "room for one more". While Redis does not answer, this instance counts in its own memory,
 * started afresh from the ledger, so quotas still hold per instance and no turn is refused for the outage.
 * Once Redis answers again, the counters the outage touched are rebuilt from the ledger (plus live leases):
 * they missed what was counted in memory meanwhile (and settlements Redis did not take).
 */
export class RedisQuotaCounters extends QuotaCounters {
  private readonly logger = new Logger('Quotas');
  private readonly redis: ScriptedRedis;
  /** Set during an outage. */
  private memory: InProcessQuotaCounters | null = null;
  /** Redis counters to rebuild from the ledger once Redis answers again. */
  private readonly stale = new Set<string>();
  /** Leases whose settlement Redis did not take (by leases key): dropped on recovery, their turns are in the ledger. */
  private readonly unsettled = new Map<string, string[]>();
  private recovering: Promise<boolean> | null = null;
  /** After a failed command, Redis is tried again from this time on. */
  private retryAt = 0;
  private lastWarning = 0;

  constructor(redis: Redis) {
    super();
    // EVALSHA, and EVAL once when Redis does not know the script yet (ioredis does that for us).
    redis.defineCommand('gusQuotaReserve', { numberOfKeys: 4, lua: RESERVE_SCRIPT });
    redis.defineCommand('gusQuotaSettle', { numberOfKeys: 4, lua: SETTLE_SCRIPT });
    redis.defineCommand('gusQuotaReconcile', { numberOfKeys: 4, lua: RECONCILE_SCRIPT });
    this.redis = redis as ScriptedRedis;
  }

  async reserve(keys: CounterKeys, lease: Lease, limits: PeriodTotals, ledger: LedgerStart): Promise<{ verdict: ReservationVerdict; ticket: CounterTicket }> {
    if (await this.redisAnswers()) {
      let reply = await this.runReserve(keys, lease, limits);
      if (reply?.[0] === -1) {
        const used = await ledger.used(); // a database error is the turn's, not Redis's
        reply = await this.runReserve(keys, lease, limits, used[0], used[1], ledger.ttlMs[0], ledger.ttlMs[1]);
      }
      if (reply && reply[0] !== -1) {
        const [granted, day, month] = reply;
        const verdict: ReservationVerdict =
          granted === 1 ? { granted: true, totals: [day, month] } : { granted: false, refusedBy: refusingPeriod([day, month], lease.tokens, limits)!, totals: [day, month] };
        return { verdict, ticket: { keys, lease, store: this } };
      }
    }
    this.stale.add(keys.day).add(keys.month);
    return this.enterOutage().reserve(keys, lease, limits, ledger);
  }

  /** The reserve script's reply, or null when Redis did not answer (this instance then counts in memory). */
  private async runReserve(keys: CounterKeys, lease: Lease, limits: PeriodTotals, ...start: number[]): Promise<[number, number, number] | null> {
    try {
      return await this.redis.gusQuotaReserve(
        keys.day, keys.month, keys.leases, keys.seq,
        lease.tokens, limits[0], limits[1], Date.now(), memberOf(keys, lease), lease.expiresAt, keys.dayName, keys.monthName, ...start,
      );
    } catch (error) {
      this.enterOutage(error);
      return null;
    }
  }

  async settle(ticket: CounterTicket, actualTokens: number): Promise<void> {
    // Counted in memory during an outage: settled there (a no-op once that memory is dropped and the keys rebuilt).
    if (ticket.store !== this) return ticket.store.settle(ticket, actualTokens);
    const { keys, lease } = ticket;
    if (!DISCONNECTED.has(this.redis.status)) {
      try {
        await this.redis.gusQuotaSettle(keys.day, keys.month, keys.leases, keys.seq, memberOf(keys, lease), actualTokens, lease.tokens);
        return;
      } catch (error) {
        this.enterOutage(error);
      }
    }
    this.enterOutage();
    this.stale.add(keys.day).add(keys.month);
    this.unsettled.set(keys.leases, [...(this.unsettled.get(keys.leases) ?? []), memberOf(keys, lease)]);
  }

  /** One ZADD XX per user: a lease that expired and was given back stays gone. */
  async renew(tickets: CounterTicket[], until: number): Promise<void> {
    const byKey = new Map<string, Array<string | number>>();
    for (const ticket of tickets) {
      if (ticket.store !== this) continue;
      const pairs = byKey.get(ticket.keys.leases) ?? [];
      pairs.push(until, memberOf(ticket.keys, ticket.lease));
      byKey.set(ticket.keys.leases, pairs);
    }
    if (byKey.size === 0 || DISCONNECTED.has(this.redis.status)) return;
    await Promise.all([...byKey].map(([key, pairs]) => this.redis.zadd(key, 'XX', ...pairs).catch((error: unknown) => this.warn(error))));
  }

  /**
   * Leaves an outage from the reconciler's timer too, not only from the next reservation: when the last turns
   * of a burst were counted in memory, no turn may come to bring the counters back, and while in memory the
   * reconciler leaves them alone, so a counter the outage made stale would stay so.
   */
  async recoverIfDue(): Promise<void> {
    if (this.memory) await this.redisAnswers();
  }

  async reconcile(keys: CounterKeys, ledger: () => Promise<PeriodTotals>, ttlMs: PeriodTotals): Promise<boolean> {
    if (this.memory || DISCONNECTED.has(this.redis.status)) return false;
    const seq = (await this.redis.get(keys.seq)) ?? '0';
    const used = await ledger();
    const reset = await this.redis.gusQuotaReconcile(keys.day, keys.month, keys.leases, keys.seq, Date.now(), seq, keys.dayName, keys.monthName, used[0], used[1], ttlMs[0], ttlMs[1]);
    return reset === 1;
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

  /**
   * Drops the leases whose settlement was lost and the counters the outage touched, so that the next turn
   * starts them from the ledger (plus the leases still live); then leaves memory.
   */
  private async recover(): Promise<boolean> {
    try {
      for (const [leasesKey, members] of this.unsettled) {
        await this.redis.zrem(leasesKey, ...members);
        this.unsettled.delete(leasesKey);
      }
      const keys = [...this.stale];
      for (const key of keys) await this.redis.del(key); // one key per command: each user's keys are in their own slot
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
