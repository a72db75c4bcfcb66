import OpenAI, { APIConnectionError, APIConnectionTimeoutError, APIError } from 'openai';
import { DomainError } from '../../../libs/errors/domain-error.js';
import type { ChatEvent, ChatProvider, ChatRequest } from '../domain/chat-provider.js';
import { modelCallError } from '../domain/model-failure.js';

export interface OpenAICompatibleOptions {
  /** The API root, e.g. http://127.0.0.1:8000/v1 (vLLM), http://127.0.0.1:8080/v1 (llama.cpp server). */
  baseUrl: string;
  /** Sent as `Authorization: Bearer …`; unset: no Authorization header at all. */
  apiKey?: string;
  /** The client's own ceiling for a response to start (the deadlines of a call are kept by GuardedProvider). */
  requestTimeoutMs: number;
}

/** Metadata requests (ping, context length) must never hold up start-up or readiness for long. */
const METADATA_TIMEOUT_MS = 10_000;

/**
 * Any OpenAI-compatible server (vLLM, llama.cpp server, OpenAI itself) through the official `openai`
 * client. The client never retries (gus does, see GuardedProvider) and reads nothing from OPENAI_*
 * variables that could point it elsewhere: where it goes and which key it sends come from the catalogue.
 */
export class OpenAICompatibleProvider implements ChatProvider {
  private readonly client: OpenAI;

  constructor(options: OpenAICompatibleOptions) {
    this.client = new OpenAI({
      baseURL: options.baseUrl,
      // The client insists on a key; without one, the Authorization header is dropped below.
      apiKey: options.apiKey ?? 'no-key',
      organization: null,
      project: null,
      maxRetries: 0,
      timeout: options.requestTimeoutMs,
      defaultHeaders: options.apiKey ? {} : { Authorization: null },
    });
  }

  async *stream(request: ChatRequest): AsyncIterable<ChatEvent> {
    try {
      // max_tokens is left unset: the answer may use what the context window leaves. num_ctx has no
      // OpenAI equivalent (the server's window is fixed when it starts), so it is not sent.
      const chunks = await this.client.chat.completions.create(
        {
          model: request.model,
          messages: request.messages,
          stream: true,
          stream_options: { include_usage: true },
          ...(request.format === 'json' ? { response_format: { type: 'json_object' as const } } : {}),
        },
        { signal: request.signal },
      );
      let finishReason: string | null = null;
      let usage: OpenAI.CompletionUsage | null = null;
      // The client ends the iteration quietly when the signal aborts it.
      for await (const chunk of chunks) {
        if (chunk.usage) usage = chunk.usage;
        const choice = chunk.choices[0];
        if (choice?.delta?.content) yield { type: 'delta', text: choice.delta.content };
        if (choice?.finish_reason) finishReason = choice.finish_reason;
      }
      if (request.signal.aborted) return;
      if (!finishReason) throw modelCallError({ kind: 'dropped', detail: 'the stream ended without a finish reason' });
      yield {
        type: 'done',
        promptTokens: usage?.prompt_tokens ?? null,
        completionTokens: usage?.completion_tokens ?? null,
        doneReason: finishReason,
      };
    } catch (error) {
      throw translate(error, request.signal);
    }
  }

  async ping(): Promise<void> {
    await this.client.models.list({ timeout: METADATA_TIMEOUT_MS });
  }

  /** OpenAI's model list says nothing about context length; vLLM adds `max_model_len`, used when present. */
  async contextLength(model: string): Promise<number | null> {
    const page = await this.client.models.list({ timeout: METADATA_TIMEOUT_MS });
    const entry = page.data.find((candidate) => candidate.id === model) as (OpenAI.Model & { max_model_len?: unknown }) | undefined;
    const length = entry?.max_model_len;
    return typeof length === 'number' && Number.isInteger(length) && length > 0 ? length : null;
  }
}

function translate(error: unknown, caller: AbortSignal): unknown {
  if (error instanceof DomainError) return error;
  if (caller.aborted) return error; // the caller went away (or its deadline passed): not a model failure
  if (error instanceof APIConnectionTimeoutError) return modelCallError({ kind: 'timeout', detail: 'the model server did not start answering in time' });
  if (error instanceof APIConnectionError) {
    return modelCallError({ kind: 'unreachable', detail: describe(error.cause) ?? error.message });
  }
  if (error instanceof APIError) {
    // No status: the server sent an error object inside the stream, mid-answer.
    if (error.status === undefined) return modelCallError({ kind: 'dropped', detail: error.message });
    return modelCallError({ kind: 'status', status: error.status, detail: error.message });
  }
  // undici says "terminated" when a connection drops mid-answer.
  return modelCallError({ kind: 'dropped', detail: error instanceof Error ? error.message : String(error) });
}

function describe(cause: unknown): string | undefined {
  if (!(cause instanceof Error)) return undefined;
  const code = (cause.cause as { code?: string } | undefined)?.code;
  return code ?? cause.message;
}
