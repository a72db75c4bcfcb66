import { Injectable } from '@nestjs/common';
import type { ModelTier, Principal } from '../../libs/auth/principal.js';
import { assertPlanAllowsTier } from './domain/plan-catalog.js';

/** Identity's public face for other contexts: what a caller's plan entitles them to. */
@Injectable()
export class IdentityFacade {
  /** Throws MODEL_NOT_ALLOWED when the caller's plan lacks the model's tier. */
  assertMayUseModel(principal: Principal, model: { id: string; tier: ModelTier }): void {
    assertPlanAllowsTier(principal.plan, model.id, model.tier);
  }

  mayUseTier(principal: Principal, tier: ModelTier): boolean {
    return principal.plan.tiers.includes(tier);
  }
}
