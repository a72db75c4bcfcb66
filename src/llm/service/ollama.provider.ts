import { Ollama, type ChatResponse } from 'ollama';
import { DomainError } from '../../../libs/errors/domain-error.js';
import type { ChatEvent, ChatProvider, ChatRequest } from '../domain/chat-provider.js';
import { modelCallError } from '../domain/model-failure.js';
import { modelHttpClient, type ModelHttpClient } from './undici-fetch.js';

type ChatStream = AsyncIterable<ChatResponse>;

/** The official client, which keeps every streamed request it started in a list until its done line: an aborted one is dropped here. */
class OllamaClient extends Ollama {
  forget(stream: object): void {
    const at = this.ongoingStreamedRequests.indexOf(stream as never);
    if (at >= 0) this.ongoingStreamedRequests.splice(at, 1);
  }
}

/**
 * Ollama through its official client: one client and one keep-alive connection pool per host. Each call's
 * abort signal reaches its HTTP request (see undici-fetch.ts), so a hang before the first byte can be cut as
 * well as a stream in flight (the deadlines themselves are GuardedProvider's).
 */
export class OllamaProvider implements ChatProvider {
  private readonly http: ModelHttpClient;
  private readonly client: OllamaClient;

  constructor(host: string) {
    this.http = modelHttpClient();
    this.client = new OllamaClient({ host, fetch: this.http.fetch });
  }

  async *stream(request: ChatRequest): AsyncIterable<ChatEvent> {
    let chunks: ChatStream | undefined;
    try {
      const options: Record<string, number> = {};
      if (request.numCtx) options.num_ctx = request.numCtx;
      if (request.maxTokens) options.num_predict = request.maxTokens;
      const pending = this.http.withSignal(request.signal, () =>
        this.client.chat({ model: request.model, messages: request.messages, stream: true, format: request.format, options }),
      );
      chunks = await pending;
      let done = false;
      for await (const chunk of chunks) {
        if (chunk.message?.content) yield { type: 'delta', text: chunk.message.content };
        if (chunk.done) {
          done = true;
          yield {
            type: 'done',
            promptTokens: chunk.prompt_eval_count ?? null,
            completionTokens: chunk.eval_count ?? null,
            doneReason: chunk.done_reason ?? null,
          };
        }
      }
      if (!done && !request.signal.aborted) throw modelCallError({ kind: 'dropped', detail: 'the stream ended without its done line' });
    } catch (error) {
      throw translate(error, request.signal);
    } finally {
      if (chunks) this.client.forget(chunks);
    }
  }

  async ping(): Promise<void> {
    await this.client.version();
  }

  async contextLength(model: string): Promise<number | null> {
    const info = await this.client.show({ model });
    const modelInfo = (info.model_info ?? {}) as unknown as Record<string, unknown>;
    const key = Object.keys(modelInfo).find((name) => name.endsWith('.context_length'));
    const value = key ? modelInfo[key] : undefined;
    return typeof value === 'number' ? value : null;
  }

  close(): Promise<void> {
    return this.http.close();
  }
}

function translate(error: unknown, caller: AbortSignal): unknown {
  if (error instanceof DomainError) return error;
  if (caller.aborted) return error; // the caller went away (or its deadline passed): not a model failure
  const e = error as { name?: string; status_code?: number; message?: string; cause?: { code?: string } };
  if (e.name === 'ResponseError') return modelCallError({ kind: 'status', status: e.status_code ?? 0, detail: e.message ?? '' });
  // "fetch failed" when no response ever came (refused, unresolvable, unreachable); a connection dropped
  // mid-answer surfaces as another error ("other side closed", "terminated").
  if (e.message === 'fetch failed') return modelCallError({ kind: 'unreachable', detail: e.cause?.code ?? describeCause(e.cause) });
  return modelCallError({ kind: 'dropped', detail: e.message ?? String(error) });
}

function describeCause(cause: unknown): string {
  return cause instanceof Error ? cause.message : 'no response';
}
