import { Injectable } from '@nestjs/common';
import type { ModelTier, PlanPolicy, Principal } from '../../libs/auth/principal.js';
import { PlanCatalog, assertPlanAllowsTier } from './domain/plan-catalog.js';
import { AuthService } from './service/auth.service.js';
import { UsersService } from './service/users.service.js';

/** Identity's public face for other contexts: what a caller's plan entitles them to, and suspension. */
@Injectable()
export class IdentityFacade {
  constructor(
    private readonly users: UsersService,
    private readonly plans: PlanCatalog,
    private readonly auth: AuthService,
  ) {}

  /** The caller behind a bearer token (API key or JWT), for routes outside Nest's guards (the queue dashboard). */
  authenticate(token: string): Promise<Principal> {
    return this.auth.authenticate(token);
  }

  /** Whether any plan asks for its users' payloads to be audited (the audit hooks are installed only then). */
  anyPlanLogsPayloads(): boolean {
    return this.plans.ids().some((id) => this.plans.get(id).payloadLogging === true);
  }

  /**
   * Suspends an active account at once (403 ACCOUNT_SUSPENDED on every route); an admin lifts it. True only for
   * the call that suspended it: of several detectors (or instances) deciding together, one records the suspension.
   */
  async suspend(userId: string): Promise<boolean> {
    return this.users.suspendIfActive(userId);
  }

  /** The account as its owner may export it (no password hash). */
  async profile(userId: string): Promise<{ id: string; email: string | null; role: string; plan: string; status: string; createdAt: Date }> {
    const user = await this.users.get(userId);
    return { id: user.id, email: user.email, role: user.role, plan: user.plan, status: user.status, createdAt: user.createdAt };
  }

  /** The user's API keys without their hashes. */
  apiKeys(userId: string): Promise<Array<{ id: string; name: string; prefix: string; createdAt: Date; revokedAt: Date | null }>> {
    return this.users.listApiKeys(userId);
  }

  /** Suspends the account and revokes every key, on every instance (NOT_FOUND, or CONFLICT for the last admin). */
  async beginErasure(userId: string): Promise<void> {
    await this.users.beginErasure(userId);
  }

  /** Deletes the account once its data is erased: no token or key of it authenticates again. */
  deleteAccount(userId: string): Promise<void> {
    return this.users.deleteAccount(userId);
  }

  /** Every plan of the catalogue (background jobs apply per-plan settings such as retention). */
  allPlans(): PlanPolicy[] {
    return this.plans.ids().map((id) => this.plans.get(id));
  }

  /** Throws MODEL_NOT_ALLOWED when the caller's plan lacks the model's tier. */
  assertMayUseModel(principal: Principal, model: { id: string; tier: ModelTier }): void {
    assertPlanAllowsTier(principal.plan, model.id, model.tier);
  }
}
