import type { ChatEvent, ChatProvider, ChatRequest } from '../domain/chat-provider.js';
import { retryDelay, type RetryPolicy } from '../domain/retry-policy.js';

export interface RetryNotice {
  model: string;
  /** 1 for the first retry. */
  retry: number;
  of: number;
  delayMs: number;
  error: unknown;
}

/**
 * Sends a call again when the model server failed transiently before the first token (see `retryDelay`),
 * waiting with exponential backoff in between. Once anything has been passed on, a failure is final:
 * the caller keeps what it has. The wait ends early when the caller aborts.
 */
export class RetryingProvider implements ChatProvider {
  constructor(
    private readonly inner: ChatProvider,
    private readonly policy: RetryPolicy,
    private readonly options: { random?: () => number; onRetry?: (notice: RetryNotice) => void } = {},
  ) {}

  async *stream(request: ChatRequest): AsyncIterable<ChatEvent> {
    for (let retriesSoFar = 0; ; retriesSoFar++) {
      let yielded = false;
      try {
        for await (const event of this.inner.stream(request)) {
          yielded = true;
          yield event;
        }
        return;
      } catch (error) {
        const random = (this.options.random ?? Math.random)();
        const delayMs = retryDelay({ error, retriesSoFar, yielded, aborted: request.signal.aborted }, this.policy, random);
        if (delayMs === null) throw error;
        this.options.onRetry?.({ model: request.model, retry: retriesSoFar + 1, of: this.policy.retries, delayMs, error });
        await pause(delayMs, request.signal);
        if (request.signal.aborted) throw error;
      }
    }
  }

  ping(): Promise<void> {
    return this.inner.ping();
  }

  contextLength(model: string): Promise<number | null> {
    return this.inner.contextLength(model);
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
