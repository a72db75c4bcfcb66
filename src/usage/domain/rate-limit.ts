/**
 * Request rate limits: fixed windows, each counted from the first request that opens it.
 * One request counts in every window of its caller or in none (a refused request uses up nothing),
 * so hammering during a minute's block never eats into the hour or the day.
 */
import type { RateLimits } from '../../../libs/auth/principal.js';

/** At most `limit` requests in `ttlMs`. `name` tells the windows of one caller apart (minute, hour, day). */
export interface RateWindow {
  name: string;
  limit: number;
  ttlMs: number;
}

/** A window's counter as storage holds it; an absent or expired counter is zero hits. */
export interface WindowCounter {
  hits: number;
  /** Until the counter expires; meaningless when hits is 0. */
  resetMs: number;
}

export interface WindowUsage extends WindowCounter {
  window: RateWindow;
}

export interface RateVerdict {
  allowed: boolean;
  /** Every window after the decision, in the order asked. */
  windows: WindowUsage[];
}

/** What the X-RateLimit-* headers report: the window closest to being exhausted. */
export interface RateLimitStatus {
  window: string;
  limit: number;
  remaining: number;
  resetSeconds: number;
}

const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;
const DAY_MS = 24 * HOUR_MS;

/** Past this fraction of a window a request is still served, with a warning. */
export const DEFAULT_RATE_SOFT_LIMIT_RATIO = 0.8;

export function planWindows(limits: RateLimits): RateWindow[] {
  return [
    { name: 'minute', limit: limits.perMinute, ttlMs: MINUTE_MS },
    { name: 'hour', limit: limits.perHour, ttlMs: HOUR_MS },
    { name: 'day', limit: limits.perDay, ttlMs: DAY_MS },
  ];
}

/**
 * Counts one request: allowed only when every window has room, and then counted in all of them.
 * The Redis storage runs the same rule inside one Lua script; this is its reference.
 */
export function countHit(windows: RateWindow[], counters: WindowCounter[]): RateVerdict {
  const allowed = windows.every((window, i) => counters[i].hits < window.limit);
  return {
    allowed,
    windows: windows.map((window, i) => {
      const { hits, resetMs } = counters[i];
      const opensNow = hits === 0;
      return { window, hits: allowed ? hits + 1 : hits, resetMs: opensNow ? window.ttlMs : resetMs };
    }),
  };
}

/** Fewest requests left wins; on a tie the window that resets last, because it binds for longer. */
export function tightestWindow(windows: WindowUsage[]): WindowUsage {
  if (windows.length === 0) throw new Error('a rate limit needs at least one window');
  return windows.reduce((tightest, candidate) => {
    const left = remaining(candidate) - remaining(tightest);
    if (left < 0 || (left === 0 && candidate.resetMs > tightest.resetMs)) return candidate;
    return tightest;
  });
}

export function rateLimitStatus(verdict: RateVerdict): RateLimitStatus {
  const tightest = tightestWindow(verdict.windows);
  return { window: tightest.window.name, limit: tightest.window.limit, remaining: remaining(tightest), resetSeconds: toSeconds(tightest.resetMs) };
}

/**
 * When a refused request may try again: once every full window has reset. On a refusal the tightest
 * window is the full one that resets last, so this is its reset (never 0: the client must wait).
 */
export function retryAfterSeconds(verdict: RateVerdict): number {
  return Math.max(1, rateLimitStatus(verdict).resetSeconds);
}

/**
 * The soft limit: one warning per window whose count, this request included, reached `ratio` of its limit
 * (a window of 20 at 0.8 warns from the 16th request on). Only for an allowed request: a refusal says more.
 */
export function softLimitWarnings(verdict: RateVerdict, ratio = DEFAULT_RATE_SOFT_LIMIT_RATIO): string[] {
  if (!verdict.allowed) return [];
  const warnings: string[] = [];
  for (const { window, hits, resetMs } of verdict.windows) {
    if (hits >= Math.ceil(ratio * window.limit)) {
      warnings.push(`${hits} of ${window.limit} requests per ${window.name} used; the window resets in ${toSeconds(resetMs)} s`);
    }
  }
  return warnings;
}

function remaining(usage: WindowUsage): number {
  return Math.max(0, usage.window.limit - usage.hits);
}

function toSeconds(ms: number): number {
  return Math.ceil(Math.max(0, ms) / 1000);
}
