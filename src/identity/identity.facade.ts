import { Injectable } from '@nestjs/common';
import type { ModelTier, Principal } from '../../libs/auth/principal.js';
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

  /** Suspends an account at once (403 ACCOUNT_SUSPENDED on every route); an admin lifts it. */
  async suspend(userId: string): Promise<void> {
    await this.users.update(userId, { status: 'suspended' });
  }

  /** Throws MODEL_NOT_ALLOWED when the caller's plan lacks the model's tier. */
  assertMayUseModel(principal: Principal, model: { id: string; tier: ModelTier }): void {
    assertPlanAllowsTier(principal.plan, model.id, model.tier);
  }
}
