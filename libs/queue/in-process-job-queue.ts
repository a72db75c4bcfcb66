import { Logger } from '@nestjs/common';
import { jobsProcessed } from '../metrics/metrics.js';
import { JobQueue, type JobHandler, type QueueStats } from './job-queue.js';
import { QUEUES, QUEUE_NAMES, backoffMs, type QueueName } from './queues.js';

interface PendingJob {
  id: string;
  data: unknown;
  attempt: number;
}

/**
 * The embedded default: jobs run in this process, one at a time per queue, retried with the backoff of
 * QUEUES. Handlers are registered by the owning context (its worker service) in processes that run workers.
 */
export class InProcessJobQueue extends JobQueue {
  readonly kind = 'in-process' as const;
  private readonly logger = new Logger('InProcessJobQueue');
  private readonly handlers = new Map<QueueName, JobHandler>();
  private readonly waiting = new Map<QueueName, PendingJob[]>();
  private readonly known = new Map<QueueName, Set<string>>();
  private readonly running = new Set<QueueName>();
  private readonly failedCount = new Map<QueueName, number>();
  private readonly delayedCount = new Map<QueueName, number>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private closed = false;

  process<T>(queue: QueueName, handler: JobHandler<T>): void {
    this.handlers.set(queue, handler as JobHandler);
    this.drain(queue);
  }

  async add<T>(queue: QueueName, jobId: string, data: T): Promise<void> {
    const ids = this.known.get(queue) ?? new Set<string>();
    this.known.set(queue, ids);
    if (ids.has(jobId)) return;
    ids.add(jobId);
    this.enqueue(queue, { id: jobId, data, attempt: 1 });
  }

  async stats(queue: QueueName): Promise<QueueStats> {
    return {
      waiting: this.waiting.get(queue)?.length ?? 0,
      active: this.running.has(queue) ? 1 : 0,
      failed: this.failedCount.get(queue) ?? 0,
      delayed: this.delayedCount.get(queue) ?? 0,
    };
  }

  names(): QueueName[] {
    return QUEUE_NAMES;
  }

  /** Whether a handler runs this queue's jobs in this process. */
  consumes(queue: QueueName): boolean {
    return this.handlers.has(queue);
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }

  private enqueue(queue: QueueName, job: PendingJob): void {
    const list = this.waiting.get(queue) ?? [];
    list.push(job);
    this.waiting.set(queue, list);
    this.drain(queue);
  }

  private drain(queue: QueueName): void {
    const handler = this.handlers.get(queue);
    if (!handler || this.running.has(queue) || this.closed) return;
    const job = this.waiting.get(queue)?.shift();
    if (!job) return;
    this.running.add(queue);
    void handler(job.data, { id: job.id, attempt: job.attempt })
      .then(() => {
        jobsProcessed.inc({ queue, outcome: 'completed' });
        this.known.get(queue)?.delete(job.id);
      })
      .catch((error: unknown) => {
        jobsProcessed.inc({ queue, outcome: 'failed' });
        this.retry(queue, job, error);
      })
      .finally(() => {
        this.running.delete(queue);
        this.drain(queue);
      });
  }

  private retry(queue: QueueName, job: PendingJob, error: unknown): void {
    if (job.attempt >= QUEUES[queue].attempts) {
      this.known.get(queue)?.delete(job.id);
      this.failedCount.set(queue, (this.failedCount.get(queue) ?? 0) + 1);
      this.logger.error({ msg: 'job failed for good', queue, jobId: job.id, error: String(error) });
      return;
    }
    this.delayedCount.set(queue, (this.delayedCount.get(queue) ?? 0) + 1);
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      this.delayedCount.set(queue, (this.delayedCount.get(queue) ?? 1) - 1);
      this.enqueue(queue, { ...job, attempt: job.attempt + 1 });
    }, backoffMs(queue, job.attempt));
    timer.unref();
    this.timers.add(timer);
  }
}
