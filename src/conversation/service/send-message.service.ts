import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import type { Principal } from '../../../libs/auth/principal.js';
import { annotateActiveSpan } from '../../../libs/tracing/tracing.js';
import { DomainError, invalid, notFound } from '../../../libs/errors/domain-error.js';
import { IdentityFacade } from '../../identity/identity.facade.js';
import { LlmFacade, type ModelSpec } from '../../llm/llm.facade.js';
import { ModerationFacade } from '../../moderation/moderation.facade.js';
import { UsageFacade, type QuotaReservation } from '../../usage/usage.facade.js';
import { assertAcceptsMessages, type Conversation } from '../domain/conversation.js';
import { draftMessage, type Message, type TurnContext } from '../domain/message.js';
import { isJsonObject } from '../domain/system-prompt.js';
import { ConversationRepository } from '../repository/conversation.repository.js';
import { MessageRepository } from '../repository/message.repository.js';
import { ContextBuilder, answerReserve, type TurnPrompt } from './context-builder.service.js';
import { LEAK_CUT_WARNING, callModel, type TurnUsage } from './model-call.js';

export type { TurnUsage };

/** Per-turn options a client may set (PRODUCT.md §3, §4). */
export interface TurnOptions {
  model?: string;
  /** The request layer of the system prompt. */
  systemPrompt?: string;
  /** A control instruction: answer in JSON (sent to Ollama as format: "json", and checked). */
  format?: 'json';
}

export interface SendMessageInput extends TurnOptions {
  content: string;
  parentId?: string;
}

export interface TurnResult {
  /** Null when an answer was regenerated. */
  userMessage: Message | null;
  assistantMessage: Message;
  usage: TurnUsage;
  warnings: string[];
}

/** Receives a turn's progress; the SSE writer implements it, the JSON path ignores it. */
export interface TurnListener {
  userMessageStored?(message: Message): void;
  delta?(assistantMessageId: string, text: string): void;
}

export interface TurnRequestContext {
  signal: AbortSignal;
  traceId: string;
  listener?: TurnListener;
  /** Response headers decided during the turn (X-Quota-Warning), before anything is streamed. */
  setHeader?(name: string, value: string): void;
}

/**
 * One chat turn: validate, store the user message, build the context from the branch, call the
 * model, store the assistant message and its usage in one transaction. The user message is stored
 * before the model is called, so a failed model call never loses it.
 */
@Injectable()
export class SendMessageService {
  constructor(
    private readonly conversations: ConversationRepository,
    private readonly messages: MessageRepository,
    private readonly contexts: ContextBuilder,
    private readonly llm: LlmFacade,
    private readonly identity: IdentityFacade,
    private readonly moderation: ModerationFacade,
    private readonly usage: UsageFacade,
  ) {}

  async send(principal: Principal, conversationId: string, input: SendMessageInput, context: TurnRequestContext): Promise<TurnResult> {
    const conversation = await this.writableConversation(principal, conversationId);
    const tokenCount = this.llm.countTokens(input.content);
    const screening = this.moderation.validateUserMessage(principal, input.content, { tokens: tokenCount }, conversation.id);
    const validation = { checks: checksRun(principal), injectionScore: screening.injection.score, flagged: screening.flagged };
    if (input.systemPrompt !== undefined) this.moderation.validateSystemPrompt(principal, input.systemPrompt);
    const model = this.allowedModel(principal, input.model ?? conversation.model);
    const { prompt, newMessage } = await this.contexts.build({
      principal,
      conversation,
      model,
      parentId: input.parentId ?? conversation.currentLeafId,
      newMessage: (parent) =>
        draftMessage(randomUUID(), conversation.id, parent, { role: 'user', content: input.content, tokenCount, traceId: context.traceId }),
      requestSystemPrompt: input.systemPrompt,
      format: input.format,
    });
    const userMessage = newMessage!;
    annotateActiveSpan({ 'gus.conversation_id': conversation.id, 'gus.user_message_id': userMessage.id, 'gus.model': model.id });
    const reservation = await this.reserveTokens(principal, prompt, context);
    try {
      await this.messages.insertMessage(userMessage, { makeCurrentLeaf: true });
    } catch (error) {
      await this.usage.settleTokens(reservation, 0);
      throw error;
    }
    context.listener?.userMessageStored?.(userMessage);
    return this.answer(principal, conversation, model, userMessage, prompt, input.format, context, { userMessage, validation, reservation });
  }

  /** A new assistant answer, as a sibling of `messageId` (an answer) or as a child of it (a user message). */
  async regenerate(principal: Principal, conversationId: string, messageId: string, options: TurnOptions, context: TurnRequestContext): Promise<TurnResult> {
    const conversation = await this.writableConversation(principal, conversationId);
    if (options.systemPrompt !== undefined) this.moderation.validateSystemPrompt(principal, options.systemPrompt);
    const target = await this.messages.findMessage(conversation.id, messageId);
    if (!target) throw notFound('message');
    const question = target.role === 'assistant' && target.parentId ? await this.messages.findMessage(conversation.id, target.parentId) : target;
    if (!question || question.role !== 'user') throw invalid('only an answer to a user message, or a user message, can be regenerated');
    const model = this.allowedModel(principal, options.model ?? (target.role === 'assistant' ? target.model : null) ?? conversation.model);
    const { prompt } = await this.contexts.build({
      principal,
      conversation,
      model,
      parentId: question.id,
      requestSystemPrompt: options.systemPrompt,
      format: options.format,
    });
    const reservation = await this.reserveTokens(principal, prompt, context);
    return this.answer(principal, conversation, model, question, prompt, options.format, context, { userMessage: null, validation: null, reservation });
  }

