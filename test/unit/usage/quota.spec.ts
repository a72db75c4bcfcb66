import type { Principal } from '../../../libs/auth/principal.js';
import { loadConfig } from '../../../libs/config/app-config.js';
import { DomainError } from '../../../libs/errors/domain-error.js';
import { decideReservation, quotaExceeded, quotaWindows, refusingPeriod, softWarnings } from '../../../src/usage/domain/quota.js';
import type { UsageRepository } from '../../../src/usage/repository/usage.repository.js';
import { InProcessQuotaCounters, type LedgerStart } from '../../../src/usage/service/quota-counters.js';
import { QuotaService } from '../../../src/usage/service/quota.service.js';

const quotas = { tokensPerDay: 1000, tokensPerMonth: 5000 };

describe('token quota rules', () => {
  it('uses UTC days and months, resetting at the next boundary', () => {
    const [day, month] = quotaWindows(new Date('2026-12-31T23:30:00Z'));
    expect(day).toMatchObject({ key: '2026-12-31', start: new Date('2026-12-31T00:00:00Z'), resetsAt: new Date('2027-01-01T00:00:00Z') });
    expect(month).toMatchObject({ key: '2026-12', start: new Date('2026-12-01T00:00:00Z'), resetsAt: new Date('2027-01-01T00:00:00Z') });
    expect([day.period, month.period]).toEqual(['day', 'month']); // the names refusals and warnings use
    const [leapDay, february] = quotaWindows(new Date('2028-02-29T00:00:00Z'));
    expect(leapDay).toMatchObject({ key: '2028-02-29', resetsAt: new Date('2028-03-01T00:00:00Z') });
    expect(february.resetsAt).toEqual(new Date('2028-03-01T00:00:00Z'));
    // Late evening west of Greenwich is already tomorrow in UTC.
    expect(quotaWindows(new Date('2026-11-30T21:00:00-05:00'))[1].key).toBe('2026-12');
  });

  it('grants up to the limit exactly, on both periods or neither', () => {
    expect(decideReservation([900, 4000], 100, [1000, 5000])).toEqual({ granted: true, totals: [1000, 4100] });
    expect(decideReservation([901, 4000], 100, [1000, 5000])).toEqual({ granted: false, refusedBy: 'day', totals: [901, 4000] });
    expect(decideReservation([0, 4901], 100, [1000, 5000])).toEqual({ granted: false, refusedBy: 'month', totals: [0, 4901] });
  });

  it('names the month when both periods refuse: it is the longer wait', () => {
    expect(refusingPeriod([1000, 5000], 1, [1000, 5000])).toBe('month');
    expect(refusingPeriod([1000, 10], 1, [1000, 5000])).toBe('day');
    expect(refusingPeriod([0, 0], 0, [1000, 5000])).toBeNull();
    expect(refusingPeriod([999, 4999], 1, [1000, 5000])).toBeNull(); // filling both exactly is allowed
  });

  it('refuses with 429 QUOTA_EXCEEDED naming the period, the limit and what is left, and Retry-After until it resets', () => {
    const now = new Date('2026-11-24T23:59:00Z');
    const [day, month] = quotaWindows(now);
    const full = quotaExceeded(quotas, { refusedBy: 'day', totals: [1000, 1000] }, 40, day, now);
    expect(full).toBeInstanceOf(DomainError);
    expect(full).toMatchObject({ code: 'QUOTA_EXCEEDED', status: 429, headers: { 'Retry-After': '60' } });
    expect(full.message).toBe('the daily token quota of 1000 is used up; it resets at 2026-11-25T00:00:00.000Z');
    const dayLeft = quotaExceeded(quotas, { refusedBy: 'day', totals: [990, 1000] }, 40, day, now); // what is left of the day, not of the month
    expect(dayLeft.message).toBe('the daily token quota of 1000 has 10 tokens left, fewer than this turn may use (40); it resets at 2026-11-25T00:00:00.000Z');
    const short = quotaExceeded(quotas, { refusedBy: 'month', totals: [0, 4990] }, 40, month, now);
    expect(short.message).toBe('the monthly token quota of 5000 has 10 tokens left, fewer than this turn may use (40); it resets at 2026-12-01T00:00:00.000Z');
    expect(short.headers).toEqual({ 'Retry-After': String(6 * 86400 + 60) });
  });

  it('warns from the soft limit on (80 % unless the plan says otherwise)', () => {
    expect(softWarnings(quotas, [799, 100])).toEqual([]);
    expect(softWarnings(quotas, [800, 4500])).toEqual(['80% of the daily token quota (1000) is used', '90% of the monthly token quota (5000) is used']);
    expect(softWarnings({ ...quotas, softLimitRatio: 0.5 }, [500, 0])).toEqual(['50% of the daily token quota (1000) is used']);
    expect(softWarnings(quotas, [1200, 0])).toEqual(['100% of the daily token quota (1000) is used']);
  });
});

