import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import type { PeriodTotals } from '../../src/usage/domain/quota.js';
import { RedisQuotaCounters, type CounterKeys, type Lease, type LedgerStart } from '../../src/usage/service/quota-counters.js';
import { REDIS_URL, deleteRedisKeys, eventually } from './support/gus-harness.js';
import { TcpProxy } from './support/tcp-proxy.js';

/** A ledger that answers after a few milliseconds, like the database, and can change between reads. */
function ledger(used: PeriodTotals, ttlMs: PeriodTotals = [60_000, 120_000]): LedgerStart & { value: PeriodTotals; reads: number } {
  const start = {
    value: used,
    reads: 0,
    ttlMs,
    used: async () => {
      start.reads++;
      await new Promise((resolve) => setTimeout(resolve, 5));
      return start.value;
    },
  };
  return start;
}

const sharedClientOptions = { maxRetriesPerRequest: 1, enableOfflineQueue: true } as const; // as libs/queue/redis.ts

let leases = 0;
/** A reservation of `tokens` that holds for `ttlMs` unless renewed. */
const lease = (tokens: number, ttlMs = 60_000): Lease => ({ id: `lease-${++leases}`, tokens, expiresAt: Date.now() + ttlMs });

/** The Lua scripts on the real Redis, without HTTP in between: several clients, like several instances. */
describe('Redis token quota counters (real Redis)', () => {
  const prefix = `gus-test-${randomBytes(6).toString('hex')}`;
  const clients = Array.from({ length: 4 }, () => new Redis(REDIS_URL, sharedClientOptions));
  const counters = clients.map((client) => new RedisQuotaCounters(client));
  const keysOf = (user: string): CounterKeys => {
    const base = `${prefix}:quota:{${user}}`;
    return { day: `${base}:2026-11-24`, month: `${base}:2026-11`, leases: `${base}:leases`, seq: `${base}:seq`, dayName: '2026-11-24', monthName: '2026-11' };
  };
  const read = async (keys: CounterKeys) => (await clients[0]!.mget(keys.day, keys.month)).map((v) => (v === null ? null : Number(v)));
  afterAll(async () => {
    await Promise.all(clients.map((client) => client.quit()));
    await deleteRedisKeys(prefix);
  });

  it('grants exactly what fits of 1,000 concurrent reservations from four clients, all starting from the ledger at once', async () => {
    const keys = keysOf('race');
    const start = ledger([350, 350]);
    const results = await Promise.all(Array.from({ length: 1000 }, (_, i) => counters[i % 4]!.reserve(keys, lease(7), [1050, 100_000], start)));
    expect(results.filter((r) => r.verdict.granted)).toHaveLength(100); // (1050 − 350) / 7
    expect(results.filter((r) => !r.verdict.granted).every((r) => !r.verdict.granted && r.verdict.refusedBy === 'day')).toBe(true);
    expect(start.reads).toBeGreaterThan(1); // many initialisers raced; the first one's start held
    expect(await read(keys)).toEqual([1050, 1050]);
  });

  it('keeps each counter past the end of its period', async () => {
    const keys = keysOf('ttl');
    await counters[0]!.reserve(keys, lease(1), [100, 1000], ledger([0, 0], [3_600_000, 86_400_000]));
    expect(await clients[0]!.pttl(keys.day)).toBeGreaterThan(3_590_000);
    expect(await clients[0]!.pttl(keys.month)).toBeGreaterThan(86_390_000);
  });

  it('settles concurrent turns exactly (negative deltas too), and never revives a counter that is gone', async () => {
    const keys = keysOf('settle');
    const start = ledger([0, 0]);
    const reservations = await Promise.all(Array.from({ length: 200 }, (_, i) => counters[i % 4]!.reserve(keys, lease(50), [100_000, 100_000], start)));
    await Promise.all(reservations.map((r, i) => counters[i % 4]!.settle(r.ticket, i % 2 === 0 ? 12 : 60)));
    expect(await read(keys)).toEqual([100 * 12 + 100 * 60, 100 * 12 + 100 * 60]);
    await clients[0]!.del(keys.day);
    const late = await counters[0]!.reserve(keys, lease(5), [100_000, 100_000], start);
    await clients[0]!.del(keys.day);
    await counters[1]!.settle(late.ticket, 0);
    expect(await read(keys)).toEqual([null, 7200]);
  });

  it('names the month when the month refuses, with the totals before the refusal', async () => {
    const keys = keysOf('month');
    const { verdict } = await counters[2]!.reserve(keys, lease(10), [100, 1000], ledger([0, 995]));
    expect(verdict).toEqual({ granted: false, refusedBy: 'month', totals: [0, 995] });
    expect(await read(keys)).toEqual([0, 995]);
  });

  it('starts again from the ledger when Redis lost a counter', async () => {
    const keys = keysOf('lost');
    const start = ledger([10, 10]);
    const turn = await counters[0]!.reserve(keys, lease(20), [1000, 1000], start);
    await counters[0]!.settle(turn.ticket, 20);
    await clients[0]!.del(keys.day, keys.month); // a restart without persistence, an eviction
    start.value = [30, 500]; // the turn was written to the ledger meanwhile, and older days of the month are in it
    const { verdict } = await counters[3]!.reserve(keys, lease(5), [1000, 1000], start);
    expect(verdict).toEqual({ granted: true, totals: [35, 505] });
  });

  it('counts in memory, from the ledger, while Redis does not answer, still all or nothing', async () => {
    const unreachable = new Redis('redis://127.0.0.1:1', { lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 0, retryStrategy: () => null });
    try {
      const offline = new RedisQuotaCounters(unreachable);
      const results = await Promise.all(Array.from({ length: 20 }, () => offline.reserve(keysOf('offline'), lease(10), [100, 1000], ledger([30, 30]))));
      expect(results.filter((r) => r.verdict.granted)).toHaveLength(7);
      await offline.settle(results[0]!.ticket, 0);
      expect((await offline.reserve(keysOf('offline'), lease(10), [100, 1000], ledger([0, 0]))).verdict.granted).toBe(true);
    } finally {
      unreachable.disconnect();
    }
  });

  it('gives back a lease its process never settled, once it expires, and counts only the actual tokens of a late settlement', async () => {
    const keys = keysOf('crash');
    const start = ledger([0, 0]);
    await counters[0]!.reserve(keys, lease(400, 300), [1000, 10_000], start); // its process dies
    const slow = await counters[1]!.reserve(keys, lease(300, 300), [1000, 10_000], start); // its turn outlives the lease
    expect((await counters[2]!.reserve(keys, lease(400), [1000, 10_000], start)).verdict.granted).toBe(false);
    await new Promise((resolve) => setTimeout(resolve, 350));
    const after = await counters[2]!.reserve(keys, lease(400), [1000, 10_000], start);
    expect(after.verdict).toEqual({ granted: true, totals: [400, 400] }); // both expired leases were given back
    await counters[1]!.settle(slow.ticket, 120); // the lease was given back already: only what was used is added
    expect(await read(keys)).toEqual([520, 520]);
  });

  it('keeps a renewed lease past its first expiry, and renews no lease that was given back', async () => {
    const keys = keysOf('renew');
    const start = ledger([0, 0]);
    const kept = await counters[0]!.reserve(keys, lease(100, 200), [1000, 10_000], start);
    const lost = await counters[0]!.reserve(keys, lease(50, 100), [1000, 10_000], start);
    await new Promise((resolve) => setTimeout(resolve, 150));
    await counters[0]!.reserve(keys, lease(0), [1000, 10_000], start); // gives back `lost`
    await counters[0]!.renew([kept.ticket, lost.ticket], Date.now() + 60_000);
    await new Promise((resolve) => setTimeout(resolve, 100));
    const probe = await counters[1]!.reserve(keys, lease(0), [1000, 10_000], start);
    expect(probe.verdict.totals).toEqual([100, 100]);
    expect(await clients[0]!.zrange(keys.leases, 0, -1)).toHaveLength(3); // kept, and the two empty leases of the probes
  });

  it('reconciles the counters with the ledger only when no lease is live and nothing settled while it read the ledger', async () => {
    const keys = keysOf('reconcile');
    const start = ledger([0, 0]);
    const first = await counters[0]!.reserve(keys, lease(100), [10_000, 100_000], start);
    await clients[0]!.incrby(keys.day, 777); // drift, as a fault leaves it
    await clients[0]!.incrby(keys.month, 777);
    expect(await counters[1]!.reconcile(keys, async () => [60, 60], [60_000, 60_000])).toBe(false); // a lease is live
    await counters[0]!.settle(first.ticket, 60);
    const settledMeanwhile = await counters[0]!.reserve(keys, lease(30), [10_000, 100_000], start);
    // The ledger read races a settlement: the result would miss it, so the counters stay as they are.
    expect(await counters[1]!.reconcile(keys, async () => (await counters[0]!.settle(settledMeanwhile.ticket, 30), [60, 60]), [60_000, 60_000])).toBe(false);
    expect(await counters[1]!.reconcile(keys, async () => [90, 90], [60_000, 60_000])).toBe(true);
    expect(await read(keys)).toEqual([90, 90]);
  });

  it('after a cut-off, rebuilds from the ledger the counters it counted in memory, so nothing counted meanwhile is lost', async () => {
    const target = new URL(REDIS_URL);
    const proxy = await TcpProxy.to(target.hostname, Number(target.port || 6379));
    const client = new Redis(`redis://127.0.0.1:${proxy.port}`, { ...sharedClientOptions, retryStrategy: () => 50 });
    client.on('error', () => undefined);
    try {
      const cutOff = new RedisQuotaCounters(client);
      const keys = keysOf('partition');
      const start = ledger([0, 0]);
      const before = await cutOff.reserve(keys, lease(100), [1000, 10_000], start); // in Redis
      expect(before.verdict.granted).toBe(true);

      await proxy.cut();
      await eventually(async () => expect(client.status).not.toBe('ready'));
      start.value = [0, 0];
      const during = await cutOff.reserve(keys, lease(300), [1000, 10_000], start); // in memory, from the ledger
      expect(during.verdict).toEqual({ granted: true, totals: [300, 300] });
      await cutOff.settle(before.ticket, 40); // Redis misses this one: the counter is rebuilt later
      await cutOff.settle(during.ticket, 50);
      expect(await read(keys)).toEqual([100, 100]); // what Redis still believes (the first lease still counted)
      // Nothing else waits on the lost connection: no renewal is sent, and no reconciliation is tried.
      await cutOff.renew([before.ticket, during.ticket], Date.now() + 60_000);
      expect(await cutOff.reconcile(keys, async () => [0, 0], [60_000, 60_000])).toBe(false);

      start.value = [90, 90]; // the ledger has both turns now: 40 + 50
      await proxy.restore();
      await eventually(async () => expect(client.status).toBe('ready'), 5000);
      await new Promise((resolve) => setTimeout(resolve, 1100)); // a command that failed while reconnecting pauses Redis for 1 s
      const after = await cutOff.reserve(keys, lease(10), [1000, 10_000], start);
      expect(after.verdict).toEqual({ granted: true, totals: [100, 100] });
      expect(await read(keys)).toEqual([100, 100]);
    } finally {
      client.disconnect();
      await proxy.cut();
    }
  });
});
