import { Processor } from '@nestjs/bullmq';
import { QueueProcessor, workerOptions } from '../../../libs/queue/queue-processor.js';
import { BILLING_QUEUE } from '../../../libs/queue/queues.js';
import { BillingWorker } from './billing.worker.js';

/** BullMQ consumer of usage-billing (worker processes only; loaded only with Redis). */
@Processor(BILLING_QUEUE, workerOptions(BILLING_QUEUE))
export class BillingProcessor extends QueueProcessor {
  constructor(private readonly billing: BillingWorker) {
    super();
  }

  protected async handle(): Promise<void> {
    await this.billing.applyPending();
  }
}