/** A ledger that answers after a few turns of the event loop, like a database, counting how often it was read. */
function ledger(used: [number, number], ttlMs: [number, number] = [60_000, 60_000]): LedgerStart & { reads: number } {
  const start = {
    reads: 0,
    ttlMs,
    used: async () => {
      start.reads++;
      await new Promise((resolve) => setTimeout(resolve, 5));
      return used;
    },
  };
  return start;
}

let leases = 0;
const lease = (tokens: number) => ({ id: `lease-${++leases}`, tokens, expiresAt: Date.now() + 60_000 });

describe('in-process quota counters', () => {
  const keys = { day: 'd', month: 'm', leases: 'l', seq: 's', dayName: '2026-11-24', monthName: '2026-11' };

  it('start from the ledger, then reserve all or nothing and settle the difference', async () => {
    const counters = new InProcessQuotaCounters();
    const start = ledger([50, 950]);
    const first = await counters.reserve(keys, lease(40), [100, 1000], start);
    expect(first.verdict).toEqual({ granted: true, totals: [90, 990] });
    expect((await counters.reserve(keys, lease(20), [100, 2000], start)).verdict).toEqual({ granted: false, refusedBy: 'day', totals: [90, 990] });
    expect(start.reads).toBe(1);
    await counters.settle(first.ticket, 10); // the turn used 10 of its 40
    expect((await counters.reserve(keys, lease(20), [100, 1000], start)).verdict).toEqual({ granted: true, totals: [80, 980] });
    expect((await counters.reserve(keys, lease(15), [1000, 990], start)).verdict).toEqual({ granted: false, refusedBy: 'month', totals: [80, 980] });
  });

  it('never grants past the limit under 1,000 concurrent reservations, initialisers included', async () => {
    const counters = new InProcessQuotaCounters();
    const start = ledger([350, 350]);
    const results = await Promise.all(Array.from({ length: 1000 }, () => counters.reserve(keys, lease(7), [1050, 10_000], start)));
    expect(results.filter((r) => r.verdict.granted)).toHaveLength(100); // (1050 − 350) / 7
    expect(start.reads).toBeGreaterThan(1); // they all raced to initialise, and agreed on one start
    const last = await counters.reserve(keys, lease(0), [1050, 10_000], start);
    expect(last.verdict.totals).toEqual([1050, 1050]);
  });

  it('settles concurrently without losing an update, and a settlement never revives an ended period', async () => {
    const counters = new InProcessQuotaCounters();
    const start = ledger([0, 0], [300, 60_000]);
    const reservations = await Promise.all(Array.from({ length: 100 }, () => counters.reserve(keys, lease(10), [10_000, 10_000], start)));
    await Promise.all(reservations.map((r) => counters.settle(r.ticket, 3)));
    expect((await counters.reserve(keys, lease(0), [10_000, 10_000], start)).verdict.totals).toEqual([300, 300]);
    await new Promise((resolve) => setTimeout(resolve, 350)); // the day counter expires
    await counters.settle(reservations[0]!.ticket, 15); // 5 more than its 10: reaches the month, never the ended day
    expect((await counters.reserve(keys, lease(0), [10_000, 10_000], ledger([111, 0]))).verdict.totals).toEqual([111, 305]);
  });
});

