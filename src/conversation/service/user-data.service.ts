import { randomUUID } from 'node:crypto';
import { Injectable, Logger } from '@nestjs/common';
import type { Principal } from '../../../libs/auth/principal.js';
import { notFound } from '../../../libs/errors/domain-error.js';
import { PayloadAudit } from '../../../libs/logging/payload-audit.js';
import { IdentityFacade } from '../../identity/identity.facade.js';
import { ModerationFacade } from '../../moderation/moderation.facade.js';
import { UsageFacade, type UsageTotals } from '../../usage/usage.facade.js';
import type { ConversationExport } from '../domain/conversation-export.js';
import { ConversationRepository } from '../repository/conversation.repository.js';
import { FeedbackRepository } from '../repository/feedback.repository.js';
import { IdempotencyRepository } from '../repository/idempotency.repository.js';
import { MessageRepository } from '../repository/message.repository.js';
import { TurnStreamStore } from './turn-stream.store.js';

/** Conversations deleted per statement while erasing: each transaction stays short. */
const ERASE_BATCH = 50;
const EXPORT_PAGE = 50;

/** One record of a user's export, in the order it is written. */
export type UserExportRecord =
  | { type: 'user'; user: Awaited<ReturnType<IdentityFacade['profile']>> }
  | { type: 'api_key'; key: Awaited<ReturnType<IdentityFacade['apiKeys']>>[number] }
  | ({ type: 'conversation' } & ConversationExport)
  | ({ type: 'usage'; day: string; model: string } & UsageTotals);

export interface ErasureReport {
  userId: string;
  conversations: number;
  idempotencyRecords: number;
  auditPayloads: number;
  flags: number;
  usageEventsAnonymised: number;
}

/** What a user may take away (exports) and have removed (erasure), across the contexts that hold it. */
@Injectable()
export class UserDataService {
  private readonly logger = new Logger('UserData');

  constructor(
    private readonly conversations: ConversationRepository,
    private readonly messages: MessageRepository,
    private readonly feedback: FeedbackRepository,
    private readonly idempotency: IdempotencyRepository,
    private readonly identity: IdentityFacade,
    private readonly usage: UsageFacade,
    private readonly moderation: ModerationFacade,
    private readonly audit: PayloadAudit,
    private readonly streams: TurnStreamStore,
  ) {}

  /** The caller's conversation, whole (NOT_FOUND for anyone else's). */
  async exportConversation(principal: Principal, id: string): Promise<ConversationExport> {
    const conversation = await this.conversations.findOwned(id, principal.userId);
    if (!conversation) throw notFound('conversation');
    const [messages, feedback, usage] = await Promise.all([this.messages.findTree(id), this.feedback.listForConversation(id), this.usage.conversationTotals(id)]);
    return { conversation, messages, feedback, usage };
  }

  /** Everything gus holds about the user, a conversation at a time (memory stays bounded by one conversation). */
  async *exportUser(userId: string): AsyncGenerator<UserExportRecord> {
    yield { type: 'user', user: await this.identity.profile(userId) };
    for (const key of await this.identity.apiKeys(userId)) yield { type: 'api_key', key };
    let after: { createdAt: Date; id: string } | null = null;
    for (;;) {
      const page = await this.conversations.pageOfUser(userId, after, EXPORT_PAGE);
      for (const conversation of page) {
        const [messages, feedback, usage] = await Promise.all([
          this.messages.findTree(conversation.id),
          this.feedback.listForConversation(conversation.id),
          this.usage.conversationTotals(conversation.id),
        ]);
        yield { type: 'conversation', conversation, messages, feedback, usage };
      }
      if (page.length < EXPORT_PAGE) break;
      const last = page.at(-1)!;
      after = { createdAt: last.createdAt, id: last.id };
    }
    for (const day of await this.usage.dailyTotalsForUser(userId)) yield { type: 'usage', ...day };
  }

  /**
   * Erases a user: access is revoked first (suspended, keys revoked, every instance's cache told), then their
   * conversations with messages, summaries and ratings go in small batches, then resumable streams, idempotency records, audit payloads
   * and flag evidence; the usage ledger and flags stay, under a pseudonym, for billing and abuse statistics; the
   * account itself goes last. Running it again after a failure finishes the job.
   */
  async erase(userId: string): Promise<ErasureReport> {
    await this.identity.beginErasure(userId);
    let conversations = 0;
    for (let n = ERASE_BATCH; n === ERASE_BATCH; ) {
      n = await this.conversations.deleteBatchOfUser(userId, ERASE_BATCH);
      conversations += n;
    }
    const pseudonym = randomUUID();
    await this.streams.eraseUser(userId);
    const idempotencyRecords = await this.idempotency.deleteForUser(userId);
    const auditPayloads = await this.audit.eraseUser(userId);
    const flags = await this.moderation.eraseUserEvidence(userId, pseudonym);
    const usageEventsAnonymised = await this.usage.anonymiseUser(userId, pseudonym);
    await this.identity.deleteAccount(userId);
    const report = { userId, conversations, idempotencyRecords, auditPayloads, flags, usageEventsAnonymised };
    this.logger.log({ msg: 'user erased', ...report });
    return report;
  }
}
