import { randomUUID } from 'node:crypto';
import { Injectable, Logger } from '@nestjs/common';
import type { Principal } from '../../../libs/auth/principal.js';
import { DomainError, notFound } from '../../../libs/errors/domain-error.js';
import { IdentityFacade } from '../../identity/identity.facade.js';
import { LlmFacade, type ModelSpec } from '../../llm/llm.facade.js';
import { ModerationFacade } from '../../moderation/moderation.facade.js';
import { UsageFacade } from '../../usage/usage.facade.js';
import { fitContext, type BuiltContext } from '../domain/context-window.js';
import { assertAcceptsMessages, type Conversation } from '../domain/conversation.js';
import { countsAsHistory, type Message, type MessageStatus } from '../domain/message.js';
import { ConversationRepository } from '../repository/conversation.repository.js';

export interface SendMessageInput {
  content: string;
  parentId?: string;
  model?: string;
}

export interface TurnUsage {
  promptTokens: number;
  completionTokens: number;
  totalTokens: number;
  costMicros: number;
  latencyMs: number;
  ttftMs: number | null;
}

export interface TurnResult {
  userMessage: Message;
  assistantMessage: Message;
  usage: TurnUsage;
}

/** Receives a turn's progress; the SSE writer implements it, the JSON path ignores it. */
export interface TurnListener {
  userMessageStored?(message: Message): void;
  delta?(assistantMessageId: string, text: string): void;
}

/** How many ancestors a turn reads at most; the token budget trims further. */
const MAX_CONTEXT_MESSAGES = 512;
/** Tokens kept free in the window for the answer. */
const ANSWER_RESERVE_TOKENS = 1024;

/**
 * One chat turn: validate, store the user message, build the context from the branch, call the
 * model, store the assistant message and its usage in one transaction. The user message is stored
 * before the model is called, so a failed model call never loses it.
 */
@Injectable()
export class SendMessageService {
  private readonly logger = new Logger('SendMessageService');

  constructor(
    private readonly conversations: ConversationRepository,
    private readonly llm: LlmFacade,
    private readonly identity: IdentityFacade,
    private readonly moderation: ModerationFacade,
    private readonly usage: UsageFacade,
  ) {}

  async send(principal: Principal, conversationId: string, input: SendMessageInput, context: { signal: AbortSignal; traceId: string; listener?: TurnListener }): Promise<TurnResult> {
    const conversation = await this.conversations.findOwned(conversationId, principal.userId);
    if (!conversation) throw notFound('conversation');
    assertAcceptsMessages(conversation);
    this.moderation.validateUserMessage(input.content);
    const model = this.llm.resolveModel(input.model ?? conversation.model);
    this.identity.assertMayUseModel(principal, model);
    const parent = await this.findParent(conversation, input.parentId);

    const history = parent ? await this.conversations.findBranch(parent.id, MAX_CONTEXT_MESSAGES) : [];
    const userMessage = newMessage(conversation.id, parent, {
      role: 'user',
      content: input.content,
      tokenCount: this.llm.countTokens(input.content),
      traceId: context.traceId,
    });
    const window = Math.min(model.contextWindow ?? 4096, principal.plan.maxContextTokens);
    const built = this.buildContext(conversation, [...history.filter(countsAsHistory), userMessage], window);

    await this.conversations.transaction((tx) => this.conversations.insertMessage(tx, userMessage, { makeCurrentLeaf: true }));
    context.listener?.userMessageStored?.(userMessage);
    return this.callModel(principal, conversation, model, userMessage, built, context);
  }

  private async findParent(conversation: Conversation, parentId: string | undefined): Promise<Message | null> {
    const id = parentId ?? conversation.currentLeafId;
    if (!id) return null;
    const parent = await this.conversations.findMessage(conversation.id, id);
    if (!parent) throw notFound('parent message');
    return parent;
  }

  private buildContext(conversation: Conversation, branch: Message[], window: number): BuiltContext {
    const budget = Math.max(window - ANSWER_RESERVE_TOKENS, Math.floor(window / 2));
    const system = conversation.systemPrompt ? { content: conversation.systemPrompt, tokens: this.llm.countTokens(conversation.systemPrompt) } : null;
    const built = fitContext(system, branch, budget);
    if (built.tokens > budget) {
      throw new DomainError('MESSAGE_TOO_LONG', `the message needs about ${built.tokens} tokens with the system prompt; this model and plan allow ${budget}`);
    }
    return built;
  }

