import { randomUUID } from 'node:crypto';
import { Inject, Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import type { Redis } from 'ioredis';
import type { Principal } from '../../../libs/auth/principal.js';
import { APP_CONFIG, type AppConfig } from '../../../libs/config/app-config.js';
import { REDIS } from '../../../libs/queue/redis.js';
import { limitOf, quotaExceeded, quotaLimits, quotaWindows, softWarnings, type PeriodTotals, type PeriodWindow } from '../domain/quota.js';
import { UsageRepository } from '../repository/usage.repository.js';
import { InProcessQuotaCounters, QuotaCounters, RedisQuotaCounters, type CounterKeys, type CounterTicket, type LedgerStart } from './quota-counters.js';

/** Tokens set aside for one turn before the model is called; settle it with the real count after. */
export interface QuotaReservation {
  id: string;
  /** Tokens counted against the quotas until the turn settles (0 on a plan without quotas). */
  reserved: number;
  /** One entry per period past its soft limit, for the response's `warnings`. */
  warnings: string[];
  /** Response headers: X-Quota-Warning when a soft limit is passed. */
  headers: Record<string, string>;
}

export interface QuotaStatus {
  limit: number;
  used: number;
  remaining: number;
  resetsAt: string;
}

/** A counter outlives its period by a day, so that a turn that began before midnight still settles on it. */
const GRACE_MS = 24 * 3600 * 1000;
/** Users active in the last RECONCILE_LOOKBACK_MS are reconciled (GUS_QUOTA_RECONCILE_MS, GUS_QUOTA_LEASE_MS set the pace). */
const RECONCILE_LOOKBACK_MS = 10 * 60_000;
const RECONCILE_BATCH = 500;
/** A user is added to the shared set of active users at most this often per instance. */
const ACTIVE_MARK_EVERY_MS = 10_000;

interface Pending {
  ticket: CounterTicket;
  at: number;
}

/**
 * Token quotas per plan, per UTC day and month. A turn reserves its estimate atomically before the model is
 * called (429 QUOTA_EXCEEDED when that would pass a limit) and settles the real count after; the answer is
 * capped at what was reserved for it, so however many turns race, on however many instances, a hard limit is
 * never passed. A reservation is a lease (GUS_QUOTA_LEASE_MS, 30 s): renewed every third of that while its turn
 * runs, given back by itself when its process died. The counters reconcile with the ledger (usage_events, plus
 * live leases) every GUS_QUOTA_RECONCILE_MS (20 s), so what a fault left behind (a crash, a Redis outage, a
 * settlement that never arrived) is gone within a minute.
 */
@Injectable()
export class QuotaService implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('Quotas');
  private readonly counters: QuotaCounters;
  /** Reservations not settled yet, oldest first: renewed until settled, or until abandonedAfterMs. */
  private readonly pending = new Map<string, Pending>();
  private readonly abandonedAfterMs: number;
  private readonly markedActive = new Map<string, number>();
  private timers: NodeJS.Timeout[] = [];
  private reconciling: Promise<void> | null = null;

  constructor(
    private readonly usage: UsageRepository,
    @Inject(REDIS) private readonly redis: Redis | null,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    this.counters = redis ? new RedisQuotaCounters(redis) : new InProcessQuotaCounters();
    // A turn's model call has a ceiling (GUS_LLM_TIMEOUT_MS); a reservation held far past it was lost by a bug.
    this.abandonedAfterMs = Math.max(10 * 60_000, 2 * config.llmTimeoutMs);
  }

  onModuleInit(): void {
    this.timers = [
      setInterval(() => void this.renewLeases(), Math.max(100, Math.floor(this.config.quotaLeaseMs / 3))),
      setInterval(() => this.reconcileSoon(), this.config.quotaReconcileMs),
    ];
    for (const timer of this.timers) timer.unref();
  }

  onApplicationShutdown(): void {
    for (const timer of this.timers) clearInterval(timer);
  }

  async reserve(principal: Principal, estimate: number, now = new Date()): Promise<QuotaReservation> {
    const id = randomUUID();
    const quotas = principal.plan.quotas;
    if (!quotas) return { id, reserved: 0, warnings: [], headers: {} };
    const tokens = wholeTokens(estimate);
    const windows = quotaWindows(now);
    let started = false;
    const ledger: LedgerStart = {
      used: () => {
        started = true;
        return this.ledgerTotals(principal.userId, windows);
      },
      ttlMs: this.ttlOf(windows, now),
    };
    const lease = { id, tokens, expiresAt: now.getTime() + this.config.quotaLeaseMs };
    const { verdict, ticket } = await this.counters.reserve(this.keysFor(principal.userId, windows), lease, quotaLimits(quotas), ledger);
    if (!verdict.granted) throw quotaExceeded(quotas, verdict, tokens, verdict.refusedBy === 'day' ? windows[0] : windows[1], now);
    this.pending.set(id, { ticket, at: Date.now() });
    this.markActive(principal.userId, started);
    const warnings = softWarnings(quotas, verdict.totals);
    return { id, reserved: tokens, warnings, headers: warnings.length ? { 'X-Quota-Warning': warnings.join('; ') } : {} };
  }

  /** Replaces the reservation with the real count; once per reservation (later calls do nothing); never throws. */
  async settle(reservation: QuotaReservation, actualTokens: number): Promise<void> {
    try {
      const pending = this.pending.get(reservation.id);
      if (!pending) return;
      this.pending.delete(reservation.id);
      await this.counters.settle(pending.ticket, wholeTokens(actualTokens));
    } catch (error) {
      this.logger.warn({ msg: 'could not settle a token reservation', reservationId: reservation?.id, error: String(error) });
    }
  }

  /** What the caller's plan allows and what the ledger says is used, per period (null: the plan has no quotas). */
  async status(principal: Principal, now = new Date()): Promise<{ day: QuotaStatus; month: QuotaStatus } | null> {
    const quotas = principal.plan.quotas;
    if (!quotas) return null;
    const windows = quotaWindows(now);
    const used = await this.ledgerTotals(principal.userId, windows);
    const status = (window: PeriodWindow, used: number): QuotaStatus => {
      const limit = limitOf(quotas, window.period);
      return { limit, used, remaining: Math.max(0, limit - used), resetsAt: window.resetsAt.toISOString() };
    };
    return { day: status(windows[0], used[0]), month: status(windows[1], used[1]) };
  }

  /**
   * Resets the counters of recently active users to the ledger where nothing is in flight (see
   * QuotaCounters.reconcile); returns how many were reset. One instance at a time does it (a lock in Redis).
   */
  async reconcile(now = new Date()): Promise<number> {
    await this.counters.recoverIfDue();
    return this.reconcileActiveUsers(now);
  }

  private async reconcileActiveUsers(now: Date): Promise<number> {
    const users = await this.recentlyActiveUsers(now);
    const windows = quotaWindows(now);
    const ttlMs = this.ttlOf(windows, now);
    let reset = 0;
    for (const userId of users) {
      const done = await this.counters.reconcile(this.keysFor(userId, windows), () => this.ledgerTotals(userId, windows), ttlMs).catch((error: unknown) => {
        this.logger.warn({ msg: 'could not reconcile token quotas', userId, error: String(error) });
        return false;
      });
      if (done) reset++;
    }
    return reset;
  }

  private keysFor(userId: string, [day, month]: [PeriodWindow, PeriodWindow]): CounterKeys {
    // The braces keep one user's keys in one Redis Cluster slot, as a multi-key script needs.
    const base = `${this.config.redisPrefix}:quota:{${userId}}`;
    return { day: `${base}:${day.key}`, month: `${base}:${month.key}`, leases: `${base}:leases`, seq: `${base}:seq`, dayName: day.key, monthName: month.key };
  }

  private ttlOf([day, month]: [PeriodWindow, PeriodWindow], now: Date): PeriodTotals {
    return [day.resetsAt.getTime() - now.getTime() + GRACE_MS, month.resetsAt.getTime() - now.getTime() + GRACE_MS];
  }

  /** Every token of the period in the ledger (usage_events), billed or not yet. */
  private async ledgerTotals(userId: string, [day, month]: [PeriodWindow, PeriodWindow]): Promise<PeriodTotals> {
    const [usedDay, usedMonth] = await Promise.all([this.usage.tokensSince(userId, day.start), this.usage.tokensSince(userId, month.start)]);
    return [usedDay, usedMonth];
  }

  /** Keeps this instance's live leases; gives up on one held far too long (its caller was lost to a bug). */
  private async renewLeases(): Promise<void> {
    const cutoff = Date.now() - this.abandonedAfterMs;
    const live: CounterTicket[] = [];
    for (const [id, pending] of this.pending) {
      if (pending.at > cutoff) live.push(pending.ticket);
      else {
        this.pending.delete(id);
        this.logger.warn({ msg: 'a token reservation was never settled: letting its lease expire', reservationId: id, reserved: pending.ticket.lease.tokens });
      }
    }
    await this.counters.renew(live, Date.now() + this.config.quotaLeaseMs).catch((error: unknown) => this.logger.warn({ msg: 'could not renew token leases', error: String(error) }));
  }

  private reconcileSoon(): void {
    this.reconciling ??= this.reconcileIfLeader()
      .catch((error: unknown) => this.logger.warn({ msg: 'quota reconciliation failed; will retry', error: String(error) }))
      .finally(() => (this.reconciling = null));
  }

  private async reconcileIfLeader(): Promise<void> {
    // Every instance, leader or not, leaves its own outage here once Redis answers again.
    await this.counters.recoverIfDue();
    if (this.redis) {
      const lock = await this.redis.set(`${this.config.redisPrefix}:quota-reconciler`, randomUUID(), 'PX', Math.max(50, this.config.quotaReconcileMs - 100), 'NX');
      if (lock !== 'OK') return;
    }
    await this.reconcileActiveUsers(new Date());
  }

  /** Users who reserved lately, on any instance (a shared set in Redis), or on this one (embedded). */
  private async recentlyActiveUsers(now: Date): Promise<string[]> {
    const since = now.getTime() - RECONCILE_LOOKBACK_MS;
    if (!this.redis) return [...this.markedActive].filter(([, at]) => at >= since).map(([userId]) => userId);
    const key = `${this.config.redisPrefix}:quota-active`;
    await this.redis.zremrangebyscore(key, '-inf', since);
    return this.redis.zrangebyscore(key, since, '+inf', 'LIMIT', 0, RECONCILE_BATCH);
  }

  /**
   * `counterStarted`: this reservation started the user's counters from the ledger, perhaps in a Redis that lost
   * its data and with it the set of active users, so the user is added again at once: a counter the outage left
   * drifting (turns counted in memory meanwhile) is one the reconciler must see.
   */
  private markActive(userId: string, counterStarted: boolean): void {
    const now = Date.now();
    if (!counterStarted && now - (this.markedActive.get(userId) ?? 0) < ACTIVE_MARK_EVERY_MS) return;
    if (this.markedActive.size > 100_000) this.markedActive.clear();
    this.markedActive.set(userId, now);
    this.redis?.zadd(`${this.config.redisPrefix}:quota-active`, now, userId).catch(() => undefined);
  }
}

const wholeTokens = (n: number): number => (Number.isFinite(n) && n > 0 ? Math.ceil(n) : 0);
