import { Logger } from '@nestjs/common';
import { JOB_ATTEMPTS, JobQueue, backoffMs, type JobHandler, type QueueStats } from './job-queue.js';

interface PendingJob {
  id: string;
  data: unknown;
  attempt: number;
}

/** The embedded default: jobs run in this process, one at a time per queue, retried with backoff. */
export class InProcessJobQueue extends JobQueue {
  readonly kind = 'in-process' as const;
  private readonly logger = new Logger('InProcessJobQueue');
  private readonly handlers = new Map<string, JobHandler>();
  private readonly waiting = new Map<string, PendingJob[]>();
  private readonly known = new Map<string, Set<string>>();
  private readonly running = new Set<string>();
  private readonly failedCount = new Map<string, number>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private closed = false;

  process<T>(queue: string, handler: JobHandler<T>): void {
    this.handlers.set(queue, handler as JobHandler);
    this.drain(queue);
  }

  async add<T>(queue: string, jobId: string, data: T): Promise<void> {
    const ids = this.known.get(queue) ?? new Set<string>();
    this.known.set(queue, ids);
    if (ids.has(jobId)) return;
    ids.add(jobId);
    this.enqueue(queue, { id: jobId, data, attempt: 1 });
  }

  async stats(queue: string): Promise<QueueStats> {
    return {
      waiting: this.waiting.get(queue)?.length ?? 0,
      active: this.running.has(queue) ? 1 : 0,
      failed: this.failedCount.get(queue) ?? 0,
    };
  }

  names(): string[] {
    return [...new Set([...this.handlers.keys(), ...this.waiting.keys()])];
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }

  private enqueue(queue: string, job: PendingJob): void {
    const list = this.waiting.get(queue) ?? [];
    list.push(job);
    this.waiting.set(queue, list);
    this.drain(queue);
  }

  private drain(queue: string): void {
    const handler = this.handlers.get(queue);
    if (!handler || this.running.has(queue) || this.closed) return;
    const job = this.waiting.get(queue)?.shift();
    if (!job) return;
    this.running.add(queue);
    void handler(job.data, { id: job.id, attempt: job.attempt })
      .then(() => this.known.get(queue)?.delete(job.id))
      .catch((error: unknown) => this.retry(queue, job, error))
      .finally(() => {
        this.running.delete(queue);
        this.drain(queue);
      });
  }

  private retry(queue: string, job: PendingJob, error: unknown): void {
    if (job.attempt >= JOB_ATTEMPTS) {
      this.known.get(queue)?.delete(job.id);
      this.failedCount.set(queue, (this.failedCount.get(queue) ?? 0) + 1);
      this.logger.error({ msg: 'job failed for good', queue, jobId: job.id, error: String(error) });
      return;
    }
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      this.enqueue(queue, { ...job, attempt: job.attempt + 1 });
    }, backoffMs(job.attempt));
    timer.unref();
    this.timers.add(timer);
  }
}
