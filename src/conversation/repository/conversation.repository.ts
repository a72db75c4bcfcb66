import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type Repository } from 'typeorm';
import type { Transaction } from '../../../libs/database/transaction.js';
import type { Conversation, ConversationState, StateChange } from '../domain/conversation.js';
import { ConversationEntity } from './conversation.entity.js';
import { applyTextSearch } from './message-search.repository.js';

export interface ConversationFilter {
  userId: string;
  states: ConversationState[];
  model?: string;
  createdFrom?: Date;
  createdTo?: Date;
  /** Full text: the title or any message matches (websearch syntax). */
  q?: string;
  limit: number;
  after?: { updatedAt: Date; id: string };
}

const toConversation = (row: ConversationEntity): Conversation => ({
  ...row,
  metadata: row.metadata as Record<string, unknown>,
  state: row.state as ConversationState,
});

@Injectable()
export class ConversationRepository {
  private readonly conversations: Repository<ConversationEntity>;

  constructor(@InjectDataSource() private readonly db: DataSource) {
    this.conversations = db.getRepository(ConversationEntity);
  }

  transaction<T>(work: (tx: Transaction) => Promise<T>): Promise<T> {
    return this.db.transaction(work);
  }

  async insert(conversation: Conversation): Promise<void> {
    await this.conversations.insert(conversation);
  }

  /** Any user's conversation, for admins' audit routes. */
  async findById(id: string): Promise<Conversation | null> {
    const row = await this.conversations.findOneBy({ id });
    return row ? toConversation(row) : null;
  }

  /** The conversation if it exists and belongs to the user; another user's is indistinguishable from none. */
  async findOwned(id: string, userId: string): Promise<Conversation | null> {
    const row = await this.conversations.findOneBy({ id, userId });
    return row ? toConversation(row) : null;
  }

  async delete(id: string): Promise<void> {
    await this.conversations.delete({ id });
  }

  /** Most recently updated first; the cursor is (updated_at, id), so pages never skip or repeat. */
  async list(filter: ConversationFilter): Promise<Conversation[]> {
    const query = this.conversations
      .createQueryBuilder('c')
      .where('c.user_id = :userId', { userId: filter.userId })
      .andWhere('c.state IN (:...states)', { states: filter.states })
      .orderBy('c.updated_at', 'DESC')
      .addOrderBy('c.id', 'DESC')
      .take(filter.limit);
    if (filter.model) query.andWhere('c.model = :model', { model: filter.model });
    if (filter.createdFrom) query.andWhere('c.created_at >= :from', { from: filter.createdFrom });
    if (filter.createdTo) query.andWhere('c.created_at <= :to', { to: filter.createdTo });
    if (filter.after) query.andWhere('(c.updated_at, c.id) < (:updatedAt, :id)', filter.after);
    if (filter.q) applyTextSearch(query, filter.q);
    return (await query.getMany()).map(toConversation);
  }


  /** Saves an owner's edit; a state change is recorded with it, in the same transaction. */
  async saveEdit(conversation: Conversation, change: StateChange | null): Promise<void> {
    await this.db.transaction(async (tx) => {
      const { id, title, model, systemPrompt, metadata, state, stateChangedAt, updatedAt, currentLeafId } = conversation;
      await tx.getRepository(ConversationEntity).update({ id }, { title, model, systemPrompt, metadata, state, stateChangedAt, updatedAt, currentLeafId });
      if (change) await this.recordStateChange(tx, id, change);
    });
  }

  async stateChanges(conversationId: string, limit = 50): Promise<StateChange[]> {
    const rows: Array<{ from_state: string; to_state: string; reason: string; changed_at: Date }> = await this.db.query(
      `SELECT from_state, to_state, reason, changed_at FROM conversation_state_changes WHERE conversation_id = $1 ORDER BY changed_at DESC, id DESC LIMIT $2`,
      [conversationId, limit],
    );
    return rows.map((row) => ({ from: row.from_state as ConversationState, to: row.to_state as ConversationState, reason: row.reason as StateChange['reason'], at: new Date(row.changed_at) }));
  }

  /** Marks conversations idle since before `idleSince` inactive, recording each change. Returns how many. */
  async markIdleInactive(idleSince: Date, now: Date): Promise<number> {
    const rows: Array<{ id: string }> = await this.db.query(
      `WITH idle AS (
         UPDATE conversations SET state = 'inactive', state_changed_at = $2
         WHERE state = 'active' AND coalesce(last_message_at, created_at) < $1
         RETURNING id
       ), recorded AS (
         INSERT INTO conversation_state_changes (conversation_id, from_state, to_state, reason, changed_at)
         SELECT id, 'active', 'inactive', 'idle', $2 FROM idle
       )
       SELECT id FROM idle`,
      [idleSince, now],
    );
    return rows.length;
  }

  async insertFork(tx: Transaction, conversation: Conversation): Promise<void> {
    await tx.getRepository(ConversationEntity).insert(conversation);
  }

  private async recordStateChange(tx: Transaction, conversationId: string, change: StateChange): Promise<void> {
    await tx.query(
      `INSERT INTO conversation_state_changes (conversation_id, from_state, to_state, reason, changed_at) VALUES ($1, $2, $3, $4, $5)`,
      [conversationId, change.from, change.to, change.reason, change.at],
    );
  }
}
