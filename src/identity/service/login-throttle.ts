import { createHash } from 'node:crypto';
import { Inject, Injectable, Logger } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { APP_CONFIG, type AppConfig } from '../../../libs/config/app-config.js';
import { DomainError } from '../../../libs/errors/domain-error.js';
import { REDIS } from '../../../libs/queue/redis.js';
import { LOGIN_FAILURE_WINDOW_MS, loginLockMs } from '../domain/login-backoff.js';

/** KEYS[1] the account's failure record; ARGV: window ms, then the lock (ms) after each failure count. */
const RECORD_FAILURE = `
local now = redis.call('TIME')
local nowMs = now[1] * 1000 + math.floor(now[2] / 1000)
local failures = redis.call('HINCRBY', KEYS[1], 'failures', 1)
local lock = tonumber(ARGV[math.min(failures, #ARGV - 1) + 1])
redis.call('HSET', KEYS[1], 'lockedUntil', nowMs + lock)
redis.call('PEXPIRE', KEYS[1], math.max(tonumber(ARGV[1]), lock))
return lock`;
/** KEYS[1] the account's failure record → ms until the next attempt is allowed (0: now). */
const LOCKED_FOR = `
local lockedUntil = tonumber(redis.call('HGET', KEYS[1], 'lockedUntil') or '0')
local now = redis.call('TIME')
local nowMs = now[1] * 1000 + math.floor(now[2] / 1000)
return math.max(0, lockedUntil - nowMs)`;
const LOCK_TABLE = Array.from({ length: 32 }, (_, failures) => loginLockMs(failures + 1));
const MAX_LOCAL_ACCOUNTS = 100_000;

/**
 * Failed logins back off per account (by email, known or not, so that the backoff says nothing about which
 * accounts exist), on every instance: the record lives in Redis. Without Redis it is kept in process. A Redis
 * failure lets the login through (logged): the per-IP rate limit still holds, and login must not depend on Redis.
 */
@Injectable()
export class LoginThrottle {
  private readonly logger = new Logger('LoginThrottle');
  private readonly local = new Map<string, { failures: number; lockedUntil: number; forgetAt: number }>();
  private readonly prefix: string;

  constructor(
    @Inject(REDIS) private readonly redis: Redis | null,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.prefix = `${config.redisPrefix}:login-failures`;
  }

  /** Throws 429 RATE_LIMITED (with Retry-After) while the account must wait. */
  async assertMayTry(email: string): Promise<void> {
    const waitMs = await this.lockedFor(email);
    if (waitMs > 0) {
      const seconds = Math.ceil(waitMs / 1000);
      throw new DomainError('RATE_LIMITED', `too many failed logins for this account; try again in ${seconds} s`, { 'Retry-After': String(seconds) });
    }
  }

  async recordFailure(email: string): Promise<void> {
    const key = this.keyOf(email);
    if (!this.redis) {
      const now = Date.now();
      const entry = this.localEntry(key, now);
      entry.failures += 1;
      const lock = loginLockMs(entry.failures);
      entry.lockedUntil = now + lock;
      entry.forgetAt = now + Math.max(LOGIN_FAILURE_WINDOW_MS, lock);
      return;
    }
    await this.redis.eval(RECORD_FAILURE, 1, key, LOGIN_FAILURE_WINDOW_MS, ...LOCK_TABLE).catch((error: unknown) => this.redisFailed(error));
  }

  async recordSuccess(email: string): Promise<void> {
    const key = this.keyOf(email);
    if (!this.redis) {
      this.local.delete(key);
      return;
    }
    await this.redis.del(key).catch((error: unknown) => this.redisFailed(error));
  }

  private async lockedFor(email: string): Promise<number> {
    const key = this.keyOf(email);
    if (!this.redis) return Math.max(0, this.localEntry(key, Date.now()).lockedUntil - Date.now());
    const waitMs = await this.redis.eval(LOCKED_FOR, 1, key).catch((error: unknown) => this.redisFailed(error));
    return Number(waitMs ?? 0);
  }

  private localEntry(key: string, now: number): { failures: number; lockedUntil: number; forgetAt: number } {
    let entry = this.local.get(key);
    if (entry && entry.forgetAt <= now) entry = undefined;
    if (!entry) {
      if (this.local.size >= MAX_LOCAL_ACCOUNTS) this.local.clear();
      entry = { failures: 0, lockedUntil: 0, forgetAt: now + LOGIN_FAILURE_WINDOW_MS };
      this.local.set(key, entry);
    }
    return entry;
  }

  /** Hashed, so that Redis never holds the email addresses people typed; one key per account. */
  private keyOf(email: string): string {
    return `${this.prefix}:{${createHash('sha256').update(email.trim().toLowerCase()).digest('base64url').slice(0, 22)}}`;
  }

  private redisFailed(error: unknown): null {
    this.logger.warn({ msg: 'login backoff unavailable (Redis); letting the attempt through', error: String(error) });
    return null;
  }
}
