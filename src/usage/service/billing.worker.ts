import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../../../libs/config/app-config.js';
import { JobQueue } from '../../../libs/queue/job-queue.js';
import { UsageRepository } from '../repository/usage.repository.js';
import { BILLING_QUEUE } from './usage-outbox.relay.js';

/** Keeps the running totals per user, conversation, model and day. Idempotent: see UsageRepository.applyEvent. */
@Injectable()
export class BillingWorker implements OnModuleInit {
  constructor(
    private readonly usage: UsageRepository,
    private readonly queue: JobQueue,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  onModuleInit(): void {
    if (this.config.role === 'api') return;
    this.queue.process<{ eventId: string }>(BILLING_QUEUE, async ({ eventId }) => {
      await this.usage.applyEvent(eventId);
    });
  }
}
