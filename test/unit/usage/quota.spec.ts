import { quotaExceeded, quotaWindows, softWarnings } from '../../../src/usage/domain/quota.js';
import { InProcessQuotaCounters } from '../../../src/usage/service/quota-counters.js';

const quotas = { tokensPerDay: 1000, tokensPerMonth: 5000 };

describe('token quota rules', () => {
  it('uses UTC days and months, resetting at the next boundary', () => {
    const [day, month] = quotaWindows(new Date('2026-12-31T23:30:00Z'));
    expect(day).toMatchObject({ key: '2026-12-31', resetsAt: new Date('2027-01-01T00:00:00Z') });
    expect(month).toMatchObject({ key: '2026-12', start: new Date('2026-12-01T00:00:00Z'), resetsAt: new Date('2027-01-01T00:00:00Z') });
  });

  it('says which period refused and how long to wait', () => {
    const now = new Date('2026-11-24T23:59:00Z');
    const error = quotaExceeded(quotas, 'day', quotaWindows(now)[0], now);
    expect(error).toMatchObject({ code: 'QUOTA_EXCEEDED', status: 429, headers: { 'Retry-After': '60' } });
    expect(error.message).toContain('daily token quota of 1000');
  });

  it('warns past the soft limit (80 % unless the plan says otherwise)', () => {
    expect(softWarnings(quotas, [799, 100])).toEqual([]);
    expect(softWarnings(quotas, [800, 4500])).toEqual(['80% of the daily token quota (1000) is used', '90% of the monthly token quota (5000) is used']);
    expect(softWarnings({ ...quotas, softLimitRatio: 0.5 }, [500, 0])).toHaveLength(1);
  });
});

describe('in-process quota counters', () => {
  const keys = { day: 'd', month: 'm' };

  it('asks for initialisation first, then grants all or nothing', async () => {
    const counters = new InProcessQuotaCounters();
    expect(await counters.reserve(keys, 10, [100, 1000])).toBeNull();
    await counters.init('d', 50, 60_000);
    await counters.init('m', 950, 60_000);
    await counters.init('d', 0, 60_000); // the first initialiser wins
    expect(await counters.reserve(keys, 40, [100, 1000])).toEqual({ granted: true, totals: [90, 990] });
    expect(await counters.reserve(keys, 20, [100, 1000])).toEqual({ granted: false, refusedBy: 'day', totals: [90, 990] });
    await counters.adjust(keys, -30); // the turn used 10 of its 40
    expect(await counters.reserve(keys, 20, [100, 1000])).toEqual({ granted: true, totals: [80, 980] });
    expect(await counters.reserve(keys, 15, [1000, 990])).toEqual({ granted: false, refusedBy: 'month', totals: [80, 980] });
  });

  it('never grants past the limit under 1,000 concurrent reservations', async () => {
    const counters = new InProcessQuotaCounters();
    await counters.init('d', 0, 60_000);
    await counters.init('m', 0, 60_000);
    const verdicts = await Promise.all(Array.from({ length: 1000 }, () => counters.reserve(keys, 7, [700, 10_000])));
    expect(verdicts.filter((v) => v?.granted)).toHaveLength(100);
  });
});
