import { MAX_ANALYTICS_DAYS, MAX_COMMENT_CHARS, MAX_REASON_CHARS, RATINGS, analyticsRange, ratio } from '../../../src/conversation/domain/feedback.js';

describe('feedback', () => {
  it('rates an answer up or down, with a reason of up to 100 and a comment of up to 2,000 characters', () => {
    expect(RATINGS).toEqual(['up', 'down']);
    expect(MAX_REASON_CHARS).toBe(100);
    expect(MAX_COMMENT_CHARS).toBe(2_000);
  });
});

describe('analyticsRange', () => {
  const now = new Date('2026-11-24T23:59:59.999Z');

  it('covers at most 366 days', () => {
    expect(MAX_ANALYTICS_DAYS).toBe(366);
  });

  it('defaults to the 30 UTC days up to and including today', () => {
    expect(analyticsRange({}, now)).toEqual({ from: '2026-10-26', to: '2026-11-24', days: 30 });
  });

  it('counts back 29 days from a given last day when no first day is given', () => {
    expect(analyticsRange({ to: '2026-03-01' }, now)).toEqual({ from: '2026-01-31', to: '2026-03-01', days: 30 });
  });

  it('runs up to today when only the first day is given', () => {
    expect(analyticsRange({ from: '2026-11-01' }, now)).toEqual({ from: '2026-11-01', to: '2026-11-24', days: 24 });
  });

  it('takes the days of timestamps and counts both ends', () => {
    expect(analyticsRange({ from: '2026-11-24T18:00:00Z', to: '2026-11-24T06:00:00Z' }, now)).toEqual({ from: '2026-11-24', to: '2026-11-24', days: 1 });
    expect(analyticsRange({ from: '2025-11-24', to: '2026-11-24' }, now)).toEqual({ from: '2025-11-24', to: '2026-11-24', days: 366 });
  });

  it('leaves a first day after the last one to the caller, as no days or fewer', () => {
    expect(analyticsRange({ from: '2026-11-25', to: '2026-11-24' }, now)).toEqual({ from: '2026-11-25', to: '2026-11-24', days: 0 });
    expect(analyticsRange({ from: '2026-11-30', to: '2026-11-24' }, now)).toEqual({ from: '2026-11-30', to: '2026-11-24', days: -5 });
  });
});

describe('ratio', () => {
  it('is the part of the whole rounded to four decimals, and 0 of nothing', () => {
    expect(ratio(1, 3)).toBe(0.3333);
    expect(ratio(2, 3)).toBe(0.6667);
    expect(ratio(3, 3)).toBe(1);
    expect(ratio(0, 5)).toBe(0);
    expect(ratio(1, 0)).toBe(0);
    expect(ratio(1, -2)).toBe(0);
    expect(ratio(1, 20_000)).toBe(0.0001);
  });
});
