import { randomUUID } from 'node:crypto';
import { Inject, Injectable, Logger } from '@nestjs/common';
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
/** A reservation not settled within this (or twice the model-call ceiling) was lost by its caller: it is given back. */
const ABANDONED_AFTER_MS = 3600 * 1000;

interface Pending {
  ticket: CounterTicket;
  reserved: number;
  at: number;
}

/**
 * Token quotas per plan, per UTC day and month. A turn reserves its estimated tokens atomically before
 * the model is called (429 QUOTA_EXCEEDED when that would pass a limit) and settles the real count after,
 * so however many turns race, on however many instances, a quota is passed by at most one reservation.
 */
@Injectable()
export class QuotaService {
  private readonly logger = new Logger('Quotas');
  private readonly counters: QuotaCounters;
  /** Reservations not settled yet, oldest first. */
  private readonly pending = new Map<string, Pending>();
  private readonly abandonedAfterMs: number;

  constructor(
    private readonly usage: UsageRepository,
    @Inject(REDIS) redis: Redis | null,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    this.counters = redis ? new RedisQuotaCounters(redis) : new InProcessQuotaCounters();
    this.abandonedAfterMs = Math.max(ABANDONED_AFTER_MS, 2 * config.llmTimeoutMs);
  }

  async reserve(principal: Principal, estimate: number, now = new Date()): Promise<QuotaReservation> {
    const id = randomUUID();
    const quotas = principal.plan.quotas;
    if (!quotas) return { id, reserved: 0, warnings: [], headers: {} };
    const tokens = wholeTokens(estimate);
    const windows = quotaWindows(now);
    const ledger: LedgerStart = {
      used: () => this.ledgerTotals(principal.userId, windows),
      ttlMs: [windows[0].resetsAt.getTime() - now.getTime() + GRACE_MS, windows[1].resetsAt.getTime() - now.getTime() + GRACE_MS],
    };
    const { verdict, ticket } = await this.counters.reserve(this.keysFor(principal.userId, windows), tokens, quotaLimits(quotas), ledger);
    if (!verdict.granted) throw quotaExceeded(quotas, verdict, tokens, verdict.refusedBy === 'day' ? windows[0] : windows[1], now);
    this.giveBackAbandoned();
    this.pending.set(id, { ticket, reserved: tokens, at: Date.now() });
    const warnings = softWarnings(quotas, verdict.totals);
    return { id, reserved: tokens, warnings, headers: warnings.length ? { 'X-Quota-Warning': warnings.join('; ') } : {} };
  }

  /** Replaces the reservation with the real count; once per reservation (later calls do nothing); never throws. */
  async settle(reservation: QuotaReservation, actualTokens: number): Promise<void> {
    try {
      const pending = this.pending.get(reservation.id);
      if (!pending) return;
      this.pending.delete(reservation.id);
      await this.counters.settle(pending.ticket, wholeTokens(actualTokens) - pending.reserved);
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

  private keysFor(userId: string, [day, month]: [PeriodWindow, PeriodWindow]): CounterKeys {
    // The braces keep one user's counters in one Redis Cluster slot, as a two-key script needs.
    const base = `${this.config.redisPrefix}:quota:{${userId}}`;
    return { day: `${base}:${day.key}`, month: `${base}:${month.key}` };
  }

  /** Every token of the period in the ledger (usage_events), billed or not yet. */
  private async ledgerTotals(userId: string, [day, month]: [PeriodWindow, PeriodWindow]): Promise<PeriodTotals> {
    const [usedDay, usedMonth] = await Promise.all([this.usage.tokensSince(userId, day.start), this.usage.tokensSince(userId, month.start)]);
    return [usedDay, usedMonth];
  }

  /** A caller that never settled (a bug, not a turn: the model call has a deadline) would hold its tokens for the period. */
  private giveBackAbandoned(): void {
    const cutoff = Date.now() - this.abandonedAfterMs;
    for (const [id, pending] of this.pending) {
      if (pending.at > cutoff) break;
      this.pending.delete(id);
      this.logger.warn({ msg: 'a token reservation was never settled: giving it back', reservationId: id, reserved: pending.reserved });
      void this.counters.settle(pending.ticket, -pending.reserved).catch(() => undefined);
    }
  }
}

const wholeTokens = (n: number): number => (Number.isFinite(n) && n > 0 ? Math.ceil(n) : 0);
