import { Processor } from '@nestjs/bullmq';
import { QueueProcessor, workerOptions } from '../../../libs/queue/queue-processor.js';
import { ANALYTICS_ROLLUP_QUEUE } from '../../../libs/queue/queues.js';
import { AnalyticsRollupService } from './analytics-rollup.service.js';

/** BullMQ consumer of analytics-rollup (worker processes only; loaded only with Redis). */
@Processor(ANALYTICS_ROLLUP_QUEUE, workerOptions(ANALYTICS_ROLLUP_QUEUE))
export class AnalyticsRollupProcessor extends QueueProcessor {
  constructor(private readonly rollup: AnalyticsRollupService) {
    super();
  }

  protected async handle(): Promise<void> {
    await this.rollup.run();
  }
}
