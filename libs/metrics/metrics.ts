import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { EVENT_LOOP_MONITORING_MS } from './event-loop.js';

/** The one Prometheus registry of the process, served at /metrics. */
export const metricsRegistry = new Registry();
collectDefaultMetrics({ register: metricsRegistry, eventLoopMonitoringPrecision: EVENT_LOOP_MONITORING_MS });

/** Observed once per request by libs/http (the route label is the route pattern, never the raw URL). */
export const httpRequestDuration = new Histogram({
  name: 'gus_http_request_duration_seconds',
  help: 'HTTP request latency by route and status',
  labelNames: ['method', 'route', 'status'] as const,
  buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
  registers: [metricsRegistry],
});

/** Errors answered to clients, by stable code: plain error responses and `error` events of streams. */
export const errorsByCode = new Counter({
  name: 'gus_errors_total',
  help: 'Errors answered to clients, by code',
  labelNames: ['code'] as const,
  registers: [metricsRegistry],
});

const MODEL_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];

export const modelCallDuration = new Histogram({
  name: 'gus_model_call_duration_seconds',
  help: 'Model call latency (start to last token) by model and outcome',
  labelNames: ['model', 'outcome'] as const,
  buckets: MODEL_BUCKETS,
  registers: [metricsRegistry],
});

export const modelTimeToFirstToken = new Histogram({
  name: 'gus_model_time_to_first_token_seconds',
  help: 'Time to the first token by model',
  labelNames: ['model'] as const,
  buckets: MODEL_BUCKETS,
  registers: [metricsRegistry],
});

export const modelTokens = new Counter({
  name: 'gus_model_tokens_total',
  help: 'Tokens sent to (in) and produced by (out) models, as the model server counted them',
  labelNames: ['model', 'direction'] as const,
  registers: [metricsRegistry],
});

export const moderationFlags = new Counter({
  name: 'gus_moderation_flags_total',
  help: 'Moderation and abuse flags by kind',
  labelNames: ['kind'] as const,
  registers: [metricsRegistry],
});

export const abandonedTurnsClosed = new Counter({
  name: 'gus_abandoned_turns_closed_total',
  help: 'Questions whose turn died with its process, closed with a failed answer (TURN_ABANDONED)',
  registers: [metricsRegistry],
});

export const screenings = new Counter({
  name: 'gus_screenings_total',
  help: 'Texts screened for forbidden content and prompt injection, on the event loop (inline) or in a worker thread',
  labelNames: ['where'] as const,
  registers: [metricsRegistry],
});

export function recordFlag(kind: string): void {
  moderationFlags.inc({ kind });
}

export const guardDuration = new Histogram({
  name: 'gus_guard_duration_seconds',
  help: 'Guard model calls (a user message judged beside the injection detector) by guard model and verdict',
  labelNames: ['model', 'verdict'] as const,
  buckets: MODEL_BUCKETS,
  registers: [metricsRegistry],
});

export const guardVerdicts = new Counter({
  name: 'gus_guard_verdicts_total',
  help: 'Guard model verdicts (safe, unsafe, error, timeout) by guard model and what the turn did (allowed, flagged, blocked)',
  labelNames: ['model', 'verdict', 'outcome'] as const,
  registers: [metricsRegistry],
});

export function recordGuardVerdict(model: string, verdict: string, outcome: string, latencyMs: number): void {
  guardDuration.observe({ model, verdict }, latencyMs / 1000);
  guardVerdicts.inc({ model, verdict, outcome });
}

/** One model call's figures as they come: time to first token, tokens, latency by outcome. */
export interface ModelCallObservation {
  delta(): void;
  done(promptTokens: number | null, completionTokens: number | null): void;
  end(outcome: 'complete' | 'failed' | 'aborted'): void;
}

/** Label children per model, so that a call does not hash its labels on every observation. */
const perModel = new Map<string, { ttft: ReturnType<typeof modelTimeToFirstToken.labels>; tokensIn: ReturnType<typeof modelTokens.labels>; tokensOut: ReturnType<typeof modelTokens.labels> }>();

export function observeModelCall(model: string): ModelCallObservation {
  let children = perModel.get(model);
  if (!children) {
    children = { ttft: modelTimeToFirstToken.labels(model), tokensIn: modelTokens.labels(model, 'in'), tokensOut: modelTokens.labels(model, 'out') };
    perModel.set(model, children);
  }
  const { ttft, tokensIn, tokensOut } = children;
  const started = performance.now();
  let first = true;
  return {
    delta() {
      if (!first) return;
      first = false;
      ttft.observe((performance.now() - started) / 1000);
    },
    done(promptTokens, completionTokens) {
      if (promptTokens) tokensIn.inc(promptTokens);
      if (completionTokens) tokensOut.inc(completionTokens);
    },
    end(outcome) {
      modelCallDuration.observe({ model, outcome }, (performance.now() - started) / 1000);
    },
  };
}

type QueueDepths = () => Promise<Array<{ queue: string; waiting: number; active: number; failed: number; delayed: number }>>;
let readQueueDepths: QueueDepths | null = null;

/** Jobs per queue and state, read from the queue when Prometheus scrapes (the whole deployment's on BullMQ). */
export const queueDepth = new Gauge({
  name: 'gus_queue_jobs',
  help: 'Background jobs by queue and state: waiting (ready), active, delayed (retries in backoff), failed',
  labelNames: ['queue', 'state'] as const,
  registers: [metricsRegistry],
  async collect() {
    if (!readQueueDepths) return;
    this.reset();
    for (const { queue, waiting, active, failed, delayed } of await readQueueDepths().catch(() => [])) {
      this.set({ queue, state: 'waiting' }, waiting);
      this.set({ queue, state: 'active' }, active);
      this.set({ queue, state: 'delayed' }, delayed);
      this.set({ queue, state: 'failed' }, failed);
    }
  },
});

/** Job runs by this process: an API process (GUS_ROLE=api) never counts one. */
export const jobsProcessed = new Counter({
  name: 'gus_jobs_processed_total',
  help: 'Background job runs by this process, by queue and outcome (completed, failed: a failed run may be retried)',
  labelNames: ['queue', 'outcome'] as const,
  registers: [metricsRegistry],
});

export function reportQueueDepths(read: QueueDepths): void {
  readQueueDepths = read;
}

export const retentionDeleted = new Counter({
  name: 'gus_retention_deleted_conversations_total',
  help: 'Conversations deleted by the retention job, by reason (expired: past the plan\'s retention; temporary)',
  labelNames: ['reason'] as const,
  registers: [metricsRegistry],
});

export const retentionRuns = new Counter({
  name: 'gus_retention_runs_total',
  help: 'Runs of the retention job by outcome',
  labelNames: ['outcome'] as const,
  registers: [metricsRegistry],
});

export const retentionRunDuration = new Histogram({
  name: 'gus_retention_run_duration_seconds',
  help: 'How long a retention run took',
  buckets: [0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300],
  registers: [metricsRegistry],
});

export const titleJobs = new Counter({
  name: 'gus_titles_total',
  help: 'Generated-title jobs by outcome: titled, skipped (titled already, by its user or before; or gone), failed (an attempt, retried)',
  labelNames: ['outcome'] as const,
  registers: [metricsRegistry],
});
