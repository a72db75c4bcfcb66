import { randomBytes, randomUUID } from 'node:crypto';
import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../../../libs/config/app-config.js';
import { DomainError, invalid, notFound } from '../../../libs/errors/domain-error.js';
import { generateApiKey } from '../domain/api-key.js';
import { hashPassword } from '../domain/password.js';
import { PlanCatalog, type Plan } from '../domain/plan-catalog.js';
import { normaliseEmail, type Role, type User, type UserStatus } from '../domain/user.js';
import { UserRepository, decodeCursor, type UserPage } from '../repository/user.repository.js';
import { PrincipalCache } from './principal-cache.js';

export interface NewUser {
  email: string;
  password?: string;
  role?: Role;
  plan?: string;
}

export interface UserChanges {
  role?: Role;
  plan?: string;
  status?: UserStatus;
  legalHold?: boolean;
}

/** The first admin's email when GUS_ADMIN_EMAIL is not set. */
export const FIRST_ADMIN_EMAIL = 'admin@gus.local';

@Injectable()
export class UsersService implements OnApplicationBootstrap {
  private readonly logger = new Logger('UsersService');

  constructor(
    private readonly users: UserRepository,
    private readonly plans: PlanCatalog,
    private readonly principals: PrincipalCache,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** The first admin comes from GUS_ADMIN_EMAIL / GUS_ADMIN_PASSWORD, created at start if missing. */
  async onApplicationBootstrap(): Promise<void> {
    const { adminEmail, adminPassword } = this.config;
    if (!adminEmail || !adminPassword) {
      if ((await this.users.countAdmins()) === 0 && this.config.role !== 'worker') await this.createFirstAdmin();
      return;
    }
    if (await this.users.findByEmail(adminEmail)) return;
    await this.create({ email: adminEmail, password: adminPassword, role: 'admin', plan: this.plans.has('pro') ? 'pro' : 'free' }).catch((error: unknown) => {
      // Another instance starting at the same time may have created it first.
      if (!(error instanceof DomainError && error.code === 'CONFLICT')) throw error;
    });
    this.logger.log('created the first admin from GUS_ADMIN_EMAIL');
  }

  /**
   * A first run without GUS_ADMIN_EMAIL / GUS_ADMIN_PASSWORD: an admin with a random password, printed once
   * on stdout (not through the logger, which scrubs passwords and emails). Only its hash is stored.
   */
  private async createFirstAdmin(): Promise<void> {
    const email = FIRST_ADMIN_EMAIL;
    const password = randomBytes(18).toString('base64url');
    try {
      await this.create({ email, password, role: 'admin', plan: this.plans.has('pro') ? 'pro' : 'free' });
    } catch (error) {
      if (error instanceof DomainError && error.code === 'CONFLICT') return; // another instance made it first
      throw error;
    }
    this.logger.warn('no admin existed: created one with a one-time password, printed below (set GUS_ADMIN_EMAIL and GUS_ADMIN_PASSWORD to choose them)');
    process.stdout.write(
      `\n  First run: an admin account was created. Log in with it and change what you need:\n` +
        `    email:    ${email}\n    password: ${password}\n  This password is shown only now.\n\n`,
    );
  }

  async create(input: NewUser): Promise<User> {
    const plan = this.plans.get(input.plan ?? 'free').id;
    const email = normaliseEmail(input.email);
    if (await this.users.findByEmail(email)) throw new DomainError('CONFLICT', 'a user with this email already exists');
    const now = new Date();
    const user: User = {
      id: randomUUID(),
      email,
      passwordHash: input.password ? await hashPassword(input.password) : null,
      role: input.role ?? 'user',
      plan,
      status: 'active',
      legalHold: false,
      createdAt: now,
      updatedAt: now,
    };
    try {
      await this.users.insert(user);
    } catch (error) {
      if ((error as { code?: string }).code === '23505') throw new DomainError('CONFLICT', 'a user with this email already exists');
      throw error;
    }
    return user;
  }

  /** The plans a user may be given (create or update accepts any of them). */
  assignablePlans(): Plan[] {
    return this.plans.list();
  }

  async list(query: { limit: number; cursor?: string; role?: Role; status?: UserStatus }): Promise<UserPage> {
    const after = query.cursor ? decodeCursor(query.cursor) : undefined;
    if (after === null) throw invalid('cursor is malformed');
    return this.users.list({ limit: query.limit, after, role: query.role, status: query.status });
  }

  async update(id: string, changes: UserChanges): Promise<User> {
    const user = await this.users.findById(id);
    if (!user) throw notFound('user');
    if (changes.plan !== undefined) this.plans.get(changes.plan);
    const updated: User = { ...user, ...definedOnly(changes), updatedAt: new Date() };
    await this.users.update(updated);
    await this.principals.forgetUser(id);
    return updated;
  }

  /** Suspends an active account; false when it was not active (already suspended by another call or instance). */
  async suspendIfActive(id: string): Promise<boolean> {
    const changed = await this.users.suspendIfActive(id, new Date());
    if (changed) await this.principals.forgetUser(id);
    return changed;
  }

  async get(id: string): Promise<User> {
    const user = await this.users.findById(id);
    if (!user) throw notFound('user');
    return user;
  }

  async listApiKeys(userId: string): Promise<Array<{ id: string; name: string; prefix: string; createdAt: Date; revokedAt: Date | null }>> {
    await this.get(userId);
    return (await this.users.listApiKeys(userId)).map((key) => ({ id: key.id, name: key.name, prefix: key.keyPrefix, createdAt: key.createdAt, revokedAt: key.revokedAt }));
  }

  /** Revokes a key; every instance stops accepting it at once (see PrincipalCache). */
  async revokeApiKey(userId: string, keyId: string): Promise<void> {
    if (!(await this.users.revokeApiKey(userId, keyId, new Date()))) throw notFound('api key');
    await this.principals.forgetUser(userId);
  }

  /**
   * The first step of erasing a user: the account is suspended and every key revoked, on every instance at once,
   * so nothing the user sends is accepted while their data is erased. The last admin cannot be erased.
   */
  async beginErasure(userId: string): Promise<User> {
    const user = await this.get(userId);
    if (user.legalHold) throw new DomainError('CONFLICT', 'the user is under a legal hold: nothing of theirs can be erased until it is lifted');
    if (user.role === 'admin' && (await this.users.countAdmins()) <= 1) throw new DomainError('CONFLICT', 'the last admin cannot be erased');
    await this.users.update({ ...user, status: 'suspended', updatedAt: new Date() });
    await this.users.revokeAllApiKeys(userId, new Date());
    await this.principals.forgetUser(userId);
    return user;
  }

  /** The last step: the account itself (its email and password hash) is deleted; its tokens authenticate no one. */
  async deleteAccount(userId: string): Promise<void> {
    await this.users.delete(userId);
    await this.principals.forgetUser(userId);
  }

  /** Issues an API key for a user; the plaintext is returned once and never stored. */
  async issueApiKey(userId: string, name: string): Promise<{ id: string; key: string; prefix: string; createdAt: Date }> {
    await this.get(userId);
    const { plaintext, hash, prefix } = generateApiKey();
    const key = { id: randomUUID(), userId, name, keyHash: hash, keyPrefix: prefix, createdAt: new Date(), revokedAt: null };
    await this.users.insertApiKey(key);
    return { id: key.id, key: plaintext, prefix, createdAt: key.createdAt };
  }
}

function definedOnly<T extends object>(changes: T): Partial<T> {
  return Object.fromEntries(Object.entries(changes).filter(([, value]) => value !== undefined)) as Partial<T>;
}
