import {
  countHit,
  planWindows,
  rateLimitStatus,
  retryAfterSeconds,
  softLimitWarnings,
  tightestWindow,
  type RateWindow,
  type WindowUsage,
} from '../../../src/usage/domain/rate-limit.js';

const minute: RateWindow = { name: 'minute', limit: 5, ttlMs: 60_000 };
const hour: RateWindow = { name: 'hour', limit: 100, ttlMs: 3_600_000 };
const day: RateWindow = { name: 'day', limit: 1000, ttlMs: 86_400_000 };
const usage = (window: RateWindow, hits: number, resetMs: number): WindowUsage => ({ window, hits, resetMs });

describe('rate limit windows', () => {
  it('turns a plan into a minute, an hour and a day window', () => {
    expect(planWindows({ perMinute: 60, perHour: 1000, perDay: 10_000 })).toEqual([
      { name: 'minute', limit: 60, ttlMs: 60_000 },
      { name: 'hour', limit: 1000, ttlMs: 3_600_000 },
      { name: 'day', limit: 10_000, ttlMs: 86_400_000 },
    ]);
  });

  it('counts a request in every window when each has room, opening fresh windows at full length', () => {
    const verdict = countHit([minute, hour, day], [{ hits: 4, resetMs: 10_000 }, { hits: 0, resetMs: 0 }, { hits: 9, resetMs: 500_000 }]);
    expect(verdict).toEqual({
      allowed: true,
      windows: [usage(minute, 5, 10_000), usage(hour, 1, 3_600_000), usage(day, 10, 500_000)],
    });
  });

  it('counts a refused request in no window', () => {
    const verdict = countHit([minute, hour, day], [{ hits: 2, resetMs: 10_000 }, { hits: 100, resetMs: 900_000 }, { hits: 0, resetMs: 0 }]);
    expect(verdict.allowed).toBe(false);
    expect(verdict.windows.map((w) => w.hits)).toEqual([2, 100, 0]);
    expect(verdict.windows[2].resetMs).toBe(86_400_000);
  });

  it('refuses once a counter went past a limit that was lowered since', () => {
    expect(countHit([minute], [{ hits: 9, resetMs: 1000 }]).allowed).toBe(false);
  });
});

describe('the window the headers report', () => {
  it('is the one with the fewest requests left', () => {
    const tightest = tightestWindow([usage(minute, 1, 59_000), usage(hour, 98, 3_000_000), usage(day, 500, 80_000_000)]);
    expect(tightest.window.name).toBe('hour');
  });

  it('on a tie, is the one that resets last, since it binds longer', () => {
    const equal = { name: 'minute', limit: 3, ttlMs: 60_000 };
    const equalHour = { name: 'hour', limit: 3, ttlMs: 3_600_000 };
    expect(tightestWindow([usage(equal, 3, 20_000), usage(equalHour, 3, 3_500_000)]).window.name).toBe('hour');
    expect(() => tightestWindow([])).toThrow('a rate limit needs at least one window');
    expect(tightestWindow([usage(equalHour, 3, 3_500_000), usage(equal, 3, 20_000)]).window.name).toBe('hour');
  });

  it('reports limit, remaining (never below 0) and whole seconds until the reset, rounded up', () => {
    expect(rateLimitStatus({ allowed: true, windows: [usage(minute, 2, 12_001), usage(hour, 2, 3_599_000)] })).toEqual({
      window: 'minute',
      limit: 5,
      remaining: 3,
      resetSeconds: 13,
    });
    expect(rateLimitStatus({ allowed: false, windows: [usage(minute, 7, 1)] })).toMatchObject({ remaining: 0, resetSeconds: 1 });
  });
});

describe('Retry-After', () => {
  it('waits for the full window that resets last: the request is refused until every full window has room', () => {
    const full = countHit([minute, { ...hour, limit: 5 }], [{ hits: 5, resetMs: 30_000 }, { hits: 5, resetMs: 1_800_000 }]);
    expect(full.allowed).toBe(false);
    expect(retryAfterSeconds(full)).toBe(1800);
    expect(rateLimitStatus(full).resetSeconds).toBe(1800);
  });

  it('is at least one second', () => {
    expect(retryAfterSeconds({ allowed: false, windows: [usage(minute, 5, 0)] })).toBe(1);
  });
});

describe('soft rate limits', () => {
  const tenAMinute: RateWindow = { name: 'minute', limit: 10, ttlMs: 60_000 };
  const verdict = (hits: number[], allowed = true) => ({ allowed, windows: [tenAMinute, hour].map((window, i) => ({ window, hits: hits[i]!, resetMs: 30_500 })) });

  it('warns for each window at or past the ratio, counting this request', () => {
    expect(softLimitWarnings(verdict([7, 7]))).toEqual([]);
    expect(softLimitWarnings(verdict([8, 7]))).toEqual(['8 of 10 requests per minute used; the window resets in 31 s']);
    expect(softLimitWarnings(verdict([8, 80]))).toHaveLength(2);
    expect(softLimitWarnings(verdict([5, 7]), 0.5)).toEqual(['5 of 10 requests per minute used; the window resets in 31 s']);
    expect(softLimitWarnings(verdict([10, 7]), 1)).toEqual(['10 of 10 requests per minute used; the window resets in 31 s']);
  });

  it('says nothing on a refusal (the 429 says it)', () => {
    expect(softLimitWarnings(verdict([10, 100], false))).toEqual([]);
  });
});
