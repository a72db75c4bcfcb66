import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import type { Principal } from '../../../libs/auth/principal.js';
import { invalid } from '../../../libs/errors/domain-error.js';
import { IdentityFacade } from '../../identity/identity.facade.js';
import { LlmFacade } from '../../llm/llm.facade.js';
import { ModerationFacade } from '../../moderation/moderation.facade.js';
import { UsageFacade } from '../../usage/usage.facade.js';
import { ContextBuilder, answerReserve } from './context-builder.service.js';
import { callModel, type TurnUsage } from './model-call.js';
import { SendMessageService, answerLimit, type FinishReason, type TurnRequestContext } from './send-message.service.js';

export interface ChatCompletionRequest {
  model: string;
  messages: Array<{ role: 'system' | 'user' | 'assistant' | 'tool'; content: string }>;
  format?: 'json';
  /** max_tokens / max_completion_tokens: the room reserved for the answer caps it anyway. */
  maxTokens?: number;
  /** Store the exchange in this gus conversation (header X-Conversation-Id). */
  conversationId?: string;
}

export interface ChatCompletion {
  id: string;
  model: string;
  content: string;
  usage: TurnUsage;
  conversationId: string | null;
  /** content_filter when the answer was cut before it repeated the system instructions; length at its token limit. */
  finishReason: FinishReason;
}

/**
 * The OpenAI-compatible front door, behind the same auth, entitlements, validation and usage as a
 * gus turn. Without a conversation id the client keeps the history; with one, the last user message
 * is sent into that conversation as an ordinary turn.
 */
@Injectable()
export class ChatCompletionsService {
  constructor(
    private readonly turns: SendMessageService,
    private readonly contexts: ContextBuilder,
    private readonly llm: LlmFacade,
    private readonly identity: IdentityFacade,
    private readonly moderation: ModerationFacade,
    private readonly usage: UsageFacade,
  ) {}

  async complete(principal: Principal, request: ChatCompletionRequest, context: TurnRequestContext): Promise<ChatCompletion> {
    const question = request.messages.at(-1);
    if (!question || question.role !== 'user') throw invalid('messages must end with a user message');
    const systemPrompt = request.messages.filter((m) => m.role === 'system').map((m) => m.content).join('\n\n') || undefined;
    if (request.conversationId) {
      const turn = await this.turns.send(principal, request.conversationId, { content: question.content, model: request.model, systemPrompt, format: request.format, maxTokens: request.maxTokens }, context);
      return {
        id: turn.assistantMessage.id,
        model: turn.assistantMessage.model ?? request.model,
        content: turn.assistantMessage.content,
        usage: turn.usage,
        conversationId: request.conversationId,
        finishReason: turn.finishReason,
      };
    }
    this.moderation.checkMessageShape(question.content);
    if (systemPrompt !== undefined) await this.moderation.validateSystemPrompt(principal, systemPrompt);
    const model = this.llm.resolveModel(request.model);
    this.identity.assertMayUseModel(principal, model);
    const history = request.messages.filter((m): m is { role: 'user' | 'assistant' | 'tool'; content: string } => m.role !== 'system');
    const prompt = await this.contexts.buildStateless({ principal, model, requestSystemPrompt: systemPrompt, history, format: request.format });
    // What reaches the model is screened: the user messages of the prompt. Only the newest is this request's
    // own message (abuse detection watches it); the older ones are the client's copy of earlier turns.
    // Tool output is screened as material too.
    const included = history.slice(history.length - prompt.included);
    const earlier = included.slice(0, -1).filter((m) => m.role === 'user' || m.role === 'tool').map((m) => m.content);
    if (earlier.length > 0) await this.moderation.screenEarlierMessages(principal, earlier);
    const guarded = this.moderation.guardMessage(principal, question.content, await this.moderation.validateUserMessage(principal, question.content, { tokens: prompt.newestTokens }));
    if (guarded) await guarded;
    const id = randomUUID();
    const reservation = await this.usage.reserveTokens(principal, prompt.tokens + answerReserve(prompt.window));
    for (const [name, value] of Object.entries(reservation.headers)) context.setHeader?.(name, value);
    const outcome = await callModel(this.llm, {
      model,
      messages: prompt.messages,
      window: prompt.window,
      maxTokens: answerLimit(prompt.window, request.maxTokens),
      promptTokensEstimate: prompt.tokens,
      format: request.format,
      signal: context.signal,
      canary: prompt.canary,
      systemFingerprint: prompt.systemFingerprint,
      onDelta: (text) => context.listener?.delta?.(id, text),
    });
    if (outcome.leak === 'system-prompt') this.moderation.observeSystemPromptLeak(principal, null, { words: outcome.leakWords, model: model.id });
    if (outcome.usage.totalTokens > 0) {
      try {
        await this.usage.recordTurn({
          id,
          userId: principal.userId,
          conversationId: null,
          model: model.id,
          promptTokens: outcome.usage.promptTokens,
          completionTokens: outcome.usage.completionTokens,
          costMicros: outcome.usage.costMicros,
          latencyMs: outcome.usage.latencyMs,
          ttftMs: outcome.usage.ttftMs,
          occurredAt: outcome.completedAt,
        });
      } catch (error) {
        // Nothing reached the ledger: nothing is counted.
        await this.usage.settleTokens(reservation, 0);
        throw error;
      }
      this.usage.afterCommit(id);
    }
    // Sent now, not waited for (as in SendMessageService): until it lands the counter holds the larger reservation.
    void this.usage.settleTokens(reservation, outcome.usage.totalTokens);
    if (outcome.failure) throw outcome.failure;
    const finishReason: FinishReason = outcome.leakCut ? 'content_filter' : outcome.truncated ? 'length' : 'stop';
    return { id, model: model.id, content: outcome.text, usage: outcome.usage, conversationId: null, finishReason };
  }
}