  private async writableConversation(principal: Principal, conversationId: string): Promise<Conversation> {
    const conversation = await this.conversations.findOwned(conversationId, principal.userId);
    if (!conversation) throw notFound('conversation');
    assertAcceptsMessages(conversation);
    return conversation;
  }

  /** The prompt plus the room kept for the answer, reserved against the plan's token quotas (429 when past a hard limit). */
  private async reserveTokens(principal: Principal, prompt: TurnPrompt, context: TurnRequestContext): Promise<QuotaReservation> {
    const reservation = await this.usage.reserveTokens(principal, prompt.tokens + answerReserve(prompt.window));
    for (const [name, value] of Object.entries(reservation.headers)) context.setHeader?.(name, value);
    return reservation;
  }

  private allowedModel(principal: Principal, modelId: string | null | undefined): ModelSpec {
    const model = this.llm.resolveModel(modelId);
    this.identity.assertMayUseModel(principal, model);
    return model;
  }

  /** Calls the model and stores its answer (complete, failed or interrupted) with usage, in one transaction. */
  private async answer(
    principal: Principal,
    conversation: Conversation,
    model: ModelSpec,
    question: Message,
    prompt: TurnPrompt,
    format: 'json' | undefined,
    context: TurnRequestContext,
    result: { userMessage: Message | null; validation: TurnContext['validation']; reservation: QuotaReservation },
  ): Promise<TurnResult> {
    const assistantId = randomUUID();
    annotateActiveSpan({ 'gus.conversation_id': conversation.id, 'gus.message_id': assistantId });
    const outcome = await callModel(this.llm, {
      model,
      messages: prompt.messages,
      window: prompt.window,
      promptTokensEstimate: prompt.tokens,
      format,
      signal: context.signal,
      canary: prompt.canary,
      onDelta: (text) => context.listener?.delta?.(assistantId, text),
    });
    const { status, failure, usage } = outcome;
    const formatValid = format === 'json' && status === 'complete' ? isJsonObject(outcome.text) : null;
    const turnContext: TurnContext = {
      fromMessageId: prompt.includedIds[0] ?? null,
      messageCount: prompt.includedIds.length,
      tokens: prompt.tokens,
      leftOut: prompt.leftOut,
      window: prompt.window,
      summaryId: prompt.summaryId,
      systemLayers: prompt.systemLayers,
      format: format ?? null,
      formatValid,
      validation: result.validation,
    };
    const assistantMessage: Message = {
      ...draftMessage(assistantId, conversation.id, question, { role: 'assistant', content: outcome.text, tokenCount: this.llm.countTokens(outcome.text), traceId: context.traceId }),
      status,
      model: model.id,
      promptTokens: usage.promptTokens,
      completionTokens: usage.completionTokens,
      latencyMs: usage.latencyMs,
      ttftMs: usage.ttftMs,
      costMicros: usage.costMicros,
      errorCode: failure?.code ?? null,
      context: turnContext,
      createdAt: outcome.startedAt,
      completedAt: outcome.completedAt,
    };
    const stored = this.conversations.transaction(async (tx) => {
      // A failed attempt stays in the tree for the record, but the branch still ends at the question.
      await this.messages.insertMessage(assistantMessage, { makeCurrentLeaf: status !== 'failed' }, tx);
      if (usage.totalTokens > 0) {
        await this.usage.recordTurn(tx, {
          id: assistantId,
          userId: principal.userId,
          conversationId: conversation.id,
          model: model.id,
          promptTokens: usage.promptTokens,
          completionTokens: usage.completionTokens,
          costMicros: usage.costMicros,
          latencyMs: usage.latencyMs,
          ttftMs: usage.ttftMs,
          occurredAt: outcome.completedAt,
        });
      }
    });
    await stored.finally(() => this.usage.settleTokens(result.reservation, usage.totalTokens));
    if (usage.totalTokens > 0) this.usage.afterCommit(assistantId);
    if (failure) throw failure;
    const warnings = [
      ...result.reservation.warnings,
      ...(outcome.leakCut ? [LEAK_CUT_WARNING] : []),
      ...(formatValid === false ? ['the answer was asked for as JSON but is not one JSON object'] : []),
    ];
    return { userMessage: result.userMessage, assistantMessage, usage, warnings };
  }
}


/** The moderation checks a user message went through, as the audit trail names them. */
function checksRun(principal: Principal): string[] {
  return [
    'not empty',
    'characters',
    ...(principal.plan.maxMessageTokens ? ['tokens'] : []),
    'forbidden content',
    `prompt injection (${principal.plan.injectionPolicy ?? 'block'})`,
  ];
}
