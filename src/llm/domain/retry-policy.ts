import { ModelCallError } from './model-failure.js';

export interface RetryPolicy {
  /** Attempts after the first one (GUS_LLM_RETRIES). */
  retries: number;
  /** Delay before the first retry; doubled for each further one (GUS_LLM_RETRY_BASE_MS). */
  baseDelayMs: number;
}

export interface AttemptOutcome {
  /** The error the attempt ended with. */
  error: unknown;
  /** Retries already made (0 after the first attempt failed). */
  retriesSoFar: number;
  /** Whether the attempt had passed anything on to the caller; once it has, a retry would repeat text. */
  yielded: boolean;
  /** Whether the caller has gone away (or its deadline has passed). */
  aborted: boolean;
}

/** No single wait grows past this, whatever the base and the number of retries. */
export const MAX_RETRY_DELAY_MS = 10_000;

/**
 * How long to wait before trying again, or null for "give up". Only transient model-server failures
 * (overload, 5xx, lost connection) before the first token are retried: never a 4xx, a timeout, or a
 * call the caller abandoned. The delay grows exponentially from the base, ±20 % jitter so that
 * instances that failed together do not retry together. `random` is in [0, 1).
 */
export function retryDelay(outcome: AttemptOutcome, policy: RetryPolicy, random: number): number | null {
  const { error, retriesSoFar, yielded, aborted } = outcome;
  if (yielded || aborted || retriesSoFar >= policy.retries) return null;
  if (!(error instanceof ModelCallError) || !error.transient) return null;
  const exponential = Math.min(policy.baseDelayMs * 2 ** retriesSoFar, MAX_RETRY_DELAY_MS);
  return Math.round(exponential * (0.8 + 0.4 * random));
}
