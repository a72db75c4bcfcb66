import type { TokenQuotas } from '../../../libs/auth/principal.js';
import { DomainError } from '../../../libs/errors/domain-error.js';

export type QuotaPeriod = 'day' | 'month';

export interface PeriodWindow {
  period: QuotaPeriod;
  /** Identifies the period: 2026-11-24 or 2026-11. */
  key: string;
  start: Date;
  resetsAt: Date;
}

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

/** What the counters said when a reservation was tried: the totals after it, or which period refused it. */
export type ReservationVerdict = { granted: true; totals: [number, number] } | { granted: false; refusedBy: QuotaPeriod; totals: [number, number] };

/** 429 QUOTA_EXCEEDED naming the period and limit, with Retry-After until that period resets. */
export function quotaExceeded(quotas: TokenQuotas, period: QuotaPeriod, window: PeriodWindow, now: Date): DomainError {
  const retryAfter = Math.max(1, Math.ceil((window.resetsAt.getTime() - now.getTime()) / 1000));
  return new DomainError(
    'QUOTA_EXCEEDED',
    `the ${period === 'day' ? 'daily' : 'monthly'} token quota of ${limitOf(quotas, period)} is used up; it resets at ${window.resetsAt.toISOString()}`,
    { 'Retry-After': String(retryAfter) },
  );
}

/** Warnings for each period whose total passed the soft limit. */
export function softWarnings(quotas: TokenQuotas, totals: [number, number]): string[] {
  const ratio = quotas.softLimitRatio ?? 0.8;
  const warnings: string[] = [];
  (['day', 'month'] as const).forEach((period, i) => {
    const limit = limitOf(quotas, period);
    if (totals[i]! >= ratio * limit) warnings.push(`${Math.min(100, Math.floor((100 * totals[i]!) / limit))}% of the ${period === 'day' ? 'daily' : 'monthly'} token quota (${limit}) is used`);
  });
  return warnings;
}
