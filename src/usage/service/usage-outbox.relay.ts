import { Inject, Injectable, Logger, BeforeApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../../../libs/config/app-config.js';
import { JobQueue } from '../../../libs/queue/job-queue.js';
import { UsageRepository } from '../repository/usage.repository.js';

export const BILLING_QUEUE = 'usage-billing';
const BATCH = 500;
/** A relayed event still unapplied after this long is relayed again (its job was lost). */
const STALE_AFTER_SECONDS = 300;

/**
 * Moves usage events from the ledger (written with the assistant message) to the billing queue.
 * Runs right after a turn commits and on a timer, so events written while Redis was down go out later.
 */
@Injectable()
export class UsageOutboxRelay implements OnModuleInit, BeforeApplicationShutdown {
  private readonly logger = new Logger('UsageOutboxRelay');
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private again = false;
  private stopped = false;

  constructor(
    private readonly usage: UsageRepository,
    private readonly queue: JobQueue,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  onModuleInit(): void {
    if (this.config.role === 'worker') return;
    this.timer = setInterval(() => this.kick(), this.config.outboxPollMs);
    this.timer.unref();
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    await this.running;
  }

  /** Asks for a relay pass soon; passes never overlap. */
  kick(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.relay()
      .catch((error: unknown) => this.logger.warn({ msg: 'usage relay pass failed; will retry', error: String(error) }))
      .finally(() => {
        this.running = null;
        if (this.again) {
          this.again = false;
          this.kick();
        }
      });
  }

  /** Runs one pass now and waits for it (tests and shutdown use this). */
  async flush(): Promise<void> {
    while (this.running) await this.running;
    await this.relay();
  }

  private async relay(): Promise<void> {
    for (;;) {
      const ids = await this.usage.findUnrelayedIds(BATCH, STALE_AFTER_SECONDS);
      if (ids.length === 0) return;
      await Promise.all(ids.map((id) => this.queue.add(BILLING_QUEUE, id, { eventId: id })));
      await this.usage.markRelayed(ids);
      if (ids.length < BATCH) return;
    }
  }
}
