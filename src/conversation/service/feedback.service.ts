import { Injectable } from '@nestjs/common';
import type { Principal } from '../../../libs/auth/principal.js';
import { invalid, notFound } from '../../../libs/errors/domain-error.js';
import { LlmFacade } from '../../llm/llm.facade.js';
import { analyticsRange, MAX_ANALYTICS_DAYS, type AnalyticsRow, type Feedback, type Rating } from '../domain/feedback.js';
import { AnalyticsRepository } from '../repository/analytics.repository.js';
import { ConversationRepository } from '../repository/conversation.repository.js';
import { FeedbackRepository } from '../repository/feedback.repository.js';
import { MessageRepository } from '../repository/message.repository.js';

const DAY_MS = 86_400_000;

/** Ratings of answers by their owner, and the admin analytics that read them with the answers themselves. */
@Injectable()
export class FeedbackService {
  constructor(
    private readonly conversations: ConversationRepository,
    private readonly messages: MessageRepository,
    private readonly feedback: FeedbackRepository,
    private readonly analytics: AnalyticsRepository,
    private readonly llm: LlmFacade,
  ) {}

  /** Rates an answer of the caller's conversation (NOT_FOUND for anyone else's); rating again replaces the rating. */
  async rate(principal: Principal, conversationId: string, messageId: string, input: { rating: Rating; reason?: string; comment?: string }): Promise<Feedback> {
    const conversation = await this.conversations.findOwned(conversationId, principal.userId);
    if (!conversation) throw notFound('conversation');
    const message = await this.messages.findMessage(conversationId, messageId);
    if (!message) throw notFound('message');
    if (message.role !== 'assistant') throw invalid('only answers (assistant messages) can be rated');
    return this.feedback.upsert({ messageId, conversationId, userId: principal.userId, rating: input.rating, reason: input.reason ?? null, comment: input.comment ?? null });
  }

  async report(query: { from?: string; to?: string; model?: string; plan?: string }, now = new Date()): Promise<{ from: string; to: string; model: string | null; plan: string | null; data: AnalyticsRow[] }> {
    const { from, to, days } = analyticsRange(query, now);
    if (days < 1) throw invalid('from must not be after to');
    if (days > MAX_ANALYTICS_DAYS) throw invalid(`the range may cover at most ${MAX_ANALYTICS_DAYS} days`);
    const start = Date.parse(`${from}T00:00:00Z`);
    const list = Array.from({ length: days }, (_, i) => new Date(start + i * DAY_MS).toISOString().slice(0, 10));
    const filter = { model: query.model ?? null, plan: query.plan ?? null };
    // Rolled-up closed days from the daily rollup, the rest (today, days not rolled up yet) live.
    const data = await this.analytics.report(list, filter, this.llm.resolveModel(null).id);
    return { from, to, ...filter, data };
  }
}
