import { Processor } from '@nestjs/bullmq';
import { QueueProcessor, workerOptions } from '../../../libs/queue/queue-processor.js';
import { SUMMARY_QUEUE } from '../../../libs/queue/queues.js';
import { SummaryWorker, type SummaryJob } from './summary.worker.js';

/** BullMQ consumer of conversation-summaries (worker processes only; loaded only with Redis). */
@Processor(SUMMARY_QUEUE, workerOptions(SUMMARY_QUEUE))
export class SummaryProcessor extends QueueProcessor<SummaryJob> {
  constructor(private readonly summaries: SummaryWorker) {
    super();
  }

  protected handle(job: SummaryJob): Promise<void> {
    return this.summaries.summarise(job);
  }
}
