import { resolve } from 'node:path';

/** Which processes this instance runs: the HTTP API, the background workers, or both. */
export type GusRole = 'all' | 'api' | 'worker';

/** Every setting of gus, read once from the environment (PRODUCT.md §5). */
export interface AppConfig {
  port: number;
  host: string;
  /** Unset: embedded PGlite in dataDir. */
  databaseUrl?: string;
  /**
   * PostgreSQL connections this process may hold (GUS_DB_POOL_SIZE); the server's budget is this × processes. 32 by
   * default: turns that queue for a connection cost CPU (at 64 concurrent turns 8–9 % more per turn with 20, bench/README.md).
   */
  dbPoolSize: number;
  /**
   * V8's old generation grows to (1 + this / 100) × what survived its last full collection (GUS_HEAP_GROWING_PERCENT,
   * 50; 0: V8's own policy, which lets it grow up to fourfold). Under load that slack, not live data, was most of the
   * RSS: at 64 concurrent turns 280 MB against 365–465, CPU within the noise (bench/README.md).
   */
  heapGrowingPercent: number;
  dataDir: string;
  /** Unset: in-process queue and limiter storage. With REDIS_CLUSTER_NODES: only its credentials and TLS are used. */
  redisUrl?: string;
  /** REDIS_CLUSTER_NODES=host:port,host:port: a Redis Cluster (any reachable nodes; the rest are discovered). */
  redisClusterNodes?: Array<{ host: string; port: number }>;
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
  /** Ceiling for one model call before LLM_TIMEOUT, retries included. */
  llmTimeoutMs: number;
  /** No first token within this → LLM_TIMEOUT (retries included); 0: none. */
  llmFirstTokenTimeoutMs: number;
  /** How many times a model call that failed transiently before its first token is sent again. */
  llmRetries: number;
  /** Backoff before the first retry, doubled for each further one (with jitter). */
  llmRetryBaseMs: number;
  /** Max characters in one message (moderation's first check). */
  maxMessageChars: number;
  /** Forbidden terms for moderation (JSON, or text with one term a line). */
  forbiddenTermsPath: string;
  /** Texts longer than this are screened (forbidden content, injection) in a worker thread, off the event loop. */
  screeningInlineChars: number;
  logLevel: 'debug' | 'info' | 'warn' | 'error';
  /** How often the usage outbox relay looks for events not yet handed to the queue. */
  outboxPollMs: number;
  /** Requests per minute per client IP on the routes without credentials (login, guest); 0 turns it off. */
  publicRateLimitPerMinute: number;
  /** Global and per-model system prompt layers. */
  systemPromptsPath: string;
  /** An active conversation idle this long becomes inactive. */
  inactiveAfterSeconds: number;
  /** How often the idle sweeper runs. */
  idleSweepMs: number;
  /** How often the retention job runs (GUS_RETENTION_INTERVAL_SECONDS), and how many conversations one batch deletes. */
  retentionIntervalMs: number;
  /** How often the analytics rollup job runs (GUS_ANALYTICS_ROLLUP_INTERVAL_SECONDS). */
  analyticsRollupIntervalMs: number;
  /** A closed UTC day is rolled up once it ended this long ago (GUS_ANALYTICS_ROLLUP_SETTLE_SECONDS): turns across midnight finish first. */
  analyticsRollupSettleSeconds: number;
  /** How long a finished resumable stream can still be replayed (GUS_STREAM_REPLAY_SECONDS). */
  streamReplaySeconds: number;
  retentionBatch: number;
  /** Redacted request/response payloads of every /v1 call go to the audit table (GUS_PAYLOAD_LOGGING=on). */
  payloadLogging: boolean;
  /** A token reservation's lease: renewed while its turn runs, given back this long after its process died. */
  quotaLeaseMs: number;
  /** How often quota counters are reset to the usage ledger where no turn is in flight. */
  quotaReconcileMs: number;
  /** A question with no stored answer this long after it was asked belongs to a dead turn and is closed. */
  abandonedTurnMs: number;
  /** How often dead turns are looked for (also once at start). */
  abandonedTurnSweepMs: number;
  /** Browser origins allowed to call the API (CORS); empty: no CORS headers at all. `*` allows any origin. */
  corsOrigins: string[];
}

