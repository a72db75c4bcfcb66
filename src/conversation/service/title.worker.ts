import { createHash } from 'node:crypto';
import { Inject, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../../../libs/config/app-config.js';
import { titleJobs } from '../../../libs/metrics/metrics.js';
import { InProcessJobQueue } from '../../../libs/queue/in-process-job-queue.js';
import { JobQueue } from '../../../libs/queue/job-queue.js';
import { TITLE_QUEUE } from '../../../libs/queue/queues.js';
import { LlmFacade } from '../../llm/llm.facade.js';
import { UsageFacade, type UsageEvent } from '../../usage/usage.facade.js';
import { TITLE_INSTRUCTION, cleanTitle, excerpt } from '../domain/title.js';
import { ConversationRepository } from '../repository/conversation.repository.js';
import { MessageRepository } from '../repository/message.repository.js';

export { TITLE_QUEUE };
/** The answer room a title gets: a handful of words. */
const TITLE_MAX_TOKENS = 24;

export interface TitleJob {
  conversationId: string;
  userId: string;
  questionId: string;
  answerId: string;
  model: string;
}

/** The title's usage event id, the same at every delivery of the job: it is billed once. */
function titleEventId(conversationId: string): string {
  const h = createHash('md5').update(`title:${conversationId}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** Asks for a title without ever blocking or failing a turn (one job per conversation). */
@Injectable()
export class TitleQueue {
  private readonly logger = new Logger('TitleQueue');

  constructor(private readonly queue: JobQueue) {}

  request(job: TitleJob): void {
    this.queue.add(TITLE_QUEUE, `title-${job.conversationId}`, job).catch((error: unknown) =>
      this.logger.warn({ msg: 'could not queue a title', conversationId: job.conversationId, error: String(error) }),
    );
  }
}

/**
 * Titles a conversation from its first question and answer with the conversation's model. The title and its usage
 * event (kind `title`, billed to the user) are written in one statement, and only if the conversation still has no
 * title: a title the user set first — before the job or during its model call — is never replaced, and then nothing
 * is billed. A failing call throws, and the queue tries again with backoff.
 */
@Injectable()
export class TitleWorker implements OnModuleInit {
  constructor(
    private readonly conversations: ConversationRepository,
    private readonly messages: MessageRepository,
    private readonly llm: LlmFacade,
    private readonly usage: UsageFacade,
    private readonly queue: JobQueue,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  onModuleInit(): void {
    // With BullMQ, TitleProcessor brings the jobs to handle().
    if (this.config.role === 'api' || !(this.queue instanceof InProcessJobQueue)) return;
    this.queue.process<TitleJob>(TITLE_QUEUE, (job) => this.handle(job));
  }

  async handle(job: TitleJob): Promise<void> {
    try {
      titleJobs.inc({ outcome: (await this.title(job)) === null ? 'skipped' : 'titled' });
    } catch (error) {
      titleJobs.inc({ outcome: 'failed' });
      throw error;
    }
  }

  /** Returns the title set, or null when there was nothing to do. */
  async title(job: TitleJob): Promise<string | null> {
    const conversation = await this.conversations.findById(job.conversationId);
    if (!conversation || conversation.title !== null) return null; // gone, or titled already (by its user, or an earlier delivery)
    const [question, answer] = await Promise.all([this.messages.findMessage(job.conversationId, job.questionId), this.messages.findMessage(job.conversationId, job.answerId)]);
    if (!question || !answer) return null;
    const model = this.llm.resolveModel(job.model);
    const messages = [
      { role: 'system' as const, content: TITLE_INSTRUCTION },
      { role: 'user' as const, content: `Question:\n${excerpt(question.content)}\n\nAnswer:\n${excerpt(answer.content)}` },
    ];
    const started = Date.now();
    // The llm context applies its own deadlines; nobody cancels a background title.
    const reply = await this.llm.complete({ model, messages, contextWindow: Math.min(model.contextWindow ?? 4096, 4096), maxTokens: TITLE_MAX_TOKENS, signal: new AbortController().signal });
    const title = cleanTitle(reply.text);
    if (!title) throw new Error('the model returned no usable title');
    const promptTokens = reply.promptTokens ?? messages.reduce((sum, m) => sum + this.llm.countTokens(m.content), 0);
    const completionTokens = reply.completionTokens ?? this.llm.countTokens(reply.text);
    const event: UsageEvent = {
      id: titleEventId(job.conversationId),
      kind: 'title',
      userId: job.userId,
      conversationId: job.conversationId,
      model: model.id,
      promptTokens,
      completionTokens,
      costMicros: this.llm.price(model, promptTokens, completionTokens),
      latencyMs: Date.now() - started,
      ttftMs: null,
      occurredAt: new Date(),
    };
    const set = await this.conversations.setGeneratedTitle(job.conversationId, title, { cte: this.usage.ledgerCteIf(3, 'titled'), params: this.usage.ledgerParams(event) });
    if (!set) return null;
    this.usage.afterCommit(event.id);
    return title;
  }
}
