import { Processor } from '@nestjs/bullmq';
import { QueueProcessor, workerOptions } from '../../../libs/queue/queue-processor.js';
import { RETENTION_QUEUE } from '../../../libs/queue/queues.js';
import { RetentionService } from './retention.service.js';

/** BullMQ consumer of conversation-retention (worker processes only; loaded only with Redis). */
@Processor(RETENTION_QUEUE, workerOptions(RETENTION_QUEUE))
export class RetentionProcessor extends QueueProcessor {
  constructor(private readonly retention: RetentionService) {
    super();
  }

  protected async handle(): Promise<void> {
    await this.retention.run();
  }
}
