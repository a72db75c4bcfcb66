import { BeforeApplicationShutdown, DynamicModule, Global, Inject, Logger, Module } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { reportQueueDepths } from '../metrics/metrics.js';
import { InProcessJobQueue } from './in-process-job-queue.js';
import { JobQueue } from './job-queue.js';
import { REDIS, createRedis } from './redis.js';
import { RedisMemoryPolicyCheck } from './redis-memory-policy.js';

class QueueShutdown implements BeforeApplicationShutdown {
  constructor(
    @Inject(JobQueue) private readonly queue: JobQueue,
    @Inject(REDIS) private readonly redis: Redis | null,
  ) {
    // /metrics reads the queue depths when it is scraped.
    reportQueueDepths(() => Promise.all(queue.names().map(async (name) => ({ queue: name, ...(await queue.stats(name)) }))));
  }

  /** Before the database closes (onApplicationShutdown), so no job runs against a closed pool. */
  async beforeApplicationShutdown(): Promise<void> {
    await this.queue.close();
    if (this.redis) await this.redis.quit().catch(() => this.redis?.disconnect());
  }
}

/** The job queue and the shared Redis client (null on the embedded default). */
@Global()
@Module({})
export class QueueModule {
  static forRoot(): DynamicModule {
    return {
      module: QueueModule,
      providers: [
        {
          provide: REDIS,
          inject: [APP_CONFIG],
          useFactory: (config: AppConfig) => (config.redisUrl ? createRedis(config.redisUrl) : null),
        },
        {
          provide: JobQueue,
          inject: [APP_CONFIG],
          useFactory: async (config: AppConfig) => {
            const logger = new Logger('QueueModule');
            if (!config.redisUrl) {
              logger.warn('REDIS_URL is not set: using the IN-PROCESS job queue and limiter storage (not shared between instances)');
              return new InProcessJobQueue();
            }
            const url = new URL(config.redisUrl);
            logger.log(`job queue: BullMQ on Redis at ${url.hostname}:${url.port || 6379}`);
            const { BullMqJobQueue } = await import('./bullmq-job-queue.js'); // BullMQ only when there is Redis
            return new BullMqJobQueue({ url: config.redisUrl, maxRetriesPerRequest: null }, config.redisPrefix);
          },
        },
        QueueShutdown,
        RedisMemoryPolicyCheck,
      ],
      exports: [REDIS, JobQueue],
    };
  }
}
