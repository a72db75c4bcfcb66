import { resolve } from 'node:path';

/** Which processes this instance runs: the HTTP API, the background workers, or both. */
export type GusRole = 'all' | 'api' | 'worker';

/** Every setting of gus, read once from the environment (PRODUCT.md §5). */
export interface AppConfig {
  port: number;
  host: string;
  /** Unset: embedded PGlite in dataDir. */
  databaseUrl?: string;
  dataDir: string;
  /** Unset: in-process queue and limiter storage. */
  redisUrl?: string;
  /** Prefix for every Redis key and BullMQ queue of this deployment (tests isolate runs with it). */
  redisPrefix: string;
  /** Unset: the built-in model simulator, started in-process. */
  ollamaHost?: string;
  adminEmail?: string;
  adminPassword?: string;
  /** Unset: generated once and kept in dataDir. */
  jwtSecret?: string;
  jwtTtlSeconds: number;
  guestTtlSeconds: number;
  role: GusRole;
  modelCatalogPath: string;
  planCatalogPath: string;
  /** Ceiling for one model call before LLM_TIMEOUT. */
  llmTimeoutMs: number;
  /** Max characters in one message (moderation's first check). */
  maxMessageChars: number;
  logLevel: 'debug' | 'info' | 'warn' | 'error';
  /** How often the usage outbox relay looks for events not yet handed to the queue. */
  outboxPollMs: number;
  /** Global and per-model system prompt layers. */
  systemPromptsPath: string;
  /** An active conversation idle this long becomes inactive. */
  inactiveAfterSeconds: number;
  /** How often the idle sweeper runs. */
  idleSweepMs: number;
}

export const APP_CONFIG = Symbol('APP_CONFIG');

export function loadConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  const role = env.GUS_ROLE ?? 'all';
  if (role !== 'all' && role !== 'api' && role !== 'worker') {
    throw new Error(`GUS_ROLE must be all, api or worker (got "${role}")`);
  }
  const logLevel = env.LOG_LEVEL ?? 'info';
  if (!['debug', 'info', 'warn', 'error'].includes(logLevel)) throw new Error(`LOG_LEVEL "${logLevel}" is not one of debug, info, warn, error`);
  return {
    port: int(env.PORT, 3000, 'PORT'),
    host: env.HOST || '0.0.0.0',
    databaseUrl: env.DATABASE_URL || undefined,
    dataDir: resolve(env.GUS_DATA_DIR || '.gus-data'),
    redisUrl: env.REDIS_URL || undefined,
    redisPrefix: env.GUS_REDIS_PREFIX || 'gus',
    ollamaHost: env.OLLAMA_HOST || undefined,
    adminEmail: env.GUS_ADMIN_EMAIL || undefined,
    adminPassword: env.GUS_ADMIN_PASSWORD || undefined,
    jwtSecret: env.JWT_SECRET || undefined,
    jwtTtlSeconds: int(env.GUS_JWT_TTL_SECONDS, 12 * 3600, 'GUS_JWT_TTL_SECONDS'),
    guestTtlSeconds: int(env.GUS_GUEST_TTL_SECONDS, 3600, 'GUS_GUEST_TTL_SECONDS'),
    role,
    modelCatalogPath: resolve(env.GUS_MODELS_FILE || 'config/models.json'),
    planCatalogPath: resolve(env.GUS_PLANS_FILE || 'config/plans.json'),
    llmTimeoutMs: int(env.GUS_LLM_TIMEOUT_MS, 120_000, 'GUS_LLM_TIMEOUT_MS'),
    maxMessageChars: int(env.GUS_MAX_MESSAGE_CHARS, 32_000, 'GUS_MAX_MESSAGE_CHARS'),
    logLevel: logLevel as AppConfig['logLevel'],
    outboxPollMs: int(env.GUS_OUTBOX_POLL_MS, 1000, 'GUS_OUTBOX_POLL_MS'),
    systemPromptsPath: resolve(env.GUS_SYSTEM_PROMPTS_FILE || 'config/system-prompts.json'),
    inactiveAfterSeconds: int(env.GUS_INACTIVE_AFTER_SECONDS, 7 * 24 * 3600, 'GUS_INACTIVE_AFTER_SECONDS'),
    idleSweepMs: int(env.GUS_IDLE_SWEEP_MS, 60_000, 'GUS_IDLE_SWEEP_MS'),
  };
}

function int(raw: string | undefined, fallback: number, name: string): number {
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0) throw new Error(`${name} must be a non-negative integer (got "${raw}")`);
  return value;
}