export const APP_CONFIG = Symbol('APP_CONFIG');

export function loadConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  const role = env.GUS_ROLE ?? 'all';
  if (role !== 'all' && role !== 'api' && role !== 'worker') {
    throw new Error(`GUS_ROLE must be all, api or worker (got "${role}")`);
  }
  const logLevel = env.LOG_LEVEL ?? 'info';
  if (!['debug', 'info', 'warn', 'error'].includes(logLevel)) throw new Error(`LOG_LEVEL "${logLevel}" is not one of debug, info, warn, error`);
  const config: AppConfig = {
    port: int(env.PORT, 3000, 'PORT'),
    host: env.HOST || '0.0.0.0',
    databaseUrl: env.DATABASE_URL || undefined,
    dbPoolSize: positiveInt(env.GUS_DB_POOL_SIZE, 32, 'GUS_DB_POOL_SIZE'),
    heapGrowingPercent: int(env.GUS_HEAP_GROWING_PERCENT, 50, 'GUS_HEAP_GROWING_PERCENT'),
    dataDir: resolve(env.GUS_DATA_DIR || '.gus-data'),
    redisUrl: env.REDIS_URL || undefined,
    redisClusterNodes: clusterNodes(env.REDIS_CLUSTER_NODES),
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
    llmFirstTokenTimeoutMs: int(env.GUS_LLM_FIRST_TOKEN_TIMEOUT_MS, 30_000, 'GUS_LLM_FIRST_TOKEN_TIMEOUT_MS'),
    llmRetries: int(env.GUS_LLM_RETRIES, 2, 'GUS_LLM_RETRIES'),
    llmRetryBaseMs: int(env.GUS_LLM_RETRY_BASE_MS, 100, 'GUS_LLM_RETRY_BASE_MS'),
    maxMessageChars: int(env.GUS_MAX_MESSAGE_CHARS, 32_000, 'GUS_MAX_MESSAGE_CHARS'),
    forbiddenTermsPath: resolve(env.GUS_FORBIDDEN_TERMS_FILE || 'config/forbidden-terms.json'),
    screeningInlineChars: int(env.GUS_SCREENING_INLINE_CHARS, 2048, 'GUS_SCREENING_INLINE_CHARS'),
    logLevel: logLevel as AppConfig['logLevel'],
    outboxPollMs: int(env.GUS_OUTBOX_POLL_MS, 1000, 'GUS_OUTBOX_POLL_MS'),
    publicRateLimitPerMinute: int(env.GUS_PUBLIC_RATE_LIMIT_PER_MINUTE, 30, 'GUS_PUBLIC_RATE_LIMIT_PER_MINUTE'),
    systemPromptsPath: resolve(env.GUS_SYSTEM_PROMPTS_FILE || 'config/system-prompts.json'),
    inactiveAfterSeconds: int(env.GUS_INACTIVE_AFTER_SECONDS, 7 * 24 * 3600, 'GUS_INACTIVE_AFTER_SECONDS'),
    idleSweepMs: int(env.GUS_IDLE_SWEEP_MS, 60_000, 'GUS_IDLE_SWEEP_MS'),
    retentionIntervalMs: positiveInt(env.GUS_RETENTION_INTERVAL_SECONDS, 3600, 'GUS_RETENTION_INTERVAL_SECONDS') * 1000,
    analyticsRollupIntervalMs: positiveInt(env.GUS_ANALYTICS_ROLLUP_INTERVAL_SECONDS, 3600, 'GUS_ANALYTICS_ROLLUP_INTERVAL_SECONDS') * 1000,
    analyticsRollupSettleSeconds: int(env.GUS_ANALYTICS_ROLLUP_SETTLE_SECONDS, 3600, 'GUS_ANALYTICS_ROLLUP_SETTLE_SECONDS'),
    streamReplaySeconds: positiveInt(env.GUS_STREAM_REPLAY_SECONDS, 300, 'GUS_STREAM_REPLAY_SECONDS'),
    retentionBatch: positiveInt(env.GUS_RETENTION_BATCH, 100, 'GUS_RETENTION_BATCH'),
    payloadLogging: ['on', 'true', '1'].includes((env.GUS_PAYLOAD_LOGGING ?? '').toLowerCase()),
    quotaLeaseMs: positiveInt(env.GUS_QUOTA_LEASE_MS, 30_000, 'GUS_QUOTA_LEASE_MS'),
    quotaReconcileMs: positiveInt(env.GUS_QUOTA_RECONCILE_MS, 20_000, 'GUS_QUOTA_RECONCILE_MS'),
    corsOrigins: corsOrigins(env.GUS_CORS_ORIGINS),
    abandonedTurnMs: 0,
    abandonedTurnSweepMs: positiveInt(env.GUS_ABANDONED_TURN_SWEEP_MS, 30_000, 'GUS_ABANDONED_TURN_SWEEP_MS'),
  };
  // A cluster is Redis too: everything that asks "is there Redis?" reads redisUrl.
  if (config.redisClusterNodes && !config.redisUrl) config.redisUrl = `redis://${config.redisClusterNodes[0]!.host}:${config.redisClusterNodes[0]!.port}`;
  // A turn lasts at most GUS_LLM_TIMEOUT_MS: an open question older than that plus a margin has no live turn.
  config.abandonedTurnMs = positiveInt(env.GUS_ABANDONED_TURN_MS, config.llmTimeoutMs + 60_000, 'GUS_ABANDONED_TURN_MS');
  if (config.abandonedTurnMs <= config.llmTimeoutMs) {
    throw new Error(`GUS_ABANDONED_TURN_MS (${config.abandonedTurnMs}) must exceed GUS_LLM_TIMEOUT_MS (${config.llmTimeoutMs}): a live turn would be closed`);
  }
  return config;
}

