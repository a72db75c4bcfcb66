import type { Queue } from 'bullmq';
import { JobQueue, type QueueStats } from './job-queue.js';
import type { QueueName } from './queues.js';

/**
 * Production: the queues registered with Nest's BullModule (job options are their defaultJobOptions, see
 * QUEUES), shared by every gus instance. Jobs are consumed by the owning context's @Processor classes, in
 * processes whose role runs workers; this side only enqueues and counts.
 */
export class BullMqJobQueue extends JobQueue {
  readonly kind = 'bullmq' as const;
  private readonly byName: Map<string, Queue>;

  constructor(queues: Queue[]) {
    super();
    this.byName = new Map(queues.map((queue) => [queue.name, queue]));
  }

  async add<T>(queue: QueueName, jobId: string, data: T, options: { personal?: boolean } = {}): Promise<void> {
    // The queue's defaults (QUEUES) keep finished jobs for a while; a personal one goes as soon as it has run.
    await this.queue(queue).add(queue, data, { jobId, ...(options.personal ? { removeOnComplete: true } : {}) });
  }

  async stats(queue: QueueName): Promise<QueueStats> {
    const counts = await this.queue(queue).getJobCounts('waiting', 'prioritized', 'active', 'failed', 'delayed');
    return {
      waiting: (counts.waiting ?? 0) + (counts.prioritized ?? 0),
      active: counts.active ?? 0,
      failed: counts.failed ?? 0,
      delayed: counts.delayed ?? 0,
    };
  }

  names(): QueueName[] {
    return [...this.byName.keys()] as QueueName[];
  }

  /** Nest's BullModule closes the queues themselves. */
  async close(): Promise<void> {}

  private queue(name: QueueName): Queue {
    const queue = this.byName.get(name);
    if (!queue) throw new Error(`queue ${name} is not registered (libs/queue/queues.ts)`);
    return queue;
  }
}
