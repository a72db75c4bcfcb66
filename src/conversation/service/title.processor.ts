import { Processor } from '@nestjs/bullmq';
import { QueueProcessor, workerOptions } from '../../../libs/queue/queue-processor.js';
import { TITLE_QUEUE } from '../../../libs/queue/queues.js';
import { TitleWorker, type TitleJob } from './title.worker.js';

/** BullMQ consumer of conversation-titles (worker processes only; loaded only with Redis). */
@Processor(TITLE_QUEUE, workerOptions(TITLE_QUEUE))
export class TitleProcessor extends QueueProcessor<TitleJob> {
  constructor(private readonly titles: TitleWorker) {
    super();
  }

  protected handle(job: TitleJob): Promise<void> {
    return this.titles.handle(job);
  }
}
