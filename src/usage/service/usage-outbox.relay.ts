import { BeforeApplicationShutdown, Inject, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../../../libs/config/app-config.js';
import { JobQueue } from '../../../libs/queue/job-queue.js';
import { BILLING_QUEUE } from '../../../libs/queue/queues.js';
import { UsageRepository } from '../repository/usage.repository.js';

/** Committed events are handed to billing in batches: one job per this many ms, whatever the traffic. */
export const BILLING_BATCH_MS = 100;
/** An event still not applied this long after it was written has lost its job (Redis or a worker was down). */
const LOST_AFTER_SECONDS = 10;

/**
 * Hands usage events to billing. The ledger row is the outbox: it is written with the answer, and a billing
 * job applies whatever is pending. After a turn commits, this instance asks for one job within BILLING_BATCH_MS
 * (jobs are named by that slot, so every instance asks for the same one and the queue keeps one); a sweep
 * over the ledger asks again for events that wait too long, so events written while Redis or the workers
 * were down are billed later. No queue write per turn: the hot path only sets a flag.
 */
@Injectable()
export class UsageOutboxRelay implements OnModuleInit, BeforeApplicationShutdown {
  private readonly logger = new Logger('UsageOutboxRelay');
  private sweepTimer: NodeJS.Timeout | null = null;
  private batchTimer: NodeJS.Timeout | null = null;
  private sweeping: Promise<void> | null = null;
  private stopped = false;

  constructor(
    private readonly usage: UsageRepository,
    private readonly queue: JobQueue,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  onModuleInit(): void {
    this.sweepTimer = setInterval(() => this.sweepSoon(), this.config.outboxPollMs);
    this.sweepTimer.unref();
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.stopped = true;
    if (this.sweepTimer) clearInterval(this.sweepTimer);
    if (this.batchTimer) {
      clearTimeout(this.batchTimer);
      this.batchTimer = null;
      await this.requestBatch();
    }
    await this.sweeping;
  }

  /** A turn's event committed: billing runs within BILLING_BATCH_MS. */
  dispatch(_eventId: string): void {
    if (this.stopped || this.batchTimer) return;
    this.batchTimer = setTimeout(() => {
      this.batchTimer = null;
      void this.requestBatch();
    }, BILLING_BATCH_MS);
  }

  private async requestBatch(label = 'batch'): Promise<void> {
    const slot = Math.floor(Date.now() / BILLING_BATCH_MS);
    await this.queue
      .add(BILLING_QUEUE, `${label}-${slot}`, {})
      .catch((error: unknown) => this.logger.warn({ msg: 'could not queue usage billing; the outbox sweep will retry', error: String(error) }));
  }

  private sweepSoon(): void {
    if (this.sweeping || this.stopped) return;
    this.sweeping = this.sweep()
      .catch((error: unknown) => this.logger.warn({ msg: 'usage outbox sweep failed; will retry', error: String(error) }))
      .finally(() => (this.sweeping = null));
  }

  private async sweep(): Promise<void> {
    if (await this.usage.hasUnappliedOlderThan(LOST_AFTER_SECONDS)) await this.requestBatch('sweep');
  }
}
