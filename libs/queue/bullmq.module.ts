import { BullModule, getQueueToken } from '@nestjs/bullmq';
import type { DynamicModule, Provider } from '@nestjs/common';
import type { Queue } from 'bullmq';
import type { AppConfig } from '../config/app-config.js';
import { BullMqJobQueue } from './bullmq-job-queue.js';
import { JobQueue } from './job-queue.js';
import { QUEUES, QUEUE_NAMES, type QueueName } from './queues.js';
import { bullConnection, bullPrefix } from './redis.js';

// Loaded only when REDIS_URL (or a cluster) is configured: @nestjs/bullmq and bullmq take ~1 s to import.

/** BullModule's root (the configured Redis, the deployment's prefix) and one registered queue per QUEUES entry. */
export function bullModules(config: AppConfig): DynamicModule[] {
  return [
    BullModule.forRootAsync({ useFactory: () => ({ connection: bullConnection(config), prefix: bullPrefix(config) }) }),
    BullModule.registerQueue(...QUEUE_NAMES.map((name) => ({ name, defaultJobOptions: jobOptions(name) }))),
  ];
}

/** The JobQueue port over the registered queues. */
export const bullJobQueueProvider: Provider = {
  provide: JobQueue,
  inject: QUEUE_NAMES.map((name) => getQueueToken(name)),
  useFactory: (...queues: Queue[]) => new BullMqJobQueue(queues),
};

function jobOptions(name: QueueName) {
  const queue = QUEUES[name];
  return {
    attempts: queue.attempts,
    backoff: { type: 'exponential', delay: queue.backoffMs },
    removeOnComplete: queue.keepCompleted,
    removeOnFail: { age: queue.keepFailedSeconds },
  };
}
