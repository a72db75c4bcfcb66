import { Module, type DynamicModule } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { IdentityModule } from '../identity/identity.module.js';
import { LlmModule } from '../llm/llm.module.js';
import { ModerationModule } from '../moderation/moderation.module.js';
import { UsageModule } from '../usage/usage.module.js';
import { AdminAnalyticsController } from './controller/admin-analytics.controller.js';
import { AdminRetentionController } from './controller/admin-retention.controller.js';
import { AdminTraceController } from './controller/admin-trace.controller.js';
import { ChatCompletionsController } from './controller/chat-completions.controller.js';
import { ConversationsController } from './controller/conversations.controller.js';
import { SearchController } from './controller/search.controller.js';
import { UserDataController } from './controller/user-data.controller.js';
import { ConversationFacade } from './conversation.facade.js';
import { ConversationEntity } from './repository/conversation.entity.js';
import { AnalyticsRepository } from './repository/analytics.repository.js';
import { ConversationRepository } from './repository/conversation.repository.js';
import { FeedbackRepository } from './repository/feedback.repository.js';
import { RetentionRepository } from './repository/retention.repository.js';
import { IdempotencyRepository } from './repository/idempotency.repository.js';
import { MessageRepository } from './repository/message.repository.js';
import { MessageSearchRepository } from './repository/message-search.repository.js';
import { systemPromptCatalogProvider } from './repository/system-prompt.file.js';
import { ChatCompletionsService } from './service/chat-completions.service.js';
import { ContextBuilder } from './service/context-builder.service.js';
import { IdempotencyService } from './service/idempotency.service.js';
import { IdleConversationSweeper } from './service/idle-conversation.sweeper.js';
import { AbandonedTurnSweeper } from './service/abandoned-turn.sweeper.js';
import { AnalyticsRollupService } from './service/analytics-rollup.service.js';
import { MessageSearchService } from './service/message-search.service.js';
import { SummaryQueue, SummaryWorker } from './service/summary.worker.js';
import { TitleQueue, TitleWorker } from './service/title.worker.js';
import { ConversationsService } from './service/conversations.service.js';
import { FeedbackService } from './service/feedback.service.js';
import { RetentionService } from './service/retention.service.js';
import { SendMessageService } from './service/send-message.service.js';
import { TurnAuditService } from './service/turn-audit.service.js';
import { TurnStreamWriterFactory, turnStreamStoreProvider } from './service/turn-stream.store.js';
import { UserDataService } from './service/user-data.service.js';

@Module({
  imports: [TypeOrmModule.forFeature([ConversationEntity]), IdentityModule, LlmModule, ModerationModule, UsageModule],
  controllers: [ConversationsController, ChatCompletionsController, SearchController, AdminTraceController, AdminAnalyticsController, UserDataController, AdminRetentionController],
  providers: [
    ConversationRepository,
    MessageRepository,
    systemPromptCatalogProvider,
    ContextBuilder,
    SummaryQueue,
    SummaryWorker,
    TitleQueue,
    TitleWorker,
    IdleConversationSweeper,
    AbandonedTurnSweeper,
    ConversationsService,
    SendMessageService,
    ChatCompletionsService,
    IdempotencyRepository,
    IdempotencyService,
    ConversationFacade,
    TurnAuditService,
    MessageSearchRepository,
    MessageSearchService,
    FeedbackRepository,
    AnalyticsRepository,
    FeedbackService,
    AnalyticsRollupService,
    UserDataService,
    RetentionRepository,
    RetentionService,
    turnStreamStoreProvider,
    TurnStreamWriterFactory,
  ],
  exports: [ConversationFacade, SummaryWorker, TitleWorker, RetentionService, AnalyticsRollupService],
})
export class ConversationModule {}

@Module({})
export class ConversationProcessorsModule {}

/** This context's BullMQ consumers, for processes that run workers on Redis (@nestjs/bullmq is loaded only then). */
export async function conversationProcessors(): Promise<DynamicModule> {
  const [{ SummaryProcessor }, { TitleProcessor }, { RetentionProcessor }, { AnalyticsRollupProcessor }] = await Promise.all([
    import('./service/summary.processor.js'),
    import('./service/title.processor.js'),
    import('./service/retention.processor.js'),
    import('./service/analytics-rollup.processor.js'),
  ]);
  return {
    module: ConversationProcessorsModule,
    imports: [ConversationModule],
    providers: [SummaryProcessor, TitleProcessor, RetentionProcessor, AnalyticsRollupProcessor],
  };
}
