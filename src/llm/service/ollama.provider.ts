import { Ollama, type ChatResponse } from 'ollama';
import { DomainError } from '../../../libs/errors/domain-error.js';
import type { ChatEvent, ChatProvider, ChatRequest } from '../domain/chat-provider.js';
import { modelCallError } from '../domain/model-failure.js';

/**
 * Ollama through its official client. Each call gets its own client whose fetch carries the caller's
 * abort signal, so a hang before the first byte can be cut as well as a stream in flight (the deadlines
 * themselves are DeadlineProvider's).
 */
export class OllamaProvider implements ChatProvider {
  private readonly shared: Ollama;

  constructor(private readonly host: string) {
    this.shared = new Ollama({ host });
  }

  async *stream(request: ChatRequest): AsyncIterable<ChatEvent> {
    const signal = request.signal;
    const client = new Ollama({ host: this.host, fetch: (input, init) => fetch(input, { ...init, signal }) });
    let chunks: AsyncIterable<ChatResponse>;
    try {
      chunks = await client.chat({
        model: request.model,
        messages: request.messages,
        stream: true,
        format: request.format,
        options: request.numCtx ? { num_ctx: request.numCtx } : undefined,
      });
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
    }
  }

  async ping(): Promise<void> {
    await this.shared.version();
  }

  async contextLength(model: string): Promise<number | null> {
    const info = await this.shared.show({ model });
    const modelInfo = (info.model_info ?? {}) as unknown as Record<string, unknown>;
    const key = Object.keys(modelInfo).find((name) => name.endsWith('.context_length'));
    const value = key ? modelInfo[key] : undefined;
    return typeof value === 'number' ? value : null;
  }
}

function translate(error: unknown, caller: AbortSignal): unknown {
  if (error instanceof DomainError) return error;
  if (caller.aborted) return error; // the caller went away (or its deadline passed): not a model failure
  const e = error as { name?: string; status_code?: number; message?: string; cause?: { code?: string } };
  if (e.name === 'ResponseError') return modelCallError({ kind: 'status', status: e.status_code ?? 0, detail: e.message ?? '' });
  // undici says "fetch failed" when no response ever came (refused, unresolvable, unreachable);
  // a connection dropped mid-answer surfaces as "terminated" instead.
  if (e.message === 'fetch failed') return modelCallError({ kind: 'unreachable', detail: e.cause?.code ?? describeCause(e.cause) });
  return modelCallError({ kind: 'dropped', detail: e.message ?? String(error) });
}

function describeCause(cause: unknown): string {
  return cause instanceof Error ? cause.message : 'no response';
}
