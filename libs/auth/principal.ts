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
  /** Requests per user and window, over every authenticated /v1 route. */
  rateLimits: RateLimits;
  /** Longest accepted message in tokens (moderation); unset: only the character limit applies. */
  maxMessageTokens?: number;
  /** A suspected prompt injection is refused (`block`, 400 PROMPT_INJECTION) or let through and flagged. Unset: block. */
  injectionPolicy?: InjectionPolicy;
  /** Suspend a user whose abuse flags (weighted by severity) reach `suspendAfter` within `windowMinutes`. */
  abuse?: { suspendAfter: number; windowMinutes: number };
  /** Write this plan's users' redacted request and response payloads to the audit table (opt-in). */
  payloadLogging?: boolean;
  /** Tokens (prompt + completion) per UTC day and month; unset: no quota. */
  quotas?: TokenQuotas;
}

/** Token quotas of a plan: past softLimitRatio of a period a turn is warned, past the limit it is refused. */
export interface TokenQuotas {
  tokensPerDay: number;
  tokensPerMonth: number;
  /** Default 0.8. */
  softLimitRatio?: number;
}

export type InjectionPolicy = 'block' | 'flag';

/** Request rate limits of a plan (fixed windows of a minute, an hour and a day). */
export interface RateLimits {
  perMinute: number;
  perHour: number;
  perDay: number;
  /** Past this fraction of a window the request is served with a warning (X-RateLimit-Warning). Default 0.8. */
  softLimitRatio?: number;
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
