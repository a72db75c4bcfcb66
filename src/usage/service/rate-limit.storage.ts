import type { OnApplicationShutdown } from '@nestjs/common';
import type { ThrottlerStorage } from '@nestjs/throttler';
import { countHit, type RateVerdict, type RateWindow, type WindowCounter } from '../domain/rate-limit.js';

/** The package's index does not export this type by name. */
type ThrottlerStorageRecord = Awaited<ReturnType<ThrottlerStorage['increment']>>;

/**
 * Where request counters live: Redis when there is one (shared by every instance), else this process.
 * `hit` counts against all of a caller's windows in one atomic step; `increment` is the one-window
 * form @nestjs/throttler asks of a storage.
 */
export abstract class RateLimitStorage implements ThrottlerStorage {
  abstract hit(key: string, windows: RateWindow[]): Promise<RateVerdict>;

  async increment(key: string, ttl: number, limit: number, _blockDuration: number, throttlerName: string): Promise<ThrottlerStorageRecord> {
    const verdict = await this.hit(key, [{ name: throttlerName, limit, ttlMs: ttl }]);
    const [usage] = verdict.windows;
    const seconds = Math.ceil(usage.resetMs / 1000);
    return {
      totalHits: verdict.allowed ? usage.hits : usage.hits + 1,
      timeToExpire: seconds,
      isBlocked: !verdict.allowed,
      timeToBlockExpire: verdict.allowed ? 0 : seconds,
    };
  }
}

interface StoredCounter {
  hits: number;
  expiresAt: number;
}

const SWEEP_INTERVAL_MS = 60_000;

/**
 * Counters in a Map. Exact within one process: `hitAt` reads, decides and writes without awaiting,
 * so no other request interleaves. Not shared between instances (that is what Redis is for).
 */
export class InProcessRateLimitStorage extends RateLimitStorage implements OnApplicationShutdown {
  private readonly counters = new Map<string, StoredCounter>();
  private sweeper?: NodeJS.Timeout;

  async hit(key: string, windows: RateWindow[]): Promise<RateVerdict> {
    return this.hitAt(key, windows, Date.now());
  }

  hitAt(key: string, windows: RateWindow[], now: number): RateVerdict {
    this.startSweeping();
    const keys = windows.map((window) => `${key}:${window.name}`);
    const verdict = countHit(
      windows,
      keys.map((k) => this.read(k, now)),
    );
    if (verdict.allowed) {
      verdict.windows.forEach((usage, i) => this.counters.set(keys[i], { hits: usage.hits, expiresAt: now + usage.resetMs }));
    }
    return verdict;
  }

  onApplicationShutdown(): void {
    clearInterval(this.sweeper);
    this.sweeper = undefined;
    this.counters.clear();
  }

  private read(key: string, now: number): WindowCounter {
    const counter = this.counters.get(key);
    if (!counter || counter.expiresAt <= now) return { hits: 0, resetMs: 0 };
    return { hits: counter.hits, resetMs: counter.expiresAt - now };
  }

  /** Expired counters would otherwise stay forever for callers who never come back. */
  private startSweeping(): void {
    if (this.sweeper) return;
    this.sweeper = setInterval(() => {
      const now = Date.now();
      for (const [key, counter] of this.counters) if (counter.expiresAt <= now) this.counters.delete(key);
    }, SWEEP_INTERVAL_MS);
    this.sweeper.unref();
  }
}
