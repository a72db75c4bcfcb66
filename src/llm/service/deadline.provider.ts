import type { ChatEvent, ChatProvider, ChatRequest } from '../domain/chat-provider.js';
import { modelCallError } from '../domain/model-failure.js';

export interface Deadlines {
  /** No token within this many ms of the call → LLM_TIMEOUT (GUS_LLM_FIRST_TOKEN_TIMEOUT_MS); 0: none. */
  firstTokenMs: number;
  /** The whole answer within this many ms → else LLM_TIMEOUT (GUS_LLM_TIMEOUT_MS); 0: none. */
  totalMs: number;
}

/**
 * The time limits of a model call as its caller sees it, retries and their waits included: the call is
 * aborted, and LLM_TIMEOUT thrown, when no token has come by the first-token deadline or the answer is
 * not complete by the overall one. One place for both, whatever the provider beneath.
 */
export class DeadlineProvider implements ChatProvider {
  constructor(
    private readonly inner: ChatProvider,
    private readonly deadlines: Deadlines,
  ) {}

  async *stream(request: ChatRequest): AsyncIterable<ChatEvent> {
    const controller = new AbortController();
    let expired: string | null = null;
    const expire = (why: string) => () => {
      if (controller.signal.aborted) return; // the caller went first
      expired = why;
      controller.abort(new Error(why));
    };
    const { firstTokenMs, totalMs } = this.deadlines;
    let firstTokenTimer = firstTokenMs > 0 ? setTimeout(expire(`the model sent no token within ${firstTokenMs} ms`), firstTokenMs) : undefined;
    const totalTimer = totalMs > 0 ? setTimeout(expire(`the model did not finish its answer within ${totalMs} ms`), totalMs) : undefined;
    const followCaller = () => controller.abort(request.signal.reason);
    if (request.signal.aborted) followCaller();
    else request.signal.addEventListener('abort', followCaller, { once: true });
    try {
      for await (const event of this.inner.stream({ ...request, signal: controller.signal })) {
        if (expired) break;
        if (event.type === 'delta' && firstTokenTimer) {
          clearTimeout(firstTokenTimer);
          firstTokenTimer = undefined;
        }
        yield event;
      }
    } catch (error) {
      if (!expired) throw error;
    } finally {
      if (!controller.signal.aborted) controller.abort(); // nothing of this call may linger
      clearTimeout(firstTokenTimer);
      clearTimeout(totalTimer);
      request.signal.removeEventListener('abort', followCaller);
    }
    if (expired) throw modelCallError({ kind: 'timeout', detail: expired });
  }

  ping(): Promise<void> {
    return this.inner.ping();
  }

  contextLength(model: string): Promise<number | null> {
    return this.inner.contextLength(model);
  }
}
