/** Plain types shared by every context: who is calling and what their plan grants. No framework here. */
export type Role = 'admin' | 'user' | 'guest';
export type ModelTier = 'standard' | 'premium';

/** What a plan grants: models by tier and context size (config/plans.json). */
export interface PlanPolicy {
  id: string;
  tiers: ModelTier[];
  maxContextTokens: number;
  /** Whether messages that fall out of the window are summarised in the background. */
  summaries?: boolean;
  /** A system prompt layer for everyone on this plan. */
  systemPrompt?: string;
}

/** The authenticated caller, attached to every /v1 request by identity's guard. */
export interface Principal {
  userId: string;
  email: string | null;
  role: Role;
  plan: PlanPolicy;
  /** How the caller authenticated: a JWT (login or guest) or an API key. */
  via: 'jwt' | 'api-key';
}