/** `10.0.0.1:7000,10.0.0.2:7000` → cluster start-up nodes. */
function clusterNodes(raw: string | undefined): AppConfig['redisClusterNodes'] {
  const entries = (raw ?? '').split(',').map((entry) => entry.trim()).filter(Boolean);
  if (!entries.length) return undefined;
  return entries.map((entry) => {
    const at = entry.lastIndexOf(':');
    const host = entry.slice(0, at).replace(/^\[(.*)\]$/, '$1');
    const port = Number(entry.slice(at + 1));
    if (at <= 0 || !Number.isInteger(port) || port <= 0 || port > 65535) {
      throw new Error(`REDIS_CLUSTER_NODES: "${entry}" is not host:port`);
    }
    return { host, port };
  });
}

function positiveInt(raw: string | undefined, fallback: number, name: string): number {
  const value = int(raw, fallback, name);
  if (value === 0) throw new Error(`${name} must be a positive integer (got "${raw}")`);
  return value;
}

function int(raw: string | undefined, fallback: number, name: string): number {
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0) throw new Error(`${name} must be a non-negative integer (got "${raw}")`);
  return value;
}

/** `https://chat.example.com,https://admin.example.com` → exact origins (scheme://host[:port]), or `*`. */
function corsOrigins(raw: string | undefined): string[] {
  const origins = (raw ?? '').split(',').map((origin) => origin.trim()).filter(Boolean);
  for (const origin of origins) {
    if (origin === '*') continue;
    let parsed: URL;
    try {
      parsed = new URL(origin);
    } catch {
      throw new Error(`GUS_CORS_ORIGINS: "${origin}" is not an origin (scheme://host[:port])`);
    }
    if (parsed.origin !== origin) throw new Error(`GUS_CORS_ORIGINS: "${origin}" is not an origin; did you mean "${parsed.origin}"?`);
  }
  return origins;
}
