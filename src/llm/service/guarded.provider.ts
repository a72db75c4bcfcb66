import { observeModelCall } from '../../../libs/metrics/metrics.js';
import type { ChatEvent, ChatProvider, ChatRequest } from '../domain/chat-provider.js';
import { modelCallError } from '../domain/model-failure.js';
import { retryDelay, type RetryPolicy } from '../domain/retry-policy.js';

export interface Deadlines {
  /** No token within this many ms of the call → LLM_TIMEOUT (GUS_LLM_FIRST_TOKEN_TIMEOUT_MS); 0: none. */
  firstTokenMs: number;
  /** The whole answer within this many ms → else LLM_TIMEOUT (GUS_LLM_TIMEOUT_MS); 0: none. */
  totalMs: number;
}

export interface RetryNotice {
  model: string;
  /** 1 for the first retry. */
  retry: number;
  of: number;
  delayMs: number;
  error: unknown;
}

export interface GuardOptions {
  deadlines: Deadlines;
  retry: RetryPolicy;
  random?: () => number;
  onRetry?: (notice: RetryNotice) => void;
}

/**
 * A model call as its caller sees it, in one layer around the bare provider (one async generator per call,
 * not one per concern: each layer costs every streamed token a promise and a microtask):
 * - retries: a call that failed transiently before its first token is sent again (see `retryDelay`), with
 *   exponential backoff; once anything has been passed on, a failure is final;
 * - deadlines: the call is aborted, and LLM_TIMEOUT thrown, when no token has come by the first-token
 *   deadline or the answer is not complete by the overall one — retries and their waits included;
 * - metrics: time to first token, latency by outcome, tokens the server reports.
 */
export class GuardedProvider implements ChatProvider {
  constructor(
    private readonly inner: ChatProvider,
    private readonly options: GuardOptions,
  ) {}

  async *stream(request: ChatRequest): AsyncIterable<ChatEvent> {
    const controller = new AbortController();
    let expired: string | null = null;
    const expire = (why: string) => () => {
      if (controller.signal.aborted) return; // the caller went first
      expired = why;
      controller.abort(new Error(why));
    };
    const { firstTokenMs, totalMs } = this.options.deadlines;
    let firstTokenTimer = firstTokenMs > 0 ? setTimeout(expire(`the model sent no token within ${firstTokenMs} ms`), firstTokenMs) : undefined;
    const totalTimer = totalMs > 0 ? setTimeout(expire(`the model did not finish its answer within ${totalMs} ms`), totalMs) : undefined;
    const followCaller = () => controller.abort(request.signal.reason);
    if (request.signal.aborted) followCaller();
    else request.signal.addEventListener('abort', followCaller, { once: true });
    const observed = observeModelCall(request.model);
    const call = { ...request, signal: controller.signal };
    let finished = false;
    try {
      for (let retriesSoFar = 0; ; retriesSoFar++) {
        let yielded = false;
        try {
          for await (const event of this.inner.stream(call)) {
            if (expired) break;
            if (event.type === 'delta') {
              if (firstTokenTimer) {
                clearTimeout(firstTokenTimer);
                firstTokenTimer = undefined;
              }
              observed.delta();
            } else observed.done(event.promptTokens, event.completionTokens);
            yielded = true;
            yield event;
          }
          finished = !expired;
          break;
        } catch (error) {
          if (expired) break;
          const delayMs = retryDelay({ error, retriesSoFar, yielded, aborted: controller.signal.aborted }, this.options.retry, (this.options.random ?? Math.random)());
          if (delayMs === null) throw error;
          this.options.onRetry?.({ model: request.model, retry: retriesSoFar + 1, of: this.options.retry.retries, delayMs, error });
          await pause(delayMs, controller.signal);
          if (expired) break;
          if (controller.signal.aborted) throw error;
        }
      }
    } finally {
      // Left early (a deadline, the caller stopped reading, an error): nothing of this call may linger.
      if (!finished && !controller.signal.aborted) controller.abort();
      clearTimeout(firstTokenTimer);
      clearTimeout(totalTimer);
      request.signal.removeEventListener('abort', followCaller);
      observed.end(finished ? 'complete' : request.signal.aborted ? 'aborted' : 'failed');
    }
    if (expired) throw modelCallError({ kind: 'timeout', detail: expired });
  }

  ping(): Promise<void> {
    return this.inner.ping();
  }

  contextLength(model: string): Promise<number | null> {
    return this.inner.contextLength(model);
  }

  close(): Promise<void> {
    return this.inner.close?.() ?? Promise.resolve();
  }
}

/** Resolves after `ms`, or at once when the signal aborts. */
function pause(ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}
