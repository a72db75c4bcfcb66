import type { ModelTier, PlanPolicy, RateLimits, TokenQuotas } from '../../../libs/auth/principal.js';
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
      assertValidRateLimits(plan.id, plan.rateLimits);
      if (plan.quotas !== undefined) assertValidQuotas(plan.id, plan.quotas);
      if (plan.abuse !== undefined && !(Number.isInteger(plan.abuse.suspendAfter) && plan.abuse.suspendAfter > 0 && plan.abuse.windowMinutes > 0)) {
        throw new Error(`plan "${plan.id}" abuse needs suspendAfter (a positive integer) and windowMinutes (> 0)`);
      }
      if (plan.payloadLogging !== undefined && typeof plan.payloadLogging !== 'boolean') throw new Error(`plan "${plan.id}" payloadLogging must be true or false`);
      assertValidModerationSettings(plan);
      assertValidRetention(plan);
    }
    this.plans = new Map(plans.map((plan) => [plan.id, plan]));
    for (const required of ['guest', 'free']) {
      if (!this.plans.has(required)) throw new Error(`the plan catalogue must define the "${required}" plan`);
    }
  }

  ids(): string[] {
    return [...this.plans.keys()];
  }

  /** Every plan, in catalogue order. */
  list(): Plan[] {
    return [...this.plans.values()];
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

/** Every plan limits requests per minute, hour and day; a wider window never allows fewer than a narrower one. */
function assertValidRateLimits(planId: string, limits: RateLimits | undefined): void {
  const windows = ['perMinute', 'perHour', 'perDay'] as const;
  if (!limits || windows.some((window) => !Number.isInteger(limits[window]) || limits[window] < 1)) {
    throw new Error(`plan "${planId}" needs rateLimits { perMinute, perHour, perDay } as positive integers`);
  }
  if (limits.perHour < limits.perMinute || limits.perDay < limits.perHour) {
    throw new Error(`plan "${planId}" rateLimits must satisfy perMinute <= perHour <= perDay`);
  }
  if (limits.softLimitRatio !== undefined && !(typeof limits.softLimitRatio === 'number' && limits.softLimitRatio > 0 && limits.softLimitRatio <= 1)) {
    throw new Error(`plan "${planId}" rateLimits.softLimitRatio must be a number in (0, 1]`);
  }
}

/** Moderation settings are optional; when set, a token limit is a positive integer and the policy block or flag. */
function assertValidModerationSettings(plan: Plan): void {
  if (plan.maxMessageTokens !== undefined && !(Number.isInteger(plan.maxMessageTokens) && plan.maxMessageTokens > 0)) {
    throw new Error(`plan "${plan.id}" maxMessageTokens must be a positive integer`);
  }
  if (plan.injectionPolicy !== undefined && plan.injectionPolicy !== 'block' && plan.injectionPolicy !== 'flag') {
    throw new Error(`plan "${plan.id}" injectionPolicy must be "block" or "flag"`);
  }
  if (plan.spotlighting !== undefined && !['off', 'delimit', 'datamark'].includes(plan.spotlighting)) {
    throw new Error(`plan "${plan.id}" spotlighting must be "off", "delimit" or "datamark"`);
  }
  const guard = plan.guard;
  if (guard === undefined) return;
  if (!['never', 'uncertain', 'always'].includes(guard.mode) || (guard.mode !== 'never' && !(typeof guard.model === 'string' && guard.model))) {
    throw new Error(`plan "${plan.id}" guard needs mode "never", "uncertain" or "always", and a model`);
  }
  if (guard.timeoutMs !== undefined && !(Number.isInteger(guard.timeoutMs) && guard.timeoutMs > 0)) throw new Error(`plan "${plan.id}" guard.timeoutMs must be a positive integer`);
  if (guard.onError !== undefined && guard.onError !== 'allow' && guard.onError !== 'block') throw new Error(`plan "${plan.id}" guard.onError must be "allow" or "block"`);
  const band = guard.band;
  if (band !== undefined && !(Array.isArray(band) && band.length === 2 && band[0] >= 0 && band[0] < band[1] && band[1] <= 1)) {
    throw new Error(`plan "${plan.id}" guard.band must be [lo, hi] with 0 <= lo < hi <= 1`);
  }
}

function assertValidRetention(plan: Plan): void {
  if (plan.titles !== undefined && typeof plan.titles !== 'boolean') throw new Error(`plan "${plan.id}" titles must be true or false`);
  const grace = plan.resumableGraceSeconds;
  if (grace !== undefined && !(typeof grace === 'number' && Number.isFinite(grace) && grace > 0)) throw new Error(`plan "${plan.id}" resumableGraceSeconds must be a positive number`);
  const retention = plan.retention;
  if (retention === undefined) return;
  const positive = (value: unknown) => value === undefined || (typeof value === 'number' && Number.isFinite(value) && value > 0);
  if (typeof retention !== 'object' || retention === null || !positive(retention.days) || !positive(retention.temporaryMinutes)) {
    throw new Error(`plan "${plan.id}" retention needs days and temporaryMinutes as positive numbers (or unset)`);
  }
}

export function assertPlanAllowsTier(plan: Plan, modelId: string, tier: ModelTier): void {
  if (!plan.tiers.includes(tier)) {
    throw new DomainError('MODEL_NOT_ALLOWED', `model "${modelId}" is ${tier}; the ${plan.id} plan does not include it`);
  }
}

function assertValidQuotas(planId: string, quotas: TokenQuotas): void {
  const positive = (value: unknown) => Number.isInteger(value) && (value as number) > 0;
  if (!positive(quotas.tokensPerDay) || !positive(quotas.tokensPerMonth)) {
    throw new Error(`plan "${planId}" quotas need tokensPerDay and tokensPerMonth as positive integers`);
  }
  if (quotas.tokensPerDay > quotas.tokensPerMonth) throw new Error(`plan "${planId}" quotas must satisfy tokensPerDay <= tokensPerMonth`);
  const ratio = quotas.softLimitRatio;
  if (ratio !== undefined && !(typeof ratio === 'number' && ratio > 0 && ratio <= 1)) throw new Error(`plan "${planId}" quotas.softLimitRatio must be in (0, 1]`);
}
