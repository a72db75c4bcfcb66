import type { ModelTier, PlanPolicy } from '../../../libs/auth/principal.js';
import { DomainError } from '../../../libs/errors/domain-error.js';

export type Plan = PlanPolicy;

/** The plans gus sells (config/plans.json): which model tiers each may use and how much context. */
export class PlanCatalog {
  private readonly plans: Map<string, Plan>;

  constructor(plans: Plan[]) {
    if (plans.length === 0) throw new Error('the plan catalogue is empty');
    for (const plan of plans) {
      if (!plan.id || !Array.isArray(plan.tiers) || !(plan.maxContextTokens > 0)) {
        throw new Error(`plan ${JSON.stringify(plan.id)} is malformed`);
      }
    }
    this.plans = new Map(plans.map((plan) => [plan.id, plan]));
    for (const required of ['guest', 'free']) {
      if (!this.plans.has(required)) throw new Error(`the plan catalogue must define the "${required}" plan`);
    }
  }

  ids(): string[] {
    return [...this.plans.keys()];
  }

  get(id: string): Plan {
    const plan = this.plans.get(id);
    if (!plan) throw new DomainError('INVALID_REQUEST', `unknown plan "${id}" (known: ${this.ids().join(', ')})`);
    return plan;
  }

  has(id: string): boolean {
    return this.plans.has(id);
  }
}

export function assertPlanAllowsTier(plan: Plan, modelId: string, tier: ModelTier): void {
  if (!plan.tiers.includes(tier)) {
    throw new DomainError('MODEL_NOT_ALLOWED', `model "${modelId}" is ${tier}; the ${plan.id} plan does not include it`);
  }
}
