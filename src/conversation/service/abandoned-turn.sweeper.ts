import { Inject, Injectable, Logger, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../../../libs/config/app-config.js';
import { abandonedTurnsClosed } from '../../../libs/metrics/metrics.js';
import { MessageRepository } from '../repository/message.repository.js';

/** The `errorCode` of the failed answer that closes a question whose turn died with its process. */
export const TURN_ABANDONED = 'TURN_ABANDONED';
const BATCH = 200;

/**
 * A process that dies mid-turn (kill -9, a crash, a lost machine) leaves a question with no answer. Once at
 * start and then every GUS_ABANDONED_TURN_SWEEP_MS, each question still open GUS_ABANDONED_TURN_MS after it
 * was asked (longer than any live turn can last) gets a failed answer with errorCode TURN_ABANDONED, and the
 * branch continues from that answer; the user can regenerate it. Runs on workers (GUS_ROLE all or worker).
 */
@Injectable()
export class AbandonedTurnSweeper implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('AbandonedTurnSweeper');
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<number> | null = null;

  constructor(
    private readonly messages: MessageRepository,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap(): void {
    if (this.config.role === 'api') return;
    const tick = (): void => {
      this.running ??= this.sweep()
        .catch((error: unknown) => {
          this.logger.warn({ msg: 'abandoned-turn sweep failed; retrying at the next one', error: String(error) });
          return 0;
        })
        .finally(() => (this.running = null));
    };
    tick();
    this.timer = setInterval(tick, this.config.abandonedTurnSweepMs);
    this.timer.unref();
  }

  async beforeApplicationShutdown(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.running;
  }

  /** Closes every question open longer than GUS_ABANDONED_TURN_MS; returns how many. */
  async sweep(now = Date.now()): Promise<number> {
    const openedBefore = new Date(now - this.config.abandonedTurnMs);
    let total = 0;
    for (;;) {
      const closed = await this.messages.closeAbandonedQuestions(openedBefore, BATCH, TURN_ABANDONED);
      if (closed.length === 0) break;
      total += closed.length;
      abandonedTurnsClosed.inc(closed.length);
      for (const { questionId, conversationId } of closed) {
        this.logger.warn({ msg: 'closed a question whose turn died with its process', questionId, conversationId, errorCode: TURN_ABANDONED });
      }
    }
    return total;
  }
}
