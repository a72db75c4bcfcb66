import { DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER, APP_INTERCEPTOR } from '@nestjs/core';
import { TypeOrmModule } from '@nestjs/typeorm';
import type { AppConfig } from '../libs/config/app-config.js';
import { ConfigModule } from '../libs/config/config.module.js';
import { DatabaseModule } from '../libs/database/database.module.js';
import { dataSourceOptions, openDataSource } from '../libs/database/data-source.js';
import { HttpErrorFilter } from '../libs/errors/http-error.filter.js';
import { LoggingModule, loggingProcessors } from '../libs/logging/logging.module.js';
import { HandlerSpanInterceptor } from '../libs/tracing/handler-span.interceptor.js';
import { tracingEnabled } from '../libs/tracing/tracing.js';
import { QueueModule } from '../libs/queue/queue.module.js';
import { ConversationModule, conversationProcessors } from './conversation/conversation.module.js';
import { HealthModule, queueDashboardModule } from './health/health.module.js';
import { IdentityModule } from './identity/identity.module.js';
import { LlmModule } from './llm/llm.module.js';
import { ModerationModule } from './moderation/moderation.module.js';
import { UsageModule, usageProcessors } from './usage/usage.module.js';

/** The modular monolith: one module per bounded context on top of the shared libs. */
@Module({})
export class AppModule {
  static async forRoot(config: AppConfig): Promise<DynamicModule> {
    // BullMQ consumers (@Processor classes) only where jobs are run: with Redis, in roles all and worker.
    const processors = config.redisUrl && config.role !== 'api' ? await Promise.all([usageProcessors(), conversationProcessors(), loggingProcessors()]) : [];
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(config),
        LoggingModule.forRoot(config),
        TypeOrmModule.forRootAsync({
          useFactory: async () => ({ ...(await dataSourceOptions(config)), autoLoadEntities: true }),
          dataSourceFactory: (options) => openDataSource(options!, config),
        }),
        DatabaseModule,
        await QueueModule.forRoot(config),
        IdentityModule,
        ConversationModule,
        LlmModule,
        UsageModule,
        ModerationModule,
        HealthModule,
        await queueDashboardModule(config),
        ...processors,
      ],
      providers: [
        { provide: APP_FILTER, useClass: HttpErrorFilter },
        // A span per handler only when spans are exported (see libs/tracing).
        ...(tracingEnabled() ? [{ provide: APP_INTERCEPTOR, useClass: HandlerSpanInterceptor }] : []),
      ],
    };
  }
}
