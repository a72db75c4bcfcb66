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
  /**
   * Pasted material (documents, e-mails, web pages, tool output) in the prompt is marked as data: between
   * delimiters (`delimit`), or delimited with every space replaced by a mark (`datamark`), with a system-layer
   * instruction saying so. Unset: off.
   */
  spotlighting?: SpotlightingMode;
  /** A guard model that judges user messages beside the detector. Unset: never. */
  guard?: GuardPolicy;
  /** Suspend a user whose abuse flags (weighted by severity) reach `suspendAfter` within `windowMinutes`. */
  abuse?: { suspendAfter: number; windowMinutes: number };
  /** Write this plan's users' redacted request and response payloads to the audit table (opt-in). */
  payloadLogging?: boolean;
  /** Tokens (prompt + completion) per UTC day and month; unset: no quota. */
  quotas?: TokenQuotas;
  /** A conversation created without a title gets one from its first turn, by its model, billed as `title` usage. */
  titles?: boolean;
  /** A resumable stream whose client went away keeps generating this long for a reconnect (default 30). */
  resumableGraceSeconds?: number;
  /** How long conversations are kept (see RetentionPolicy); unset: for ever, temporary ones 60 minutes. */
  retention?: RetentionPolicy;
}

/**
 * Conversations are deleted `days` after their last activity (the last message, else their creation); unset: kept
 * for ever. Temporary conversations go `temporaryMinutes` after their last activity (default 60). Fractions allowed.
 */
export interface RetentionPolicy {
  days?: number;
  temporaryMinutes?: number;
}

export const DEFAULT_TEMPORARY_MINUTES = 60;
export const DEFAULT_RESUMABLE_GRACE_SECONDS = 30;

/** Token quotas of a plan: past softLimitRatio of a period a turn is warned, past the limit it is refused. */
export interface TokenQuotas {
  tokensPerDay: number;
  tokensPerMonth: number;
  /** Default 0.8. */
  softLimitRatio?: number;
}

export type InjectionPolicy = 'block' | 'flag';

export type SpotlightingMode = 'off' | 'delimit' | 'datamark';

/** When and how a plan's messages are judged by a guard model (a catalogue entry marked `guard`). */
export interface GuardPolicy {
  /** never; only for messages whose detector score is in `band` (uncertain); or for every message (always). */
  mode: 'never' | 'uncertain' | 'always';
  /** The guard model's catalogue id. */
  model: string;
  /** How long the guard may take; past it, `onError` decides. Default 1500. */
  timeoutMs?: number;
  /** A guard that fails or times out lets the message through (fail-open) or refuses it (fail-closed). Default allow. */
  onError?: 'allow' | 'block';
  /** Detector scores [lo, hi) that count as uncertain. Default [0.15, 0.5). */
  band?: [number, number];
}

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
