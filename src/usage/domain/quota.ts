import type { TokenQuotas } from '../../../libs/auth/principal.js';
import { DomainError } from '../../../libs/errors/domain-error.js';

export type QuotaPeriod = 'day' | 'month';

export const DEFAULT_SOFT_LIMIT_RATIO = 0.8;

export interface PeriodWindow {
  period: QuotaPeriod;
  /** Identifies the period: 2026-11-24 or 2026-11. */
  key: string;
  start: Date;
  resetsAt: Date;
}

/** Tokens counted against the day and the month, in that order. */
export type PeriodTotals = [day: number, month: number];

/** The UTC day and month `at` falls in. */
export function quotaWindows(at: Date): [PeriodWindow, PeriodWindow] {
  const y = at.getUTCFullYear();
  const m = at.getUTCMonth();
  const d = at.getUTCDate();
  const dayStart = new Date(Date.UTC(y, m, d));
  const monthStart = new Date(Date.UTC(y, m, 1));
  return [
    { period: 'day', key: dayStart.toISOString().slice(0, 10), start: dayStart, resetsAt: new Date(Date.UTC(y, m, d + 1)) },
    { period: 'month', key: monthStart.toISOString().slice(0, 7), start: monthStart, resetsAt: new Date(Date.UTC(y, m + 1, 1)) },
  ];
}

export const limitOf = (quotas: TokenQuotas, period: QuotaPeriod): number => (period === 'day' ? quotas.tokensPerDay : quotas.tokensPerMonth);

export const quotaLimits = (quotas: TokenQuotas): PeriodTotals => [quotas.tokensPerDay, quotas.tokensPerMonth];

/**
 * The period that refuses `tokens` more on top of `used` (reservations included), or null when both have
 * room. The month is named first: it resets last, so its Retry-After is the one that is worth waiting for.
 * The Redis script (service/quota-counters.ts) takes the same decision inside Redis.
 */
export function refusingPeriod(used: PeriodTotals, tokens: number, limits: PeriodTotals): QuotaPeriod | null {
  if (used[1] + tokens > limits[1]) return 'month';
  if (used[0] + tokens > limits[0]) return 'day';
  return null;
}

/** What the counters said when a reservation was tried: the totals after it, or which period refused it (totals before). */
export type ReservationVerdict = { granted: true; totals: PeriodTotals } | { granted: false; refusedBy: QuotaPeriod; totals: PeriodTotals };

/** Reserves `tokens` on both periods or on neither. */
export function decideReservation(used: PeriodTotals, tokens: number, limits: PeriodTotals): ReservationVerdict {
  const refusedBy = refusingPeriod(used, tokens, limits);
  if (refusedBy) return { granted: false, refusedBy, totals: used };
  return { granted: true, totals: [used[0] + tokens, used[1] + tokens] };
}

const periodName = (period: QuotaPeriod): string => (period === 'day' ? 'daily' : 'monthly');

/** Whole seconds until the window resets (at least 1), for Retry-After. */
export const secondsUntilReset = (window: PeriodWindow, now: Date): number => Math.max(1, Math.ceil((window.resetsAt.getTime() - now.getTime()) / 1000));

/** 429 QUOTA_EXCEEDED naming the period, its limit and what is left, with Retry-After until that period resets. */
export function quotaExceeded(quotas: TokenQuotas, verdict: { refusedBy: QuotaPeriod; totals: PeriodTotals }, requested: number, window: PeriodWindow, now: Date): DomainError {
  const period = verdict.refusedBy;
  const limit = limitOf(quotas, period);
  const left = Math.max(0, limit - verdict.totals[period === 'day' ? 0 : 1]);
  const why = left === 0 ? 'is used up' : `has ${left} tokens left, fewer than this turn may use (${requested})`;
  return new DomainError('QUOTA_EXCEEDED', `the ${periodName(period)} token quota of ${limit} ${why}; it resets at ${window.resetsAt.toISOString()}`, {
    'Retry-After': String(secondsUntilReset(window, now)),
  });
}

/** Warnings for each period whose total (reservations included) reached the soft limit. */
export function softWarnings(quotas: TokenQuotas, totals: PeriodTotals): string[] {
  const ratio = quotas.softLimitRatio ?? DEFAULT_SOFT_LIMIT_RATIO;
  const warnings: string[] = [];
  (['day', 'month'] as const).forEach((period, i) => {
    const limit = limitOf(quotas, period);
    if (totals[i]! >= ratio * limit) warnings.push(`${Math.min(100, Math.floor((100 * totals[i]!) / limit))}% of the ${periodName(period)} token quota (${limit}) is used`);
  });
  return warnings;
}
