import { Injectable, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { InjectThrottlerOptions, InjectThrottlerStorage, ThrottlerGuard, type ThrottlerModuleOptions, type ThrottlerRequest } from '@nestjs/throttler';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { IS_PUBLIC } from '../../../libs/auth/auth.decorators.js';
import type { Principal } from '../../../libs/auth/principal.js';
import { DomainError } from '../../../libs/errors/domain-error.js';
import { addRequestWarnings } from '../../../libs/http/request-warnings.js';
import { planWindows, rateLimitStatus, retryAfterSeconds, softLimitWarnings, type RateWindow } from '../domain/rate-limit.js';
import { RateLimitStorage } from './rate-limit.storage.js';

/**
 * Request rate limits on every /v1 route (PRODUCT.md §3–4). An authenticated caller is counted by user
 * id against the minute, hour and day limits of their plan, admins included; a route without credentials
 * (login, guest) by client IP against the module's `default` throttler, per minute. /health, /metrics and
 * /docs are not limited.
 *
 * It must run after identity's BearerAuthGuard, which puts the caller on req.user: both are global guards
 * and Nest runs those in module order, IdentityModule (which imports UsageModule) first. Should that
 * ever change, authenticated routes fail loudly here instead of being counted per IP.
 */
@Injectable()
export class RateLimitGuard extends ThrottlerGuard {
  constructor(
    @InjectThrottlerOptions() options: ThrottlerModuleOptions,
    @InjectThrottlerStorage() private readonly counters: RateLimitStorage,
    reflector: Reflector,
  ) {
    super(options, counters, reflector);
  }

  protected override async shouldSkip(context: ExecutionContext): Promise<boolean> {
    return context.getType() !== 'http' || !context.switchToHttp().getRequest<FastifyRequest>().url.startsWith('/v1/');
  }

  protected override async handleRequest({ context, limit, ttl, getTracker, generateKey, throttler }: ThrottlerRequest): Promise<boolean> {
    const req = context.switchToHttp().getRequest<FastifyRequest & { user?: Principal }>();
    const isPublic = this.isPublic(context);
    if (isPublic && limit === 0) return true;
    const limits = isPublic ? undefined : this.callerOf(req).plan.rateLimits;
    const windows: RateWindow[] = limits ? planWindows(limits) : [{ name: 'minute', limit, ttlMs: ttl }];
    const key = generateKey(context, await getTracker(req, context), throttler.name ?? 'default');
    return this.count(context, key, windows, limits?.softLimitRatio);
  }

  /** The signed-in user when there is one, else the client address (IPv6 by /64, as the base class does). */
  protected override async getTracker(req: FastifyRequest & { user?: Principal }): Promise<string> {
    return req.user ? `user:${req.user.userId}` : `ip:${await super.getTracker(req)}`;
  }

  /** One counter set per caller across all routes, not one per route as the base class keys it. */
  protected override generateKey(_context: ExecutionContext, tracker: string): string {
    return tracker;
  }

  private async count(context: ExecutionContext, key: string, windows: RateWindow[], softLimitRatio: number | undefined): Promise<boolean> {
    const verdict = await this.counters.hit(key, windows);
    const status = rateLimitStatus(verdict);
    const reply = context.switchToHttp().getResponse<FastifyReply>();
    void reply.header('X-RateLimit-Limit', String(status.limit));
    void reply.header('X-RateLimit-Remaining', String(status.remaining));
    void reply.header('X-RateLimit-Reset', String(status.resetSeconds));
    if (verdict.allowed) {
      const warnings = softLimitWarnings(verdict, softLimitRatio);
      if (warnings.length > 0) {
        void reply.header('X-RateLimit-Warning', warnings.join('; '));
        addRequestWarnings(context.switchToHttp().getRequest<FastifyRequest>(), warnings);
      }
      return true;
    }
    const retryAfter = retryAfterSeconds(verdict);
    throw new DomainError('RATE_LIMITED', `rate limit reached: ${status.limit} requests per ${status.window}; retry in ${retryAfter} s`, {
      'Retry-After': String(retryAfter),
    });
  }

  private isPublic(context: ExecutionContext): boolean {
    return this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, [context.getHandler(), context.getClass()]) === true;
  }

  private callerOf(req: { user?: Principal }): Principal {
    if (!req.user) throw new Error('RateLimitGuard ran before authentication: the global guards are registered in the wrong order');
    return req.user;
  }
}
