import { Module, type DynamicModule } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { ThrottlerModule } from '@nestjs/throttler';
import { APP_CONFIG } from '../../libs/config/app-config.js';
import { REDIS } from '../../libs/queue/redis.js';
import { AdminUsageController } from './controller/admin-usage.controller.js';
import { UsageController } from './controller/usage.controller.js';
import { UsageRepository } from './repository/usage.repository.js';
import { BillingWorker } from './service/billing.worker.js';
import { RateLimitGuard } from './service/rate-limit.guard.js';
import { rateLimitOptions } from './service/rate-limit.options.js';
import { QuotaService } from './service/quota.service.js';
import { UsageOutboxRelay } from './service/usage-outbox.relay.js';
import { UsageReportService } from './service/usage-report.service.js';
import { UsageFacade } from './usage.facade.js';

@Module({
  imports: [ThrottlerModule.forRootAsync({ inject: [APP_CONFIG, REDIS], useFactory: rateLimitOptions })],
  controllers: [UsageController, AdminUsageController],
  providers: [
    UsageRepository,
    UsageReportService,
    UsageOutboxRelay,
    BillingWorker,
    QuotaService,
    UsageFacade,
    // After identity's BearerAuthGuard (see RateLimitGuard for why the order holds).
    { provide: APP_GUARD, useClass: RateLimitGuard },
  ],
  exports: [UsageFacade, BillingWorker],
})
export class UsageModule {}

@Module({})
export class UsageProcessorsModule {}

/** This context's BullMQ consumers, for processes that run workers on Redis (@nestjs/bullmq is loaded only then). */
export async function usageProcessors(): Promise<DynamicModule> {
  const { BillingProcessor } = await import('./service/billing.processor.js');
  return { module: UsageProcessorsModule, imports: [UsageModule], providers: [BillingProcessor] };
}
