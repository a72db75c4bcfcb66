import { planWindows } from '../../../src/usage/domain/rate-limit.js';
import { InProcessRateLimitStorage } from '../../../src/usage/service/rate-limit.storage.js';

describe('in-process rate limit counters', () => {
  let storage: InProcessRateLimitStorage;
  beforeEach(() => (storage = new InProcessRateLimitStorage()));
  afterEach(() => storage.onApplicationShutdown());

  const windows = planWindows({ perMinute: 10, perHour: 15, perDay: 100 });

  it('lets exactly the limit through 1,000 hits issued together (hitAt never awaits between reading and writing)', async () => {
    const verdicts = await Promise.all(Array.from({ length: 1000 }, () => storage.hit('user:a', windows)));
    expect(verdicts.filter((v) => v.allowed)).toHaveLength(10);
    expect((await storage.hit('user:b', windows)).allowed).toBe(true);
  });

  it('opens a fresh window once the old one expired, while the longer windows keep counting', () => {
    const t0 = 1_000_000;
    for (let i = 0; i < 10; i++) expect(storage.hitAt('user:a', windows, t0 + i).allowed).toBe(true);
    const blocked = storage.hitAt('user:a', windows, t0 + 59_999);
    expect(blocked.allowed).toBe(false);
    expect(blocked.windows[0]).toMatchObject({ hits: 10, resetMs: 1 });

    const next = storage.hitAt('user:a', windows, t0 + 60_000);
    expect(next.allowed).toBe(true);
    expect(next.windows.map((w) => [w.window.name, w.hits, w.resetMs])).toEqual([
      ['minute', 1, 60_000],
      ['hour', 11, 3_600_000 - 60_000],
      ['day', 11, 86_400_000 - 60_000],
    ]);
    for (let i = 1; i < 5; i++) expect(storage.hitAt('user:a', windows, t0 + 60_000 + i).allowed).toBe(true);
    expect(storage.hitAt('user:a', windows, t0 + 60_010).allowed).toBe(false); // the hour's 15 are used up
  });

  it('answers @nestjs/throttler one window at a time', async () => {
    const first = await storage.increment('ip:127.0.0.1', 60_000, 2, 0, 'default');
    expect(first).toEqual({ totalHits: 1, timeToExpire: 60, isBlocked: false, timeToBlockExpire: 0 });
    await storage.increment('ip:127.0.0.1', 60_000, 2, 0, 'default');
    const refused = await storage.increment('ip:127.0.0.1', 60_000, 2, 0, 'default');
    expect(refused).toMatchObject({ totalHits: 3, isBlocked: true, timeToBlockExpire: 60 });
  });
});