  private async callModel(
    principal: Principal,
    conversation: Conversation,
    model: ModelSpec,
    userMessage: Message,
    built: BuiltContext,
    context: { signal: AbortSignal; traceId: string; listener?: TurnListener },
  ): Promise<TurnResult> {
    const assistantId = randomUUID();
    const startedAt = new Date();
    const started = performance.now();
    let text = '';
    let ttftMs: number | null = null;
    let promptTokens: number | null = null;
    let completionTokens: number | null = null;
    let status: MessageStatus = 'complete';
    let failure: DomainError | null = null;
    try {
      for await (const event of this.llm.stream({ model, messages: built.messages, signal: context.signal })) {
        if (event.type === 'delta') {
          ttftMs ??= Math.round(performance.now() - started);
          text += event.text;
          context.listener?.delta?.(assistantId, event.text);
        } else {
          promptTokens = event.promptTokens;
          completionTokens = event.completionTokens;
        }
      }
      if (context.signal.aborted) status = 'interrupted';
    } catch (error) {
      if (context.signal.aborted) status = 'interrupted';
      else {
        status = 'failed';
        failure = error instanceof DomainError ? error : new DomainError('LLM_ERROR', 'the model call failed');
        if (!(error instanceof DomainError)) this.logger.error({ msg: 'model call failed unexpectedly', error: String(error) });
      }
    }
    const completedAt = new Date();
    const latencyMs = Math.round(performance.now() - started);
    const usage: TurnUsage = {
      promptTokens: promptTokens ?? built.tokens,
      completionTokens: completionTokens ?? this.llm.countTokens(text),
      totalTokens: 0,
      costMicros: 0,
      latencyMs,
      ttftMs,
    };
    if (status === 'failed' && ttftMs === null) usage.promptTokens = 0; // nothing was generated, nothing is billed
    usage.totalTokens = usage.promptTokens + usage.completionTokens;
    usage.costMicros = this.llm.price(model, usage.promptTokens, usage.completionTokens);

    const assistantMessage: Message = {
      ...newMessage(conversation.id, userMessage, { role: 'assistant', content: text, tokenCount: this.llm.countTokens(text), traceId: context.traceId }),
      id: assistantId,
      status,
      model: model.id,
      promptTokens: usage.promptTokens,
      completionTokens: usage.completionTokens,
      latencyMs,
      ttftMs,
      costMicros: usage.costMicros,
      errorCode: failure?.code ?? null,
      createdAt: startedAt,
      completedAt,
    };
    await this.conversations.transaction(async (tx) => {
      // A failed attempt stays in the tree for the record, but the branch still ends at the user message.
      await this.conversations.insertMessage(tx, assistantMessage, { makeCurrentLeaf: status !== 'failed' });
      if (usage.totalTokens > 0) {
        await this.usage.recordTurn(tx, {
          id: assistantId,
          userId: principal.userId,
          conversationId: conversation.id,
          model: model.id,
          promptTokens: usage.promptTokens,
          completionTokens: usage.completionTokens,
          costMicros: usage.costMicros,
          latencyMs,
          ttftMs,
          occurredAt: completedAt,
        });
      }
    });
    this.usage.afterCommit();
    if (failure) throw failure;
    return { userMessage, assistantMessage, usage };
  }
}

function newMessage(
  conversationId: string,
  parent: Message | null,
  fields: Pick<Message, 'role' | 'content' | 'tokenCount' | 'traceId'>,
): Message {
  const now = new Date();
  return {
    id: randomUUID(),
    conversationId,
    parentId: parent?.id ?? null,
    depth: parent ? parent.depth + 1 : 0,
    status: 'complete',
    model: null,
    promptTokens: null,
    completionTokens: null,
    latencyMs: null,
    ttftMs: null,
    costMicros: null,
    errorCode: null,
    createdAt: now,
    completedAt: now,
    ...fields,
  };
}
