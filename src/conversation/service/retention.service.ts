import { randomUUID } from 'node:crypto';
import { BeforeApplicationShutdown, Inject, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../../../libs/config/app-config.js';
import { retentionDeleted, retentionRunDuration, retentionRuns } from '../../../libs/metrics/metrics.js';
import { InProcessJobQueue } from '../../../libs/queue/in-process-job-queue.js';
import { JobQueue } from '../../../libs/queue/job-queue.js';
import { RETENTION_QUEUE } from '../../../libs/queue/queues.js';
import { IdentityFacade } from '../../identity/identity.facade.js';
import { retentionCutoffs, type RetentionRun } from '../domain/retention.js';
import { RetentionRepository } from '../repository/retention.repository.js';

export { RETENTION_QUEUE };
/** A run stops after this many batches (the next run goes on): no run holds the database for ever. */
const MAX_BATCHES_PER_RUN = 1_000;

/**
 * Deletes conversations past their plan's retention, and temporary ones past their short life, in small batches.
 * Every worker process puts one job per interval on the queue under the interval's id, so a run happens once per
 * interval however many instances there are; each run is recorded (retention_runs, metrics).
 */
@Injectable()
export class RetentionService implements OnModuleInit, BeforeApplicationShutdown {
  private readonly logger = new Logger('Retention');
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly retention: RetentionRepository,
    private readonly identity: IdentityFacade,
    private readonly queue: JobQueue,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  onModuleInit(): void {
    if (this.config.role === 'api') return;
    // With BullMQ, RetentionProcessor runs the jobs.
    if (this.queue instanceof InProcessJobQueue) this.queue.process(RETENTION_QUEUE, async () => void (await this.run()));
    this.timer = setInterval(() => this.schedule(), this.config.retentionIntervalMs);
    this.timer.unref();
  }

  beforeApplicationShutdown(): void {
    if (this.timer) clearInterval(this.timer);
  }

  private schedule(): void {
    const slot = Math.floor(Date.now() / this.config.retentionIntervalMs);
    this.queue.add(RETENTION_QUEUE, `retention-${slot}`, {}).catch((error: unknown) => this.logger.warn({ msg: 'could not queue a retention run', error: String(error) }));
  }

  async run(now = new Date()): Promise<RetentionRun> {
    const run: RetentionRun = { id: randomUUID(), startedAt: now, finishedAt: null, status: 'running', expiredDeleted: 0, temporaryDeleted: 0, batches: 0, error: null };
    await this.retention.startRun(run.id, now);
    const stopTimer = retentionRunDuration.startTimer();
    try {
      for (const plan of this.identity.allPlans()) {
        const cutoffs = retentionCutoffs(plan, now);
        for (let full = true; full && run.batches < MAX_BATCHES_PER_RUN; ) {
          const deleted = await this.retention.deleteBatch(cutoffs, this.config.retentionBatch);
          run.batches += 1;
          run.expiredDeleted += deleted.expired;
          run.temporaryDeleted += deleted.temporary;
          retentionDeleted.inc({ reason: 'expired' }, deleted.expired);
          retentionDeleted.inc({ reason: 'temporary' }, deleted.temporary);
          full = deleted.expired + deleted.temporary === this.config.retentionBatch;
        }
      }
      run.status = 'complete';
    } catch (error) {
      run.status = 'failed';
      run.error = String(error).slice(0, 500);
      this.logger.warn({ msg: 'retention run failed', runId: run.id, error: run.error });
    }
    run.finishedAt = new Date();
    stopTimer();
    retentionRuns.inc({ outcome: run.status });
    await this.retention.finishRun(run);
    return run;
  }

  recentRuns(limit: number): Promise<RetentionRun[]> {
    return this.retention.recentRuns(limit);
  }
}
