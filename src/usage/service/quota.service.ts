import { randomUUID } from 'node:crypto';
import { Inject, Injectable, Logger } from '@nestjs/common';
import type { Redis } from 'ioredis';
import type { Principal } from '../../../libs/auth/principal.js';
import { APP_CONFIG, type AppConfig } from '../../../libs/config/app-config.js';
import { REDIS } from '../../../libs/queue/redis.js';
import { limitOf, quotaExceeded, quotaWindows, softWarnings, type PeriodWindow, type ReservationVerdict } from '../domain/quota.js';
import { UsageRepository } from '../repository/usage.repository.js';
import { InProcessQuotaCounters, QuotaCounters, RedisQuotaCounters, type CounterKeys } from './quota-counters.js';

/** Tokens set aside for one turn before the model is called; settled with the real count after. */
export interface QuotaReservation {
  id: string;
  reserved: number;
  /** X-Quota-Warning when a soft limit is passed. */
  headers: Record<string, string>;
  warnings: string[];
  keys: CounterKeys | null;
}

export interface QuotaStatus {
  limit: number;
  used: number;
  remaining: number;
  resetsAt: string;
}

/** A counter outlives its period by a day, so a late settlement still finds it. */
const GRACE_MS = 24 * 3600 * 1000;

/**
 * Token quotas per plan, per UTC day and month. A turn reserves its estimated tokens atomically before
 * the model is called (429 QUOTA_EXCEEDED when that would pass a limit) and settles the real count after,
 * so many concurrent turns, on several instances, cannot overshoot a quota by more than one reservation.
 */
@Injectable()
export class QuotaService {
  private readonly logger = new Logger('Quotas');
  private readonly counters: QuotaCounters;
  private readonly settled = new Set<string>();

  constructor(
    private readonly usage: UsageRepository,
    @Inject(REDIS) redis: Redis | null,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    this.counters = redis ? new RedisQuotaCounters(redis) : new InProcessQuotaCounters();
  }

  async reserve(principal: Principal, estimate: number, now = new Date()): Promise<QuotaReservation> {
    const quotas = principal.plan.quotas;
    if (!quotas) return { id: randomUUID(), reserved: 0, headers: {}, warnings: [], keys: null };
    const windows = quotaWindows(now);
    const keys = this.keysFor(principal.userId, windows);
    const limits: [number, number] = [limitOf(quotas, 'day'), limitOf(quotas, 'month')];
    let verdict: ReservationVerdict | null = await this.counters.reserve(keys, estimate, limits);
    if (verdict === null) {
      await this.initFromLedger(principal.userId, windows, keys, now);
      verdict = (await this.counters.reserve(keys, estimate, limits))!;
    }
    if (!verdict.granted) throw quotaExceeded(quotas, verdict.refusedBy, verdict.refusedBy === 'day' ? windows[0] : windows[1], now);
    const warnings = softWarnings(quotas, verdict.totals);
    return { id: randomUUID(), reserved: estimate, headers: warnings.length ? { 'X-Quota-Warning': warnings.join('; ') } : {}, warnings, keys };
  }

  /** Replaces the estimate with the real count; once per reservation; never throws. */
  async settle(reservation: QuotaReservation, actualTokens: number): Promise<void> {
    if (!reservation.keys || this.settled.has(reservation.id)) return;
    this.settled.add(reservation.id);
    setTimeout(() => this.settled.delete(reservation.id), 60_000).unref();
    await this.counters
      .adjust(reservation.keys, actualTokens - reservation.reserved)
      .catch((error: unknown) => this.logger.warn({ msg: 'could not settle a token reservation', error: String(error) }));
  }

  /** What the caller's plan allows and what the ledger says is used, per period. */
  async status(principal: Principal, now = new Date()): Promise<{ day: QuotaStatus; month: QuotaStatus } | null> {
    const quotas = principal.plan.quotas;
    if (!quotas) return null;
    const [day, month] = quotaWindows(now);
    const [usedDay, usedMonth] = await Promise.all([this.usage.tokensSince(principal.userId, day.start), this.usage.tokensSince(principal.userId, month.start)]);
    const status = (window: PeriodWindow, used: number): QuotaStatus => {
      const limit = limitOf(quotas, window.period);
      return { limit, used, remaining: Math.max(0, limit - used), resetsAt: window.resetsAt.toISOString() };
    };
    return { day: status(day, usedDay), month: status(month, usedMonth) };
  }

  private keysFor(userId: string, [day, month]: [PeriodWindow, PeriodWindow]): CounterKeys {
    // The braces keep one user's counters in one Redis Cluster slot, as a two-key script needs.
    const base = `${this.config.redisPrefix}:quota:{${userId}}`;
    return { day: `${base}:${day.key}`, month: `${base}:${month.key}` };
  }

  private async initFromLedger(userId: string, windows: [PeriodWindow, PeriodWindow], keys: CounterKeys, now: Date): Promise<void> {
    const [day, month] = windows;
    const [usedDay, usedMonth] = await Promise.all([this.usage.tokensSince(userId, day.start), this.usage.tokensSince(userId, month.start)]);
    await this.counters.init(keys.day, usedDay, day.resetsAt.getTime() - now.getTime() + GRACE_MS);
    await this.counters.init(keys.month, usedMonth, month.resetsAt.getTime() - now.getTime() + GRACE_MS);
  }
}
