import { BeforeApplicationShutdown, Inject, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../../../libs/config/app-config.js';
import { JobQueue } from '../../../libs/queue/job-queue.js';
import { UsageRepository } from '../repository/usage.repository.js';

export const BILLING_QUEUE = 'usage-billing';
const BATCH = 500;
/** An event still not applied this long after it was written has lost its job (Redis or a worker was down). */
const LOST_AFTER_SECONDS = 10;

/**
 * Hands usage events to the billing queue. Each turn's event is queued right after its transaction
 * commits (no database round trip on the request path); a sweep over the ledger (the outbox) re-queues
 * whatever was not applied in time, so events written while Redis or the workers were down go later.
 */
@Injectable()
export class UsageOutboxRelay implements OnModuleInit, BeforeApplicationShutdown {
  private readonly logger = new Logger('UsageOutboxRelay');
  private timer: NodeJS.Timeout | null = null;
  private sweeping: Promise<void> | null = null;
  private stopped = false;

  constructor(
    private readonly usage: UsageRepository,
    private readonly queue: JobQueue,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  onModuleInit(): void {
    this.timer = setInterval(() => this.sweepSoon(), this.config.outboxPollMs);
    this.timer.unref();
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    await this.sweeping;
  }

  /** Queues a committed event; if that fails, the sweep picks it up later. */
  dispatch(eventId: string): void {
    if (this.stopped) return;
    this.queue.add(BILLING_QUEUE, eventId, { eventId }).catch((error: unknown) =>
      this.logger.warn({ msg: 'could not queue a usage event; the outbox sweep will retry', eventId, error: String(error) }),
    );
  }

  private sweepSoon(): void {
    if (this.sweeping || this.stopped) return;
    this.sweeping = this.sweep()
      .catch((error: unknown) => this.logger.warn({ msg: 'usage outbox sweep failed; will retry', error: String(error) }))
      .finally(() => (this.sweeping = null));
  }

  private async sweep(): Promise<void> {
    const ids = await this.usage.findUnappliedIds(BATCH, LOST_AFTER_SECONDS);
    // A fresh job id per sweep (BullMQ ids may not contain ":"): the first job may still be remembered under the event id.
    const round = Math.floor(Date.now() / 1000);
    await Promise.all(ids.map((id) => this.queue.add(BILLING_QUEUE, `${id}-sweep-${round}`, { eventId: id })));
  }
}
