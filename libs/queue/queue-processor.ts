import { hostname } from 'node:os';
import { Logger, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import { WorkerHost } from '@nestjs/bullmq';
import type { Job } from 'bullmq';
import { jobsProcessed } from '../metrics/metrics.js';
import type { JobInfo } from './job-queue.js';
import { QUEUES, type QueueName } from './queues.js';

// Loaded only with BullMQ (see bullmq.module.ts).

/** Stored with every job this process runs (BullMQ's processedBy): the dashboard and the tests see who ran it. */
export const WORKER_NAME = `${process.env.GUS_ROLE || 'all'}@${hostname()}/${process.pid}`;

/** The worker options of a queue's @Processor, from QUEUES. */
export const workerOptions = (queue: QueueName) => ({ concurrency: QUEUES[queue].concurrency, name: WORKER_NAME });

/**
 * Base of gus's @Processor classes: counts runs in /metrics, logs failed attempts, and closes its worker
 * before the database closes (Nest's BullModule would close it only in onApplicationShutdown).
 */
export abstract class QueueProcessor<T = unknown> extends WorkerHost implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly log = new Logger(this.constructor.name);

  protected abstract handle(data: T, job: JobInfo): Promise<void>;

  async process(job: Job<T>): Promise<void> {
    try {
      await this.handle(job.data, { id: job.id ?? '', attempt: job.attemptsMade + 1 });
      jobsProcessed.inc({ queue: job.queueName, outcome: 'completed' });
    } catch (error) {
      jobsProcessed.inc({ queue: job.queueName, outcome: 'failed' });
      throw error;
    }
  }

  onApplicationBootstrap(): void {
    this.worker.on('failed', (job, error) =>
      this.log.warn({ msg: 'job attempt failed', queue: job?.queueName, jobId: job?.id, attempt: job?.attemptsMade, error: error.message }),
    );
    this.worker.on('error', (error) => this.log.warn({ msg: 'worker error', error: error.message }));
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.worker.close();
  }
}
