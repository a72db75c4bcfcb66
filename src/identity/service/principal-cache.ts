import { Inject, Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import type { Redis } from 'ioredis';
import type { Principal } from '../../../libs/auth/principal.js';
import { APP_CONFIG, type AppConfig } from '../../../libs/config/app-config.js';
import { REDIS } from '../../../libs/queue/redis.js';

/** How long an authenticated token is trusted without reading the user again (the backstop when a notice is lost). */
export const PRINCIPAL_TTL_MS = 2000;
const MAX_ENTRIES = 50_000;
const MAX_INVALIDATIONS = 100_000;

/**
 * Saves the user lookup on the hot path: a token seen in the last two seconds maps to its caller. A change to
 * a user (suspension, role, plan, a revoked key) is published on Redis, and every instance forgets that user at
 * once; a lookup that began before the change cannot put the old caller back (entries carry when their lookup
 * started). Without Redis there is one instance, which forgets locally.
 */
@Injectable()
export class PrincipalCache implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('PrincipalCache');
  private readonly byToken = new Map<string, { principal: Principal; expiresAt: number }>();
  /** When each user was last changed: cached lookups that started before are stale. */
  private readonly changedAt = new Map<string, number>();
  private subscriber: Redis | null = null;
  private readonly channel: string;

  constructor(
    @Inject(REDIS) private readonly redis: Redis | null,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.channel = `${config.redisPrefix}:principal-changes`;
  }

  async onModuleInit(): Promise<void> {
    if (!this.redis) return;
    const subscriber = this.redis.duplicate();
    subscriber.on('error', () => undefined); // reconnects by itself; entries still expire after PRINCIPAL_TTL_MS
    subscriber.on('message', (_channel: string, userId: string) => this.forgetLocally(userId));
    this.subscriber = subscriber;
    await subscriber.subscribe(this.channel).catch((error: unknown) => this.logger.warn({ msg: 'could not subscribe to principal changes; relying on the 2 s expiry', error: String(error) }));
  }

  async onApplicationShutdown(): Promise<void> {
    await this.subscriber?.quit().catch(() => this.subscriber?.disconnect());
  }

  get(token: string): Principal | null {
    const entry = this.byToken.get(token);
    if (!entry) return null;
    if (entry.expiresAt < Date.now()) {
      this.byToken.delete(token);
      return null;
    }
    return entry.principal;
  }

  /** `lookedUpAt`: when the lookup that produced `principal` began. */
  set(token: string, principal: Principal, lookedUpAt: number): void {
    if ((this.changedAt.get(principal.userId) ?? -1) >= lookedUpAt) return;
    if (this.byToken.size >= MAX_ENTRIES) this.byToken.clear();
    this.byToken.set(token, { principal, expiresAt: Date.now() + PRINCIPAL_TTL_MS });
  }

  /** The user changed: forget them here, and tell every other instance. */
  async forgetUser(userId: string): Promise<void> {
    this.forgetLocally(userId);
    await this.redis?.publish(this.channel, userId).catch((error: unknown) => this.logger.warn({ msg: 'could not announce a principal change; other instances see it within 2 s', userId, error: String(error) }));
  }

  private forgetLocally(userId: string): void {
    if (this.changedAt.size >= MAX_INVALIDATIONS) this.changedAt.clear();
    this.changedAt.set(userId, Date.now());
    for (const [token, entry] of this.byToken) if (entry.principal.userId === userId) this.byToken.delete(token);
  }
}
