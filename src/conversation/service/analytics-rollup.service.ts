import { BeforeApplicationShutdown, Inject, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../../../libs/config/app-config.js';
import { InProcessJobQueue } from '../../../libs/queue/in-process-job-queue.js';
import { JobQueue } from '../../../libs/queue/job-queue.js';
import { ANALYTICS_ROLLUP_QUEUE } from '../../../libs/queue/queues.js';
import { LlmFacade } from '../../llm/llm.facade.js';
import { MAX_ANALYTICS_DAYS } from '../domain/feedback.js';
import { AnalyticsRepository } from '../repository/analytics.repository.js';

export { ANALYTICS_ROLLUP_QUEUE };
/** A run rolls up at most this many days (a first run over a long history goes on at the next interval). */
const MAX_DAYS_PER_RUN = MAX_ANALYTICS_DAYS;

/**
 * Keeps the daily analytics rollup: rolls up each closed UTC day it lacks (newest first), one transaction per day.
 * Every worker process puts one job per interval on the queue under the interval's id (as retention does), so a
 * run happens once per interval however many instances there are; a day rolled up twice is simply replaced.
 */
@Injectable()
export class AnalyticsRollupService implements OnModuleInit, BeforeApplicationShutdown {
  private readonly logger = new Logger('AnalyticsRollup');
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly analytics: AnalyticsRepository,
    private readonly llm: LlmFacade,
    private readonly queue: JobQueue,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  onModuleInit(): void {
    if (this.config.role === 'api') return;
    // With BullMQ, AnalyticsRollupProcessor runs the jobs.
    if (this.queue instanceof InProcessJobQueue) this.queue.process(ANALYTICS_ROLLUP_QUEUE, async () => void (await this.run()));
    this.timer = setInterval(() => this.schedule(), this.config.analyticsRollupIntervalMs);
    this.timer.unref();
  }

  beforeApplicationShutdown(): void {
    if (this.timer) clearInterval(this.timer);
  }

  private schedule(): void {
    const slot = Math.floor(Date.now() / this.config.analyticsRollupIntervalMs);
    this.queue.add(ANALYTICS_ROLLUP_QUEUE, `analytics-rollup-${slot}`, {}).catch((error: unknown) => this.logger.warn({ msg: 'could not queue an analytics rollup', error: String(error) }));
  }

  /** Rolls up the missing closed days; answers the days it rolled up, newest first. */
  async run(): Promise<{ days: string[] }> {
    const days = await this.analytics.missingDays(MAX_ANALYTICS_DAYS, this.config.analyticsRollupSettleSeconds, MAX_DAYS_PER_RUN);
    const defaultModel = this.llm.resolveModel(null).id;
    for (const day of days) await this.analytics.rollUpDay(day, defaultModel);
    if (days.length > 0) this.logger.log({ msg: 'analytics rolled up', days: days.length, newest: days[0], oldest: days[days.length - 1] });
    return { days };
  }
}
