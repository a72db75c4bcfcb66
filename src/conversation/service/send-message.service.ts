import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import type { Principal } from '../../../libs/auth/principal.js';
import { annotateActiveSpan } from '../../../libs/tracing/tracing.js';
import { invalid, notFound } from '../../../libs/errors/domain-error.js';
import { IdentityFacade } from '../../identity/identity.facade.js';
import { LlmFacade, type ModelSpec } from '../../llm/llm.facade.js';
import { ModerationFacade } from '../../moderation/moderation.facade.js';
import { UsageFacade, type QuotaReservation, type UsageEvent } from '../../usage/usage.facade.js';
import { assertAcceptsMessages, type Conversation } from '../domain/conversation.js';
import { draftMessage, type Message, type TurnContext } from '../domain/message.js';
import { isJsonObject } from '../domain/system-prompt.js';
import { ConversationRepository } from '../repository/conversation.repository.js';
import { AFTER_MESSAGE_PARAMS, AFTER_TURN_PARAMS, MessageRepository } from '../repository/message.repository.js';
import { ContextBuilder, answerReserve, type TurnPrompt } from './context-builder.service.js';
import { LEAK_CUT_WARNING, callModel, type TurnUsage } from './model-call.js';
import { TitleQueue } from './title.worker.js';

export type { TurnUsage };

/** Per-turn options a client may set (PRODUCT.md §3, §4). */
export interface TurnOptions {
  model?: string;
  /** The request layer of the system prompt. */
  systemPrompt?: string;
  /** A control instruction: answer in JSON (sent to Ollama as format: "json", and checked). */
  format?: 'json';
  /** The most tokens the answer may have; the room reserved for it caps it anyway. */
  maxTokens?: number;
}

export interface SendMessageInput extends TurnOptions {
  content: string;
  parentId?: string;
}

/** Why the answer ended: it was done, it reached its token limit, or it was cut before repeating the system prompt. */
export type FinishReason = 'stop' | 'length' | 'content_filter';

export interface TurnResult {
  /** Null when an answer was regenerated. */
  userMessage: Message | null;
  assistantMessage: Message;
  usage: TurnUsage;
  finishReason: FinishReason;
  warnings: string[];
}

/** Receives a turn's progress; the SSE writer implements it, the JSON path ignores it. */
export interface TurnListener {
  /** The answer's id is chosen (before the model is called): a resumable stream opens under it. */
  answerStarted?(answerId: string, questionId: string): void;
  userMessageStored?(message: Message): void;
  delta?(assistantMessageId: string, text: string): void;
}

export interface TurnRequestContext {
  signal: AbortSignal;
  traceId: string;
  listener?: TurnListener;
  /** Response headers decided during the turn (X-Quota-Warning), before anything is streamed. */
  setHeader?(name: string, value: string): void;
  /** Warnings decided before the turn (a rate limit's soft limit): the turn's `warnings` start with them. */
  warnings?: readonly string[];
}

export const LENGTH_WARNING = (limit: number): string => `the answer reached its limit of ${limit} tokens and was cut there`;

