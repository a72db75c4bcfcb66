/**
 * Every background queue of gus and its job options, in one place: BullMQ (registerQueue's
 * defaultJobOptions and each @Processor's worker options) and the in-process queue read them from here.
 */
export const BILLING_QUEUE = 'usage-billing';
export const SUMMARY_QUEUE = 'conversation-summaries';
export const PAYLOAD_AUDIT_QUEUE = 'payload-audit';
export const TITLE_QUEUE = 'conversation-titles';
export const RETENTION_QUEUE = 'conversation-retention';
export const ANALYTICS_ROLLUP_QUEUE = 'analytics-rollup';

export type QueueName = typeof BILLING_QUEUE | typeof SUMMARY_QUEUE | typeof PAYLOAD_AUDIT_QUEUE | typeof TITLE_QUEUE | typeof RETENTION_QUEUE | typeof ANALYTICS_ROLLUP_QUEUE;

export interface QueueDefinition {
  /** Tries per job, the first included. */
  attempts: number;
  /** Exponential backoff: this, then twice as long, … */
  backoffMs: number;
  /** Completed jobs kept this long (seconds) and at most this many (BullMQ only). */
  keepCompleted: { age: number; count: number };
  /** Failed jobs kept this long (seconds), for the dashboard and a retry by hand (BullMQ only). */
  keepFailedSeconds: number;
  /** Jobs one worker process runs at once (BullMQ; the in-process queue runs one at a time). */
  concurrency: number;
}

export const QUEUES: Readonly<Record<QueueName, QueueDefinition>> = {
  // A job means "apply what is pending": cheap to retry, never lost (the ledger is the outbox).
  [BILLING_QUEUE]: { attempts: 8, backoffMs: 200, keepCompleted: { age: 3600, count: 10_000 }, keepFailedSeconds: 7 * 24 * 3600, concurrency: 4 },
  // One model call per job: fewer at once, a longer backoff while the model server recovers.
  [SUMMARY_QUEUE]: { attempts: 6, backoffMs: 1000, keepCompleted: { age: 3600, count: 1000 }, keepFailedSeconds: 7 * 24 * 3600, concurrency: 2 },
  // Its jobs hold a user's content: added as personal, so a finished one is removed at once (see JobQueue.add).
  [PAYLOAD_AUDIT_QUEUE]: { attempts: 8, backoffMs: 200, keepCompleted: { age: 600, count: 1000 }, keepFailedSeconds: 7 * 24 * 3600, concurrency: 8 },
  // One model call per job, like summaries.
  [TITLE_QUEUE]: { attempts: 6, backoffMs: 1000, keepCompleted: { age: 3600, count: 1000 }, keepFailedSeconds: 7 * 24 * 3600, concurrency: 2 },
  // One run per interval (the job id is the interval's): one at a time is enough.
  [RETENTION_QUEUE]: { attempts: 3, backoffMs: 5000, keepCompleted: { age: 7 * 24 * 3600, count: 500 }, keepFailedSeconds: 7 * 24 * 3600, concurrency: 1 },
  // Likewise one run per interval; a day rolled up twice is replaced.
  [ANALYTICS_ROLLUP_QUEUE]: { attempts: 3, backoffMs: 5000, keepCompleted: { age: 7 * 24 * 3600, count: 500 }, keepFailedSeconds: 7 * 24 * 3600, concurrency: 1 },
};

export const QUEUE_NAMES = Object.keys(QUEUES) as QueueName[];

/** Delay before try `attempt + 1` after try `attempt` failed (1-based). */
export const backoffMs = (queue: QueueName, attempt: number): number => QUEUES[queue].backoffMs * 2 ** (attempt - 1);
