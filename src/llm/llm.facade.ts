import { Injectable } from '@nestjs/common';
import type { ChatEvent, ChatMessage } from './domain/chat-provider.js';
import { ModelCatalog, priceTurn, type ModelSpec } from './domain/model-catalog.js';
import { estimateTokens } from './domain/token-count.js';
import { ModelServer } from './service/model-server.js';

export type { ChatEvent, ChatMessage, ModelSpec };

export interface ChatCall {
  model: ModelSpec;
  messages: ChatMessage[];
  format?: 'json';
  signal: AbortSignal;
}

/** The llm context's public face: the model catalogue, prices and streaming a model's answer. */
@Injectable()
export class LlmFacade {
  constructor(
    private readonly catalog: ModelCatalog,
    private readonly server: ModelServer,
  ) {}

  /** The model by id (or the default); INVALID_REQUEST for an unknown id. */
  resolveModel(id?: string | null): ModelSpec {
    return this.catalog.resolve(id);
  }

  models(): ModelSpec[] {
    return this.catalog.all();
  }

  /** Streams the answer; throws DomainError LLM_ERROR / LLM_UNAVAILABLE / LLM_TIMEOUT. */
  stream(call: ChatCall): AsyncIterable<ChatEvent> {
    return this.server.providerFor(call.model).stream({
      model: call.model.id,
      messages: call.messages,
      numCtx: call.model.contextWindow,
      format: call.format,
      signal: call.signal,
    });
  }

  /** Integer micro-units of the billing currency. */
  price(model: ModelSpec, promptTokens: number, completionTokens: number): number {
    return priceTurn(model, promptTokens, completionTokens);
  }

  countTokens(text: string): number {
    return estimateTokens(text);
  }

  ping(): Promise<void> {
    return this.server.ping();
  }
}
