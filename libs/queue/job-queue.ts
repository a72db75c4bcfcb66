import type { QueueName } from './queues.js';

/** What a handler learns about the job it runs. */
export interface JobInfo {
  id: string;
  /** 1 on the first try. */
  attempt: number;
}

export type JobHandler<T = unknown> = (data: T, job: JobInfo) => Promise<void>;

export interface QueueStats {
  /** Ready to run now. */
  waiting: number;
  active: number;
  failed: number;
  /** Retries waiting for their backoff. */
  delayed: number;
}

/**
 * The port the contexts enqueue through: BullMQ on Redis (Nest's BullModule, jobs consumed by the owning
 * context's @Processor classes in worker processes) or the embedded in-process queue. Handlers must be
 * idempotent: a job may run more than once (its id names what it does).
 */
export abstract class JobQueue {
  /** Which backend this is, for the start-up log, health and /admin/queues. */
  abstract readonly kind: 'bullmq' | 'in-process';

  /**
   * Adds a job; a job whose id is already known is not added twice. `personal`: the data holds a user's content,
   * so the backend forgets the job as soon as it has run (nothing of it is left to erase later).
   */
  abstract add<T>(queue: QueueName, jobId: string, data: T, options?: { personal?: boolean }): Promise<void>;

  abstract stats(queue: QueueName): Promise<QueueStats>;

  /** The queues of this deployment. */
  abstract names(): QueueName[];

  abstract close(): Promise<void>;
}
