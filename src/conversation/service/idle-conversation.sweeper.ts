import { Inject, Injectable, Logger, BeforeApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../../../libs/config/app-config.js';
import { ConversationRepository } from '../repository/conversation.repository.js';

/** Marks conversations idle past GUS_INACTIVE_AFTER_SECONDS inactive; their next message wakes them. */
@Injectable()
export class IdleConversationSweeper implements OnModuleInit, BeforeApplicationShutdown {
  private readonly logger = new Logger('IdleConversationSweeper');
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly conversations: ConversationRepository,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  onModuleInit(): void {
    if (this.config.role === 'api') return;
    this.timer = setInterval(() => void this.sweep().catch((error: unknown) => this.logger.warn({ msg: 'idle sweep failed', error: String(error) })), this.config.idleSweepMs);
    this.timer.unref();
  }

  beforeApplicationShutdown(): void {
    if (this.timer) clearInterval(this.timer);
  }

  async sweep(now = new Date()): Promise<number> {
    return this.conversations.markIdleInactive(new Date(now.getTime() - this.config.inactiveAfterSeconds * 1000), now);
  }
}
