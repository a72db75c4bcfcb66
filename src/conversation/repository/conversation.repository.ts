import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type Repository } from 'typeorm';
import type { Transaction } from '../../../libs/database/transaction.js';
import type { Conversation, ConversationState } from '../domain/conversation.js';
import type { Message, MessageRole, MessageStatus } from '../domain/message.js';
import { ConversationEntity } from './conversation.entity.js';

export interface ConversationFilter {
  userId: string;
  states: ConversationState[];
  model?: string;
  createdFrom?: Date;
  createdTo?: Date;
  limit: number;
  after?: { updatedAt: Date; id: string };
}

interface MessageRow {
  id: string;
  conversation_id: string;
  parent_id: string | null;
  role: string;
  content: string;
  status: string;
  depth: number;
  token_count: number;
  model: string | null;
  prompt_tokens: number | null;
  completion_tokens: number | null;
  latency_ms: number | null;
  ttft_ms: number | null;
  cost_micros: string | null;
  error_code: string | null;
  trace_id: string | null;
  created_at: Date;
  completed_at: Date | null;
}

const MESSAGE_COLUMNS = `id, conversation_id, parent_id, role, content, status, depth, token_count, model, prompt_tokens,
  completion_tokens, latency_ms, ttft_ms, cost_micros, error_code, trace_id, created_at, completed_at`;

const toMessage = (row: MessageRow): Message => ({
  id: row.id,
  conversationId: row.conversation_id,
  parentId: row.parent_id,
  role: row.role as MessageRole,
  content: row.content,
  status: row.status as MessageStatus,
  depth: row.depth,
  tokenCount: row.token_count,
  model: row.model,
  promptTokens: row.prompt_tokens,
  completionTokens: row.completion_tokens,
  latencyMs: row.latency_ms,
  ttftMs: row.ttft_ms,
  costMicros: row.cost_micros === null ? null : Number(row.cost_micros),
  errorCode: row.error_code,
  traceId: row.trace_id,
  createdAt: new Date(row.created_at),
  completedAt: row.completed_at ? new Date(row.completed_at) : null,
});

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

  /** The conversation if it exists and belongs to the user; another user's is indistinguishable from none. */
  async findOwned(id: string, userId: string): Promise<Conversation | null> {
    const row = await this.conversations.findOneBy({ id, userId });
    return row ? toConversation(row) : null;
  }

  async update(conversation: Conversation): Promise<void> {
    const { id, title, model, systemPrompt, metadata, state, stateChangedAt, updatedAt } = conversation;
    await this.conversations.update({ id }, { title, model, systemPrompt, metadata, state, stateChangedAt, updatedAt });
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
    return (await query.getMany()).map(toConversation);
  }

  async findMessage(conversationId: string, messageId: string): Promise<Message | null> {
    const rows: MessageRow[] = await this.db.query(`SELECT ${MESSAGE_COLUMNS} FROM messages WHERE id = $1 AND conversation_id = $2`, [messageId, conversationId]);
    return rows[0] ? toMessage(rows[0]) : null;
  }

  /**
   * The branch ending at `leafId`, root first, at most `limit` messages (the newest ones). The recursive
   * walk follows parent ids up from the leaf by primary key and stops at the limit, so its cost
   * depends on the limit, not on the size of the conversation.
   */
  async findBranch(leafId: string, limit = 100_000): Promise<Message[]> {
    const rows: MessageRow[] = await this.db.query(
      `WITH RECURSIVE branch AS (
         SELECT ${MESSAGE_COLUMNS} FROM messages WHERE id = $1
         UNION ALL
         SELECT m.id, m.conversation_id, m.parent_id, m.role, m.content, m.status, m.depth, m.token_count, m.model, m.prompt_tokens,
                m.completion_tokens, m.latency_ms, m.ttft_ms, m.cost_micros, m.error_code, m.trace_id, m.created_at, m.completed_at
         FROM messages m JOIN branch b ON m.id = b.parent_id
       )
       SELECT * FROM branch LIMIT $2`,
      [leafId, limit],
    );
    return rows.map(toMessage).sort((a, b) => a.depth - b.depth);
  }

  /** Every message, parents before children, siblings in the order they were written. */
  async findTree(conversationId: string): Promise<Message[]> {
    const rows: MessageRow[] = await this.db.query(
      `SELECT ${MESSAGE_COLUMNS} FROM messages WHERE conversation_id = $1 ORDER BY depth, created_at, id`,
      [conversationId],
    );
    return rows.map(toMessage);
  }

  /** Stores a message and makes it the conversation's current leaf when asked. */
  async insertMessage(tx: Transaction, message: Message, options: { makeCurrentLeaf: boolean }): Promise<void> {
    await tx.query(
      `INSERT INTO messages (${MESSAGE_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)`,
      [
        message.id, message.conversationId, message.parentId, message.role, message.content, message.status, message.depth,
        message.tokenCount, message.model, message.promptTokens, message.completionTokens, message.latencyMs, message.ttftMs,
        message.costMicros, message.errorCode, message.traceId, message.createdAt, message.completedAt,
      ],
    );
    await tx.query(
      `UPDATE conversations SET message_count = message_count + 1, last_message_at = $2, updated_at = $2,
         state = CASE WHEN state = 'inactive' THEN 'active' ELSE state END,
         state_changed_at = CASE WHEN state = 'inactive' THEN $2 ELSE state_changed_at END,
         current_leaf_id = CASE WHEN $3 THEN $4::uuid ELSE current_leaf_id END
       WHERE id = $1`,
      [message.conversationId, message.completedAt ?? message.createdAt, options.makeCurrentLeaf, message.id],
    );
  }
}
