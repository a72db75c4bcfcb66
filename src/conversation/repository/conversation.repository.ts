import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type Repository } from 'typeorm';
import { Sql, statement, type SqlRunner } from '../../../libs/database/sql.js';
import type { Conversation, ConversationState, StateChange } from '../domain/conversation.js';
import { ConversationEntity } from './conversation.entity.js';
import { CONVERSATION_COLUMNS, toConversation as fromRow, type ConversationRow } from './message.repository.js';
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

const FIND_OWNED = statement(`SELECT ${CONVERSATION_COLUMNS} FROM conversations WHERE id = $1 AND user_id = $2`);

const INSERT = `INSERT INTO conversations (${CONVERSATION_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)`;

const insertParams = (c: Conversation): unknown[] => [
  c.id, c.userId, c.title, c.model, c.systemPrompt, JSON.stringify(c.metadata), c.state, c.stateChangedAt, c.currentLeafId, c.messageCount,
  c.createdAt, c.updatedAt, c.lastMessageAt, c.forkedFromConversationId, c.forkedFromMessageId, c.temporary,
];

@Injectable()
export class ConversationRepository {
  private readonly conversations: Repository<ConversationEntity>;

  constructor(
    @InjectDataSource() db: DataSource,
    private readonly sql: Sql,
  ) {
    this.conversations = db.getRepository(ConversationEntity);
  }

  transaction<T>(work: (tx: SqlRunner) => Promise<T>): Promise<T> {
    return this.sql.transaction(work);
  }

  async insert(conversation: Conversation, runner: SqlRunner = this.sql): Promise<void> {
    await runner.query(INSERT, insertParams(conversation));
  }

  /** Any user's conversation, for admins' audit routes. */
  async findById(id: string): Promise<Conversation | null> {
    const rows = await this.sql.query<ConversationRow>(`SELECT ${CONVERSATION_COLUMNS} FROM conversations WHERE id = $1`, [id]);
    return rows[0] ? fromRow(rows[0]) : null;
  }

  /** The conversation if it exists and belongs to the user; another user's is indistinguishable from none. */
  async findOwned(id: string, userId: string): Promise<Conversation | null> {
    const rows = await this.sql.query<ConversationRow>(FIND_OWNED, [id, userId]);
    return rows[0] ? fromRow(rows[0]) : null;
  }

  /** The conversation, with its messages and the rest (ON DELETE CASCADE) and its open question, if a turn is in flight. */
  async delete(id: string): Promise<void> {
    await this.sql.query(`WITH open AS (DELETE FROM open_questions WHERE conversation_id = $1) DELETE FROM conversations WHERE id = $1`, [id]);
  }

  /**
   * Erasure: up to `limit` of the user's conversations, with their messages, summaries, state changes and ratings
   * (ON DELETE CASCADE) and their open questions; returns how many went. Small batches keep each transaction short.
   */
  async deleteBatchOfUser(userId: string, limit: number): Promise<number> {
    const rows = await this.sql.query<{ n: number }>(
      `WITH picked AS (SELECT id FROM conversations WHERE user_id = $1 LIMIT $2),
         open AS (DELETE FROM open_questions WHERE conversation_id IN (SELECT id FROM picked)),
         gone AS (DELETE FROM conversations WHERE id IN (SELECT id FROM picked) RETURNING 1)
       SELECT count(*)::int AS n FROM gone`,
      [userId, limit],
    );
    return rows[0]?.n ?? 0;
  }

  /**
   * Sets a generated title only if the conversation has none, and in the same statement the caller's CTE (its
   * usage event, written only when the title was set); $1 conversation, $2 title, the CTE's parameters from $3.
   */
  async setGeneratedTitle(conversationId: string, title: string, extra: { cte: string; params: unknown[] }): Promise<boolean> {
    const rows = await this.sql.query<{ n: number }>(
      `WITH titled AS (UPDATE conversations SET title = $2 WHERE id = $1 AND title IS NULL RETURNING id), ${extra.cte}
       SELECT count(*)::int AS n FROM titled`,
      [conversationId, title, ...extra.params],
    );
    return (rows[0]?.n ?? 0) > 0;
  }

  /** Every conversation of the user in every state, oldest first, a page at a time (data export). */
  async pageOfUser(userId: string, after: { createdAt: Date; id: string } | null, limit: number): Promise<Conversation[]> {
    const rows = await this.sql.query<ConversationRow>(
      `SELECT ${CONVERSATION_COLUMNS} FROM conversations WHERE user_id = $1 AND ($2::timestamptz IS NULL OR (created_at, id) > ($2::timestamptz, $3::uuid))
       ORDER BY created_at, id LIMIT $4`,
      [userId, after?.createdAt ?? null, after?.id ?? null, limit],
    );
    return rows.map(fromRow);
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
    const { id, title, model, systemPrompt, metadata, state, stateChangedAt, updatedAt, currentLeafId } = conversation;
    const update = [
      `UPDATE conversations SET title = $2, model = $3, system_prompt = $4, metadata = $5, state = $6, state_changed_at = $7, updated_at = $8, current_leaf_id = $9 WHERE id = $1`,
      [id, title, model, systemPrompt, JSON.stringify(metadata), state, stateChangedAt, updatedAt, currentLeafId],
    ] as const;
    if (!change) {
      await this.sql.query(...update);
      return;
    }
    await this.sql.transaction(async (tx) => {
      await tx.query(...update);
      await this.recordStateChange(tx, id, change);
    });
  }

  async stateChanges(conversationId: string, limit = 50): Promise<StateChange[]> {
    const rows = await this.sql.query<{ from_state: string; to_state: string; reason: string; changed_at: Date }>(
      `SELECT from_state, to_state, reason, changed_at FROM conversation_state_changes WHERE conversation_id = $1 ORDER BY changed_at DESC, id DESC LIMIT $2`,
      [conversationId, limit],
    );
    return rows.map((row) => ({ from: row.from_state as ConversationState, to: row.to_state as ConversationState, reason: row.reason as StateChange['reason'], at: new Date(row.changed_at) }));
  }

  /**
   * Marks conversations idle since before `idleSince` inactive, recording each change. Returns how many. One
   * with a question in flight is not idle: a question does not move last_message_at, its answer does.
   */
  async markIdleInactive(idleSince: Date, now: Date): Promise<number> {
    const rows = await this.sql.query<{ id: string }>(
      `WITH idle AS (
         UPDATE conversations c SET state = 'inactive', state_changed_at = $2
         WHERE state = 'active' AND coalesce(last_message_at, created_at) < $1
           AND NOT EXISTS (SELECT 1 FROM open_questions q WHERE q.conversation_id = c.id)
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

  private async recordStateChange(tx: SqlRunner, conversationId: string, change: StateChange): Promise<void> {
    await tx.query(
      `INSERT INTO conversation_state_changes (conversation_id, from_state, to_state, reason, changed_at) VALUES ($1, $2, $3, $4, $5)`,
      [conversationId, change.from, change.to, change.reason, change.at],
    );
  }
}
