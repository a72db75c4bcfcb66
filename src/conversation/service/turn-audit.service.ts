import { Injectable } from '@nestjs/common';
import { notFound } from '../../../libs/errors/domain-error.js';
import { UsageFacade } from '../../usage/usage.facade.js';
import type { Message } from '../domain/message.js';
import { ConversationRepository } from '../repository/conversation.repository.js';
import { MessageRepository } from '../repository/message.repository.js';

export interface TurnStep {
  step: 'received' | 'validated' | 'context built' | 'model called' | 'stored' | 'billed';
  at: string | null;
  [detail: string]: unknown;
}

export interface TurnTimeline {
  traceId: string | null;
  userMessageId: string | null;
  assistantMessageId: string;
  status: Message['status'];
  steps: TurnStep[];
}

/**
 * The audit trail of a conversation, for admins: each turn's timeline rebuilt from what the turn
 * stored (messages, their context record) and from the usage ledger (billed or not yet).
 */
@Injectable()
export class TurnAuditService {
  constructor(
    private readonly conversations: ConversationRepository,
    private readonly messages: MessageRepository,
    private readonly usage: UsageFacade,
  ) {}

  async timeline(conversationId: string): Promise<{ conversationId: string; userId: string; turns: TurnTimeline[] }> {
    const conversation = await this.conversations.findById(conversationId);
    if (!conversation) throw notFound('conversation');
    const tree = await this.messages.findTree(conversationId);
    const byId = new Map(tree.map((message) => [message.id, message]));
    const answers = tree.filter((message) => message.role === 'assistant').sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime());
    const billing = await this.usage.billingStatus(answers.map((answer) => answer.id));
    const turns = answers.map((answer) => {
      const question = answer.parentId ? (byId.get(answer.parentId) ?? null) : null;
      const context = answer.context;
      const billed = billing.get(answer.id);
      const steps: TurnStep[] = [
        { step: 'received', at: iso(question?.createdAt), messageId: question?.id ?? null },
        { step: 'validated', at: iso(question?.createdAt), ...(context?.validation ?? { regenerated: true }) },
        {
          step: 'context built',
          at: iso(answer.createdAt),
          messages: context?.messageCount ?? null,
          tokens: context?.tokens ?? null,
          leftOut: context?.leftOut ?? null,
          window: context?.window ?? null,
          summaryId: context?.summaryId ?? null,
          systemLayers: context?.systemLayers ?? [],
          spotlighting: context?.spotlighting ?? null,
        },
        {
          step: 'model called',
          at: iso(answer.createdAt),
          model: answer.model,
          latencyMs: answer.latencyMs,
          ttftMs: answer.ttftMs,
          promptTokens: answer.promptTokens,
          completionTokens: answer.completionTokens,
          status: answer.status,
          errorCode: answer.errorCode,
          finishReason: context?.finishReason ?? null,
          leak: context?.leak ?? null,
        },
        { step: 'stored', at: iso(answer.completedAt) },
        { step: 'billed', at: iso(billed?.appliedAt), costMicros: billed?.costMicros ?? 0, pending: billed !== undefined && billed.appliedAt === null, charged: billed !== undefined },
      ];
      return { traceId: answer.traceId, userMessageId: question?.id ?? null, assistantMessageId: answer.id, status: answer.status, steps };
    });
    return { conversationId, userId: conversation.userId, turns };
  }
}

const iso = (date: Date | null | undefined): string | null => (date ? date.toISOString() : null);