/**
 * One chat turn: validate, build the context from the branch, call the model, store the assistant message
 * and its usage in one statement. Streamed, the user message's insert overlaps the start of the model call,
 * but nothing of the answer is streamed or stored before that insert is acknowledged, so a failed model call
 * never loses the question and no answer exists without it. Answered in JSON, the question is stored in the
 * answer's statement (a failed model call stores it with the failed answer).
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
    private readonly titles: TitleQueue,
  ) {}

  async send(principal: Principal, conversationId: string, input: SendMessageInput, context: TurnRequestContext): Promise<TurnResult> {
    // Emptiness and length first: they need no database.
    this.moderation.checkMessageShape(input.content);
    const opened = await this.messages.openTurn(conversationId, principal.userId, input.parentId ?? null, { ...this.contexts.budgetsFor(principal), model: input.model ?? null });
    if (!opened) throw notFound('conversation');
    const { conversation, branch } = opened;
    assertAcceptsMessages(conversation);
    const tokenCount = await this.llm.countTokensAsync(input.content);
    let screening = await this.moderation.validateUserMessage(principal, input.content, { tokens: tokenCount }, conversation.id);
    const guarded = this.moderation.guardMessage(principal, input.content, screening, conversation.id); // null unless the plan wants a guard
    const guard = guarded ? await guarded : null;
    if (guard) screening = guard.screening;
    const validation = { checks: checksRun(principal), injectionScore: screening.injection.score, flagged: screening.flagged, ...(guard ? { guard: guard.verdict } : {}) };
    if (input.systemPrompt !== undefined) await this.moderation.validateSystemPrompt(principal, input.systemPrompt);
    const model = this.allowedModel(principal, input.model ?? conversation.model);
    const parentId = input.parentId ?? conversation.currentLeafId;
    const { prompt, newMessage } = await this.contexts.build({
      principal,
      conversation,
      model,
      parentId,
      walked: branch,
      newMessage: (parent) => draftMessage(randomUUID(), conversation.id, parent, { role: 'user', content: input.content, tokenCount, traceId: context.traceId }),
      requestSystemPrompt: input.systemPrompt,
      format: input.format,
    });
    const userMessage = newMessage!;
    annotateActiveSpan({ 'gus.conversation_id': conversation.id, 'gus.user_message_id': userMessage.id, 'gus.model': model.id });
    const reservation = await this.reserveTokens(principal, prompt, context);
    // Streamed, the question is written while the model starts on its answer, and no delta (nor message.created)
    // goes out before it is stored (see answer()). Answered in JSON, the client hears of neither before both are
    // stored, so they are stored together: one commit per turn instead of two.
    const listener = context.listener;
    if (!listener?.delta && !listener?.userMessageStored) {
      return this.answer(principal, conversation, model, userMessage, prompt, input, context, { userMessage, validation, reservation, questionStored: null });
    }
    const questionStored = this.messages.insertMessage(userMessage, { makeCurrentLeaf: true }).then(() => listener.userMessageStored?.(userMessage));
    return this.answer(principal, conversation, model, userMessage, prompt, input, context, { userMessage, validation, reservation, questionStored });
  }

  /** A new assistant answer, as a sibling of `messageId` (an answer) or as a child of it (a user message). */
  async regenerate(principal: Principal, conversationId: string, messageId: string, options: TurnOptions, context: TurnRequestContext): Promise<TurnResult> {
    const conversation = await this.writableConversation(principal, conversationId);
    if (options.systemPrompt !== undefined) await this.moderation.validateSystemPrompt(principal, options.systemPrompt);
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
    return this.answer(principal, conversation, model, question, prompt, options, context, { userMessage: null, validation: null, reservation, questionStored: null });
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

  /**
   * Calls the model and stores its answer (complete, failed or interrupted) with usage, in one statement.
   * `questionStored` is the user message's insert, still in flight: the answer's deltas wait for it, and if
   * it fails the model call is stopped and its error is the turn's. A new question with no insert in flight (a
   * JSON turn) is not stored yet and goes into the answer's statement.
   */
  private async answer(
    principal: Principal,
    conversation: Conversation,
    model: ModelSpec,
    question: Message,
    prompt: TurnPrompt,
    options: TurnOptions,
    context: TurnRequestContext,
    result: { userMessage: Message | null; validation: TurnContext['validation']; reservation: QuotaReservation; questionStored: Promise<void> | null },
  ): Promise<TurnResult> {
    const assistantId = randomUUID();
    annotateActiveSpan({ 'gus.conversation_id': conversation.id, 'gus.message_id': assistantId });
    context.listener?.answerStarted?.(assistantId, question.id);
    const gate = new QuestionGate(result.questionStored, (text) => context.listener?.delta?.(assistantId, text));
    const stop = new AbortController();
    result.questionStored?.catch(() => stop.abort()); // no question, no answer
    const maxTokens = answerLimit(prompt.window, options.maxTokens);
    const outcome = await callModel(this.llm, {
      model,
      messages: prompt.messages,
      window: prompt.window,
      maxTokens,
      promptTokensEstimate: prompt.tokens,
      format: options.format,
      signal: context.signal,
      stop,
      canary: prompt.canary,
      systemFingerprint: prompt.systemFingerprint,
      onDelta: (text) => gate.delta(text),
    });
    try {
      await gate.open();
    } catch (error) {
      await this.usage.settleTokens(result.reservation, 0);
      throw error;
    }
    const { status, failure, usage } = outcome;
    if (outcome.leak === 'system-prompt') this.moderation.observeSystemPromptLeak(principal, conversation.id, { words: outcome.leakWords, model: model.id });
    const finishReason: FinishReason = outcome.leakCut ? 'content_filter' : outcome.truncated ? 'length' : 'stop';
    const formatValid = options.format === 'json' && status === 'complete' ? isJsonObject(outcome.text) : null;
    const turnContext: TurnContext = {
      fromMessageId: prompt.includedIds[0] ?? null,
      messageCount: prompt.includedIds.length,
      tokens: prompt.tokens,
      leftOut: prompt.leftOut,
      window: prompt.window,
      summaryId: prompt.summaryId,
      systemLayers: prompt.systemLayers,
      format: options.format ?? null,
      formatValid,
      validation: result.validation,
      maxTokens,
      finishReason,
      ...(outcome.leak ? { leak: outcome.leak } : {}),
      ...(prompt.spotlighting ? { spotlighting: prompt.spotlighting } : {}),
    };
    const assistantMessage: Message = {
      ...draftMessage(assistantId, conversation.id, question, { role: 'assistant', content: outcome.text, tokenCount: await this.llm.countTokensAsync(outcome.text), traceId: context.traceId }),
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
    // A failed attempt stays in the tree for the record, but the branch still ends at the question.
    const makeCurrentLeaf = status !== 'failed';
    const event: UsageEvent | null =
      usage.totalTokens > 0
        ? {
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
          }
        : null;
    try {
      if (result.userMessage && !result.questionStored) {
        // A JSON turn: its question is stored here, with its answer.
        const ledger = event ? { cte: this.usage.ledgerCte(AFTER_TURN_PARAMS), params: this.usage.ledgerParams(event) } : undefined;
        await this.messages.insertTurn(question, assistantMessage, { makeAnswerCurrentLeaf: makeCurrentLeaf }, ledger);
      } else if (event) {
        await this.messages.insertMessageWith(assistantMessage, { makeCurrentLeaf }, { cte: this.usage.ledgerCte(AFTER_MESSAGE_PARAMS), params: this.usage.ledgerParams(event) });
      } else {
        await this.messages.insertMessage(assistantMessage, { makeCurrentLeaf });
      }
    } catch (error) {
      // Nothing reached the ledger: nothing is counted.
      await this.usage.settleTokens(result.reservation, 0);
      throw error;
    }
    // The answer is stored and counted in the ledger: the settlement is sent now, and the response does not wait
    // for Redis's reply (until it lands the counter holds the larger reservation, which only errs on the strict side).
    void this.usage.settleTokens(result.reservation, usage.totalTokens);
    if (event) this.usage.afterCommit(event.id);
    // The first answered question of an untitled conversation (or its retry after a failed attempt) asks for a title.
    if (status === 'complete' && conversation.title === null && question.depth <= 1 && principal.plan.titles) {
      this.titles.request({ conversationId: conversation.id, userId: principal.userId, questionId: question.id, answerId: assistantId, model: model.id });
    }
    if (failure) throw failure;
    const warnings = [
      ...(context.warnings ?? []),
      ...result.reservation.warnings,
      ...(outcome.leakCut ? [LEAK_CUT_WARNING] : []),
      ...(finishReason === 'length' ? [LENGTH_WARNING(maxTokens)] : []),
      ...(formatValid === false ? ['the answer was asked for as JSON but is not one JSON object'] : []),
    ];
    return { userMessage: result.userMessage, assistantMessage, usage, finishReason, warnings };
  }
}

/**
 * The most tokens an answer may have: the room the quota reservation kept for it (a client's own smaller
 * limit wins), so that no answer can pass what was reserved for it.
 */
export function answerLimit(window: number, requested: number | undefined): number {
  const room = answerReserve(window);
  return requested !== undefined && requested > 0 ? Math.min(room, requested) : room;
}

/**
 * Holds an answer's deltas until the question's insert is acknowledged, then lets them through as they come.
 * Without a question to wait for (regenerate), it is open from the start.
 */
class QuestionGate {
  private held: string[] | null;
  private readonly stored: Promise<void>;

  constructor(
    questionStored: Promise<void> | null,
    private readonly forward: (text: string) => void,
  ) {
    this.held = questionStored ? [] : null;
    this.stored = (questionStored ?? Promise.resolve()).then(() => {
      const held = this.held ?? [];
      this.held = null;
      for (const text of held) this.forward(text);
    });
  }

  delta(text: string): void {
    if (this.held) this.held.push(text);
    else this.forward(text);
  }

  /** Resolves once the question is stored and every held delta is out; rejects with the insert's error. */
  open(): Promise<void> {
    return this.stored;
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