describe('QuotaService (in-process, over a stub ledger)', () => {
  const principal = (plan: Partial<Principal['plan']> = {}): Principal => ({
    userId: `user-${Math.random()}`,
    email: null,
    role: 'user',
    via: 'jwt',
    plan: { id: 'metered', tiers: ['standard'], maxContextTokens: 4096, rateLimits: { perMinute: 1, perHour: 1, perDay: 1 }, quotas: { tokensPerDay: 100, tokensPerMonth: 1000, softLimitRatio: 0.5 }, ...plan },
  });
  const service = (used = 0) => new QuotaService({ tokensSince: async () => used } as unknown as UsageRepository, null, loadConfig({}));

  it('reconciles with the ledger only counters with no reservation in flight', async () => {
    const counters = new InProcessQuotaCounters();
    const keys = { day: 'rd', month: 'rm', leases: 'rl', seq: 'rs', dayName: 'x', monthName: 'y' };
    const first = await counters.reserve(keys, lease(40), [1000, 1000], ledger([0, 0]));
    expect(await counters.reconcile(keys, async () => [7, 7], [60_000, 60_000])).toBe(false);
    await counters.settle(first.ticket, 30);
    expect(await counters.reconcile(keys, async () => [25, 25], [60_000, 60_000])).toBe(true); // the ledger is the truth
    expect((await counters.reserve(keys, lease(0), [1000, 1000], ledger([0, 0]))).verdict.totals).toEqual([25, 25]);
  });

  it('leaves counters alone while any of several reservations is in flight, or one began while the ledger was read', async () => {
    const counters = new InProcessQuotaCounters();
    const keys = { day: 'md', month: 'mm', leases: 'ml', seq: 'ms', dayName: 'x', monthName: 'y' };
    const [a, b] = await Promise.all([counters.reserve(keys, lease(10), [1000, 1000], ledger([0, 0])), counters.reserve(keys, lease(10), [1000, 1000], ledger([0, 0]))]);
    await counters.settle(a.ticket, 10);
    expect(await counters.reconcile(keys, async () => [5, 5], [60_000, 60_000])).toBe(false); // b is still in flight
    await counters.settle(b.ticket, 10);
    let late: Awaited<ReturnType<InProcessQuotaCounters['reserve']>> | undefined;
    const readingLedger = async (): Promise<[number, number]> => {
      late = await counters.reserve(keys, lease(7), [1000, 1000], ledger([0, 0]));
      return [5, 5];
    };
    expect(await counters.reconcile(keys, readingLedger, [60_000, 60_000])).toBe(false);
    const probe = await counters.reserve(keys, lease(0), [1000, 1000], ledger([0, 0]));
    expect(probe.verdict.totals).toEqual([27, 27]); // 10 + 10 + 7, not 5
    await counters.settle(late!.ticket, 7);
    await counters.settle(probe.ticket, 0);
    expect(await counters.reconcile(keys, async () => [5, 5], [60_000, 60_000])).toBe(true);
  });

  it("reconciles this instance's recently active users without Redis", async () => {
    let used = 0;
    const quotas = new QuotaService({ tokensSince: async () => used } as unknown as UsageRepository, null, loadConfig({}));
    const caller = principal();
    await quotas.settle(await quotas.reserve(caller, 40), 40);
    used = 70; // the ledger knows better (say a fault lost a count)
    expect(await quotas.reconcile()).toBe(1);
    expect((await quotas.reserve(caller, 30)).warnings).toEqual(['100% of the daily token quota (100) is used']);
  });

  it('reserves nothing on a plan without quotas', async () => {
    const reservation = await service().reserve(principal({ quotas: undefined }), 10_000_000);
    expect(reservation).toEqual({ id: expect.any(String), reserved: 0, warnings: [], headers: {} });
  });

  it('warns past the soft limit, refuses past the hard one with Retry-After', async () => {
    const quotas = service(40);
    const caller = principal();
    expect((await quotas.reserve(caller, 8.2)).headers).toEqual({}); // 40 + 9 (rounded up): below 50, the soft limit
    const warned = await quotas.reserve(caller, 2);
    expect(warned.warnings).toEqual(['51% of the daily token quota (100) is used']);
    expect(warned.headers).toEqual({ 'X-Quota-Warning': '51% of the daily token quota (100) is used' });
    const refused = await quotas.reserve(caller, 50, new Date()).catch((error: unknown) => error);
    expect(refused).toMatchObject({ code: 'QUOTA_EXCEEDED', message: expect.stringContaining('daily token quota of 100 has 49 tokens left') });
    expect(Number((refused as DomainError).headers!['Retry-After'])).toBeGreaterThan(0);
  });

  it('settles each reservation once, and never throws', async () => {
    const quotas = service();
    const caller = principal();
    const big = await quotas.reserve(caller, 90);
    await quotas.settle(big, 20);
    await quotas.settle(big, 0); // a second settlement changes nothing
    await quotas.settle({ ...big }, 0);
    const probe = await quotas.reserve(caller, 30); // 20 + 30 = 50: the soft limit, not 80
    expect(probe.warnings).toEqual(['50% of the daily token quota (100) is used']);
    await expect(quotas.settle({ id: 'unknown', reserved: 5, warnings: [], headers: {} }, 3)).resolves.toBeUndefined();
    await expect(quotas.settle(null as never, 3)).resolves.toBeUndefined();
  });
});
