import { BeforeApplicationShutdown, DynamicModule, Global, Inject, Logger, Module, type Provider } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { reportQueueDepths } from '../metrics/metrics.js';
import { InProcessJobQueue } from './in-process-job-queue.js';
import { JobQueue } from './job-queue.js';
import { REDIS, createRedis, describeRedis } from './redis.js';
import { RedisMemoryPolicyCheck } from './redis-memory-policy.js';

class QueueShutdown implements BeforeApplicationShutdown {
  constructor(
    @Inject(JobQueue) private readonly queue: JobQueue,
    @Inject(REDIS) private readonly redis: Redis | null,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    const logger = new Logger('QueueModule');
    if (queue.kind === 'in-process') {
      logger.warn('REDIS_URL is not set: using the IN-PROCESS job queue and limiter storage (not shared between instances)');
    } else logger.log(`job queue: BullMQ (@nestjs/bullmq) on ${describeRedis(config)}`);
    // /metrics reads the queue depths when it is scraped.
    reportQueueDepths(() => Promise.all(queue.names().map(async (name) => ({ queue: name, ...(await queue.stats(name)) }))));
  }

  /** Before the database closes (onApplicationShutdown), so no job runs against a closed pool. */
  async beforeApplicationShutdown(): Promise<void> {
    await this.queue.close();
    if (this.redis) await this.redis.quit().catch(() => this.redis?.disconnect());
  }
}

/**
 * The job queue and the shared Redis client (null on the embedded default). With Redis, Nest's BullModule
 * (forRootAsync + registerQueue per queue of libs/queue/queues.ts) is imported; without, it is never loaded
 * and the in-process queue stands behind the same JobQueue port.
 */
@Global()
@Module({})
export class QueueModule {
  static async forRoot(config: AppConfig): Promise<DynamicModule> {
    const common: Provider[] = [
      { provide: REDIS, inject: [APP_CONFIG], useFactory: (c: AppConfig) => (c.redisUrl ? createRedis(c) : null) },
      QueueShutdown,
      RedisMemoryPolicyCheck,
    ];
    if (!config.redisUrl) {
      return { module: QueueModule, providers: [...common, { provide: JobQueue, useValue: new InProcessJobQueue() }], exports: [REDIS, JobQueue] };
    }
    const { bullModules, bullJobQueueProvider } = await import('./bullmq.module.js'); // BullMQ only when there is Redis
    const bull = bullModules(config);
    return { module: QueueModule, imports: bull, providers: [...common, bullJobQueueProvider], exports: [REDIS, JobQueue, ...bull] };
  }
}
