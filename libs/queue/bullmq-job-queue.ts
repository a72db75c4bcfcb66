import { Logger } from '@nestjs/common';
import { Queue, Worker, type ConnectionOptions } from 'bullmq';
import { JOB_ATTEMPTS, JobQueue, type JobHandler, type QueueStats } from './job-queue.js';

/** Production: BullMQ on Redis, shared by every gus instance; workers may run in separate processes. */
export class BullMqJobQueue extends JobQueue {
  readonly kind = 'bullmq' as const;
  private readonly logger = new Logger('BullMqJobQueue');
  private readonly queues = new Map<string, Queue>();
  private readonly workers: Worker[] = [];
  private readonly processed = new Set<string>();

  constructor(
    private readonly connection: ConnectionOptions,
    private readonly prefix: string,
  ) {
    super();
  }

  process<T>(queue: string, handler: JobHandler<T>): void {
    const worker = new Worker(
      queue,
      async (job) => handler(job.data as T, { id: job.id ?? '', attempt: job.attemptsMade + 1 }),
      { connection: this.connection, prefix: this.prefix, concurrency: 8 },
    );
    worker.on('failed', (job, error) =>
      this.logger.warn({ msg: 'job attempt failed', queue, jobId: job?.id, attempt: job?.attemptsMade, error: error.message }),
    );
    worker.on('error', (error) => this.logger.warn({ msg: 'worker error', queue, error: error.message }));
    this.workers.push(worker);
    this.processed.add(queue);
  }

  async add<T>(queue: string, jobId: string, data: T, options: { personal?: boolean } = {}): Promise<void> {
    await this.queue(queue).add(queue, data, {
      jobId,
      attempts: JOB_ATTEMPTS,
      backoff: { type: 'exponential', delay: 200 },
      removeOnComplete: options.personal ? true : { age: 3600, count: 10_000 },
      removeOnFail: { age: 7 * 24 * 3600 },
    });
  }

  async stats(queue: string): Promise<QueueStats> {
    const counts = await this.queue(queue).getJobCounts('waiting', 'active', 'failed', 'delayed');
    return { waiting: (counts.waiting ?? 0) + (counts.delayed ?? 0), active: counts.active ?? 0, failed: counts.failed ?? 0 };
  }

  names(): string[] {
    return [...new Set([...this.queues.keys(), ...this.processed])];
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((worker) => worker.close()));
    await Promise.all([...this.queues.values()].map((queue) => queue.close()));
  }

  private queue(name: string): Queue {
    let queue = this.queues.get(name);
    if (!queue) {
      queue = new Queue(name, { connection: this.connection, prefix: this.prefix });
      queue.on('error', (error) => this.logger.warn({ msg: 'queue error', queue: name, error: error.message }));
      this.queues.set(name, queue);
    }
    return queue;
  }
}
