/** What a handler learns about the job it runs. */
export interface JobInfo {
  id: string;
  /** 1 on the first try. */
  attempt: number;
}

export type JobHandler<T = unknown> = (data: T, job: JobInfo) => Promise<void>;

export interface QueueStats {
  waiting: number;
  active: number;
  failed: number;
}

/**
 * Durable-enough background work: BullMQ on Redis in production, an in-process queue on the embedded
 * default. Handlers must be idempotent: a job may run more than once (job id = the event id).
 */
export abstract class JobQueue {
  /** Which backend this is, for the start-up log and health. */
  abstract readonly kind: 'bullmq' | 'in-process';

  /** Called by the context that owns the queue, in processes that run workers. */
  abstract process<T>(queue: string, handler: JobHandler<T>): void;

  /**
   * Adds a job; a job whose id is already waiting is not added twice. `personal`: the data holds a user's content,
   * so the backend forgets the job as soon as it has run (nothing of it is left to erase later).
   */
  abstract add<T>(queue: string, jobId: string, data: T, options?: { personal?: boolean }): Promise<void>;

  abstract stats(queue: string): Promise<QueueStats>;

  /** The queues this process has added to or works on. */
  abstract names(): string[];

  abstract close(): Promise<void>;
}

export const JOB_ATTEMPTS = 8;
/** Exponential backoff: 200 ms, 400 ms, 800 ms … */
export const backoffMs = (attempt: number): number => 200 * 2 ** (attempt - 1);
