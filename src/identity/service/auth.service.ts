import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import type { Principal } from '../../../libs/auth/principal.js';
import { APP_CONFIG, type AppConfig } from '../../../libs/config/app-config.js';
import { DomainError } from '../../../libs/errors/domain-error.js';
import { hashApiKey, looksLikeApiKey } from '../domain/api-key.js';
import { verifyAgainstNoPassword, verifyPassword } from '../domain/password.js';
import { PlanCatalog } from '../domain/plan-catalog.js';
import { assertActive, type User } from '../domain/user.js';
import { UserRepository } from '../repository/user.repository.js';
import { LoginThrottle } from './login-throttle.js';
import { PrincipalCache } from './principal-cache.js';

interface TokenClaims {
  sub: string;
  role: string;
}

export interface IssuedToken {
  accessToken: string;
  tokenType: 'Bearer';
  expiresIn: number;
  user: User;
}

const unauthenticated = (message = 'missing or invalid credentials'): DomainError => new DomainError('UNAUTHENTICATED', message);

@Injectable()
export class AuthService {
  constructor(
    private readonly users: UserRepository,
    private readonly jwt: JwtService,
    private readonly plans: PlanCatalog,
    private readonly principals: PrincipalCache,
    private readonly loginThrottle: LoginThrottle,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async login(email: string, password: string): Promise<IssuedToken> {
    await this.loginThrottle.assertMayTry(email);
    const user = await this.users.findByEmail(email);
    // Same answer, and the same scrypt work, for an unknown email and a wrong password: which accounts exist
    // shows neither in the answer nor in its timing.
    const valid = user?.passwordHash ? await verifyPassword(password, user.passwordHash) : await verifyAgainstNoPassword(password);
    if (!user || !valid) {
      await this.loginThrottle.recordFailure(email);
      throw unauthenticated('wrong email or password');
    }
    await this.loginThrottle.recordSuccess(email);
    assertActive(user);
    return this.issue(user, this.config.jwtTtlSeconds);
  }

  /** A short-lived token for a new guest account (role guest, guest plan). */
  async guest(): Promise<IssuedToken> {
    const now = new Date();
    const user: User = { id: randomUUID(), email: null, passwordHash: null, role: 'guest', plan: 'guest', status: 'active', legalHold: false, createdAt: now, updatedAt: now };
    await this.users.insert(user);
    return this.issue(user, this.config.guestTtlSeconds);
  }

  /** Turns a bearer token (API key or JWT) into the caller (cached for two seconds: see PrincipalCache). */
  async authenticate(token: string): Promise<Principal> {
    const cached = this.principals.get(token);
    if (cached) return cached;
    const lookedUpAt = Date.now();
    const principal = await this.lookUp(token);
    this.principals.set(token, principal, lookedUpAt);
    return principal;
  }

  private async lookUp(token: string): Promise<Principal> {
    let user: User | null;
    let via: Principal['via'];
    if (looksLikeApiKey(token)) {
      user = await this.users.findByApiKeyHash(hashApiKey(token));
      via = 'api-key';
    } else {
      const claims = await this.jwt.verifyAsync<TokenClaims>(token).catch(() => null);
      if (!claims?.sub) throw unauthenticated('invalid or expired token');
      user = await this.users.findById(claims.sub);
      via = 'jwt';
    }
    if (!user) throw unauthenticated();
    assertActive(user);
    return { userId: user.id, email: user.email, role: user.role, plan: this.plans.get(user.plan), via };
  }

  private async issue(user: User, ttlSeconds: number): Promise<IssuedToken> {
    const claims: TokenClaims = { sub: user.id, role: user.role };
    const accessToken = await this.jwt.signAsync(claims, { expiresIn: ttlSeconds });
    return { accessToken, tokenType: 'Bearer', expiresIn: ttlSeconds, user };
  }
}
