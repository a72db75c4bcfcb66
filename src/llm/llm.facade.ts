import { Injectable, type OnModuleInit } from '@nestjs/common';
import type { ChatEvent, ChatMessage } from './domain/chat-provider.js';
import { neutraliseControlSequences } from './domain/control-sequences.js';
import { ModelCatalog, priceTurn, type ModelSpec } from './domain/model-catalog.js';
import { countLlama3Tokens, countLlama3TokensAsync, loadLlama3Counter } from './service/llama3-token-counter.js';
import { ModelServer } from './service/model-server.js';

export type { ChatEvent, ChatMessage, ModelSpec };

export interface ChatCall {
  model: ModelSpec;
  messages: ChatMessage[];
  /** The context window the messages were fitted to; sent as num_ctx so the server never truncates silently. */
  contextWindow: number;
  /** The most tokens the answer may have; unset: the server's own limit. */
  maxTokens?: number;
  format?: 'json';
  signal: AbortSignal;
}

/** The llm context's public face: the model catalogue, token counts, prices and streaming a model's answer. */
@Injectable()
export class LlmFacade implements OnModuleInit {
  constructor(
    private readonly catalog: ModelCatalog,
    private readonly server: ModelServer,
  ) {}

  onModuleInit(): void {
    loadLlama3Counter();
  }

  /** Every model of the catalogue. */
  models(): ModelSpec[] {
    return this.catalog.all();
  }

  /** The chat model by id (or the default); INVALID_REQUEST for an unknown id or a guard model. */
  resolveModel(id?: string | null): ModelSpec {
    return this.catalog.resolve(id);
  }

  /** The guard model a plan names; throws when the catalogue has no such guard. */
  resolveGuardModel(id: string): ModelSpec {
    return this.catalog.resolveGuard(id);
  }

  /**
   * Streams the answer; throws DomainError LLM_ERROR / LLM_UNAVAILABLE / LLM_TIMEOUT. Every message's
   * text has its chat-template control sequences neutralised first: no text, whoever wrote it, can
   * become a control token on its way to the model.
   */
  stream(call: ChatCall): AsyncIterable<ChatEvent> {
    return this.server.providerFor(call.model).stream({
      model: call.model.id,
      messages: call.messages.map((message) => ({ role: message.role, content: neutraliseControlSequences(message.content) })),
      numCtx: call.contextWindow,
      maxTokens: call.maxTokens,
      format: call.format,
      signal: call.signal,
    });
  }

  /** The whole answer of a non-interactive call (background jobs such as summaries). */
  async complete(call: ChatCall): Promise<{ text: string; promptTokens: number | null; completionTokens: number | null }> {
    let text = '';
    let promptTokens: number | null = null;
    let completionTokens: number | null = null;
    for await (const event of this.stream(call)) {
      if (event.type === 'delta') text += event.text;
      else ({ promptTokens, completionTokens } = event);
    }
    return { text, promptTokens, completionTokens };
  }

  /** Integer micro-units of the billing currency. */
  price(model: ModelSpec, promptTokens: number, completionTokens: number): number {
    return priceTurn(model, promptTokens, completionTokens);
  }

  /**
   * Exact LLaMA 3 tokens of a text as the model receives it (control sequences neutralised, see stream()),
   * so that what a turn reserves is what the model server counts. Short texts; for any text a user wrote, or
   * a model answered, use countTokensAsync, which never holds the event loop for long.
   */
  countTokens(text: string): number {
    return countLlama3Tokens(neutraliseControlSequences(text));
  }

  countTokensAsync(text: string): Promise<number> {
    return countLlama3TokensAsync(neutraliseControlSequences(text));
  }

  ping(): Promise<void> {
    return this.server.ping();
  }
}
