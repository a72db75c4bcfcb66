import { randomBytes, randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import type { Principal } from '../../libs/auth/principal.js';
import { loadConfig } from '../../libs/config/app-config.js';
import { quotaWindows } from '../../src/usage/domain/quota.js';
import type { UsageRepository } from '../../src/usage/repository/usage.repository.js';
import { QuotaService } from '../../src/usage/service/quota.service.js';
import { REDIS_URL, deleteRedisKeys, eventually } from './support/gus-harness.js';
import { TcpProxy } from './support/tcp-proxy.js';

/**
 * QuotaService itself on the real Redis, over a stub ledger (tokens per user, the same for every period): the keys it
 * uses, several instances sharing the counters, lease renewal while a turn runs, reconciliation with the ledger.
 * No gus process: the mutation run (npm run test:mutation) judges the service with this file.
 */
describe('QuotaService on Redis (real Redis, stub ledger)', () => {
  const prefix = `gus-test-${randomBytes(6).toString('hex')}`;
  const clients: Redis[] = [];
  const services: QuotaService[] = [];
  const ledger = new Map<string, number>();
  const usage = {
    tokensSince: async (userId: string) => {
      await new Promise((resolve) => setTimeout(resolve, 2)); // a database answers after a few turns of the loop
      return ledger.get(userId) ?? 0;
    },
  } as unknown as UsageRepository;

  /** One gus instance's QuotaService: its own Redis connection, the shared ledger. */
  const instance = (env: Record<string, string> = {}): { service: QuotaService; redis: Redis } => {
    const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
    const service = new QuotaService(usage, redis, loadConfig({ GUS_REDIS_PREFIX: prefix, ...env }));
    clients.push(redis);
    services.push(service);
    return { service, redis };
  };
  const principal = (quotas = { tokensPerDay: 1000, tokensPerMonth: 5000 }): Principal => ({
    userId: randomUUID(),
    email: null,
    role: 'user',
    via: 'jwt',
    plan: { id: 'metered', tiers: ['standard'], maxContextTokens: 4096, rateLimits: { perMinute: 1, perHour: 1, perDay: 1 }, quotas },
  });
  const refusal = (promise: Promise<unknown>) => promise.then(() => null, (error: unknown) => error as { code?: string; message?: string });

  afterAll(async () => {
    for (const service of services) service.onApplicationShutdown();
    await Promise.all(clients.map((client) => client.quit()));
    await deleteRedisKeys(prefix);
  });

  it("keeps a user's counters and leases under the user's hash tag, and marks the user active for the reconciler", async () => {
    const { service, redis } = instance();
    const caller = principal();
    const now = new Date();
    const [day, month] = quotaWindows(now);
    await service.reserve(caller, 10, now);
    const base = `${prefix}:quota:{${caller.userId}}`;
    expect((await redis.keys(`${base}:*`)).sort()).toEqual([`${base}:${day.key}`, `${base}:${month.key}`, `${base}:leases`].sort());
    expect(await redis.zscore(`${prefix}:quota-active`, caller.userId)).not.toBeNull();
  });

  it('never lets two instances together pass a hard limit, and refuses nothing while room remains', async () => {
    const [a, b] = [instance().service, instance().service];
    const caller = principal({ tokensPerDay: 1000, tokensPerMonth: 100_000 });
    ledger.set(caller.userId, 300);
    const outcomes = await Promise.all(Array.from({ length: 200 }, (_, i) => refusal((i % 2 ? a : b).reserve(caller, 7))));
    expect(outcomes.filter((o) => o === null)).toHaveLength(100); // (1000 − 300) / 7
    expect(outcomes.filter((o) => o !== null).every((o) => o!.code === 'QUOTA_EXCEEDED')).toBe(true);
    // 1000 − 300 − 700 = 0 left: a turn that needs nothing still passes, one token is refused.
    await expect(a.reserve(caller, 0)).resolves.toMatchObject({ reserved: 0 });
    expect(await refusal(b.reserve(caller, 1))).toMatchObject({ code: 'QUOTA_EXCEEDED', message: expect.stringContaining('daily token quota of 1000 is used up') });
  });

  it('gives back what a turn did not use, once, counted in whole tokens', async () => {
    const { service } = instance();
    const caller = principal({ tokensPerDay: 100, tokensPerMonth: 100_000 });
    const big = await service.reserve(caller, 90);
    expect(await refusal(service.reserve(caller, 20))).toMatchObject({ code: 'QUOTA_EXCEEDED' });
    await service.settle(big, 12.4); // counted whole: 13
    await service.settle(big, 0); // once only
    const rest = await service.reserve(caller, 87); // 13 + 87 = 100, exactly the limit
    expect(rest.reserved).toBe(87);
    expect(rest.warnings).toEqual(['100% of the daily token quota (100) is used']);
  });

  it("renews a running turn's lease, and a stopped instance's leases run out by themselves", async () => {
    const lease = { GUS_QUOTA_LEASE_MS: '1500' };
    const running = instance(lease).service;
    const stopped = instance(lease).service;
    const probe = instance(lease).service;
    const caller = principal({ tokensPerDay: 100, tokensPerMonth: 100_000 });
    running.onModuleInit(); // renews every 500 ms
    await running.reserve(caller, 60);
    await stopped.reserve(caller, 40); // never renewed: as if its process had died
    expect(await refusal(probe.reserve(caller, 1))).toMatchObject({ code: 'QUOTA_EXCEEDED' });
    // The dead instance's 40 come back once its lease expires; the running turn's 60 stay counted.
    const granted = await eventually(() => probe.reserve(caller, 40), 10_000);
    await probe.settle(granted, 40); // settled usage stays counted
    await new Promise((resolve) => setTimeout(resolve, 2000)); // past the running lease's first expiry
    expect(await refusal(probe.reserve(caller, 1))).toMatchObject({ code: 'QUOTA_EXCEEDED' });
    running.onApplicationShutdown();
  });

  it('reconciles the active users whose counters have nothing in flight with the ledger, and leaves the others', async () => {
    const { service } = instance({ GUS_REDIS_PREFIX: `${prefix}:reconcile` }); // no other test's users are active here
    const idle = principal({ tokensPerDay: 100, tokensPerMonth: 100_000 });
    const busy = principal({ tokensPerDay: 100, tokensPerMonth: 100_000 });
    await service.settle(await service.reserve(idle, 50), 50);
    const inFlight = await service.reserve(busy, 50);
    // Both ledgers say 90 (say a fault lost counts): only the idle user's counters can be set to it.
    ledger.set(idle.userId, 90);
    ledger.set(busy.userId, 90);
    expect(await service.reconcile()).toBe(1);
    expect(await refusal(service.reserve(idle, 11))).toMatchObject({ code: 'QUOTA_EXCEEDED', message: expect.stringContaining('has 10 tokens left') });
    await expect(service.reserve(idle, 10)).resolves.toMatchObject({ reserved: 10 });
    await expect(service.reserve(busy, 50)).resolves.toMatchObject({ reserved: 50 }); // still its own counter: 50 + 50
    await service.settle(inFlight, 0);
  });

  it('leaves an outage from the reconciler too: with no turn after it, a counter the outage left stale is reconciled', async () => {
    const target = new URL(REDIS_URL);
    const proxy = await TcpProxy.to(target.hostname, Number(target.port || 6379));
    const redis = new Redis(`redis://127.0.0.1:${proxy.port}`, { maxRetriesPerRequest: 1, retryStrategy: () => 50 });
    redis.on('error', () => undefined);
    const reconcilePrefix = `${prefix}:outage`;
    const service = new QuotaService(usage, redis, loadConfig({ GUS_REDIS_PREFIX: reconcilePrefix }));
    const probe = instance().redis;
    const caller = principal({ tokensPerDay: 1000, tokensPerMonth: 100_000 });
    const dayKey = `${reconcilePrefix}:quota:{${caller.userId}}:${quotaWindows(new Date())[0].key}`;
    try {
      await service.settle(await service.reserve(caller, 50), 50); // counted in Redis
      ledger.set(caller.userId, 50);
      await proxy.cut();
      await eventually(async () => expect(redis.status).not.toBe('ready'));
      await service.settle(await service.reserve(caller, 30), 30); // counted in memory: Redis misses it
      ledger.set(caller.userId, 80);
      await proxy.restore();
      await eventually(async () => expect(redis.status).toBe('ready'), 5000);
      await new Promise((resolve) => setTimeout(resolve, 1100)); // a command that failed pauses Redis for 1 s
      expect(Number(await probe.get(dayKey))).toBe(50); // stale, and no turn comes to rebuild it
      expect(await service.reconcile()).toBe(1);
      expect(Number(await probe.get(dayKey))).toBe(80);
    } finally {
      service.onApplicationShutdown();
      redis.disconnect();
      await proxy.close();
      await deleteRedisKeys(reconcilePrefix);
    }
  });

  it("refuses on the month with the month's reset, and keeps each counter a day past its period's end", async () => {
    const { service, redis } = instance();
    const caller = principal({ tokensPerDay: 1000, tokensPerMonth: 50 });
    const now = new Date();
    const [day, month] = quotaWindows(now);
    await service.reserve(caller, 45, now);
    const refused = await refusal(service.reserve(caller, 10, now));
    expect(refused).toMatchObject({ code: 'QUOTA_EXCEEDED', message: `the monthly token quota of 50 has 5 tokens left, fewer than this turn may use (10); it resets at ${month.resetsAt.toISOString()}` });
    const base = `${prefix}:quota:{${caller.userId}}`;
    const dayTtl = day.resetsAt.getTime() - now.getTime() + 86_400_000;
    const monthTtl = month.resetsAt.getTime() - now.getTime() + 86_400_000;
    // PTTL counts down from when Redis set it: within a minute of what the service asked for.
    expect(await redis.pttl(`${base}:${day.key}`)).toBeGreaterThan(dayTtl - 60_000);
    expect(await redis.pttl(`${base}:${day.key}`)).toBeLessThanOrEqual(dayTtl);
    expect(await redis.pttl(`${base}:${month.key}`)).toBeGreaterThan(monthTtl - 60_000);
    expect(await redis.pttl(`${base}:${month.key}`)).toBeLessThanOrEqual(monthTtl);
  });

  it('reconciles by itself every GUS_QUOTA_RECONCILE_MS, whichever instance takes the turn', async () => {
    const env = { GUS_REDIS_PREFIX: `${prefix}:periodic`, GUS_QUOTA_RECONCILE_MS: '200' };
    const [a, b] = [instance(env).service, instance(env).service];
    const caller = principal({ tokensPerDay: 100, tokensPerMonth: 100_000 });
    await a.settle(await a.reserve(caller, 80), 80);
    ledger.set(caller.userId, 20); // the counters drifted from the ledger
    a.onModuleInit();
    b.onModuleInit();
    const granted = await eventually(() => b.reserve(caller, 80), 5000); // 20 + 80: room once reconciled
    a.onApplicationShutdown();
    b.onApplicationShutdown();
    expect(granted.reserved).toBe(80);
  });

  it('reports status from the ledger, never below zero remaining', async () => {
    const { service } = instance();
    const caller = principal({ tokensPerDay: 100, tokensPerMonth: 500 });
    ledger.set(caller.userId, 130);
    const now = new Date('2026-11-24T12:00:00Z');
    const status = await service.status(caller, now);
    expect(status).toEqual({
      day: { limit: 100, used: 130, remaining: 0, resetsAt: '2026-11-25T00:00:00.000Z' },
      month: { limit: 500, used: 130, remaining: 370, resetsAt: '2026-12-01T00:00:00.000Z' },
    });
    expect(await service.status({ ...caller, plan: { ...caller.plan, quotas: undefined } })).toBeNull();
  });
});
