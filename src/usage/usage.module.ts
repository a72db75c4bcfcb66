import { Module } from '@nestjs/common';
import { UsageController } from './controller/usage.controller.js';
import { UsageRepository } from './repository/usage.repository.js';
import { BillingWorker } from './service/billing.worker.js';
import { UsageOutboxRelay } from './service/usage-outbox.relay.js';
import { UsageReportService } from './service/usage-report.service.js';
import { UsageFacade } from './usage.facade.js';

@Module({
  controllers: [UsageController],
  providers: [UsageRepository, UsageReportService, UsageOutboxRelay, BillingWorker, UsageFacade],
  exports: [UsageFacade],
})
export class UsageModule {}
