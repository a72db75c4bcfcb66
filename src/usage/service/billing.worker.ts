import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../../../libs/config/app-config.js';
import { InProcessJobQueue } from '../../../libs/queue/in-process-job-queue.js';
import { JobQueue } from '../../../libs/queue/job-queue.js';
import { BILLING_QUEUE } from '../../../libs/queue/queues.js';
import { UsageRepository } from '../repository/usage.repository.js';

/** Events applied per statement; a job keeps going until fewer are left. */
export const BILLING_BATCH = 500;

/**
 * Keeps the running totals per user, conversation, model and day. A job means "apply what is pending", so
 * any number of jobs, run twice or by several workers, apply each event exactly once (UsageRepository.applyPending).
 * With BullMQ its jobs reach it through BillingProcessor; on the embedded queue it registers itself.
 */
@Injectable()
export class BillingWorker implements OnModuleInit {
  constructor(
    private readonly usage: UsageRepository,
    private readonly queue: JobQueue,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  onModuleInit(): void {
    if (this.config.role === 'api' || !(this.queue instanceof InProcessJobQueue)) return;
    this.queue.process(BILLING_QUEUE, async () => void (await this.applyPending()));
  }

  async applyPending(): Promise<number> {
    let total = 0;
    for (;;) {
      const applied = await this.usage.applyPending(BILLING_BATCH);
      total += applied;
      if (applied < BILLING_BATCH) return total;
    }
  }
}
