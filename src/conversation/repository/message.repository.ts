import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import type { Transaction } from '../../../libs/database/transaction.js';
import { TOKENS_PER_MESSAGE, type ContextSummary } from '../domain/context-window.js';
import type { Message, MessageRole, MessageStatus, TurnContext } from '../domain/message.js';

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
  context: TurnContext | null;
  created_at: Date;
  completed_at: Date | null;
}

const COLUMNS = [
  'id', 'conversation_id', 'parent_id', 'role', 'content', 'status', 'depth', 'token_count', 'model', 'prompt_tokens',
  'completion_tokens', 'latency_ms', 'ttft_ms', 'cost_micros', 'error_code', 'trace_id', 'context', 'created_at', 'completed_at',
];
const MESSAGE_COLUMNS = COLUMNS.join(', ');
const M_COLUMNS = COLUMNS.map((c) => `m.${c}`).join(', ');

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
  context: row.context,
  createdAt: new Date(row.created_at),
  completedAt: row.completed_at ? new Date(row.completed_at) : null,
});

const byDepth = (a: Message, b: Message): number => a.depth - b.depth;

/** The message tree. Every query of a chat turn is here, as SQL a reviewer can read. */
@Injectable()
export class MessageRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  async findMessage(conversationId: string, messageId: string): Promise<Message | null> {
    const rows: MessageRow[] = await this.db.query(`SELECT ${MESSAGE_COLUMNS} FROM messages WHERE id = $1 AND conversation_id = $2`, [messageId, conversationId]);
    return rows[0] ? toMessage(rows[0]) : null;
  }

  /** The whole branch ending at `leafId`, root first (for reading a branch, not for building a context). */
  async findBranch(leafId: string): Promise<Message[]> {
    const rows: MessageRow[] = await this.db.query(
      `WITH RECURSIVE branch AS (
         SELECT ${MESSAGE_COLUMNS} FROM messages WHERE id = $1
         UNION ALL
         SELECT ${M_COLUMNS} FROM messages m JOIN branch b ON m.id = b.parent_id
       )
       SELECT * FROM branch`,
      [leafId],
    );
    return rows.map(toMessage).sort(byDepth);
  }

  /**
   * The newest part of the branch ending at `leafId` that can matter for a context of `budget` tokens:
   * the walk follows parent ids (primary-key lookups) upward and stops once the running token sum passes
   * the budget, so a turn costs the same in a 10-message and in a 10,000-message conversation.
   * Returns root-first (the leaf last, or nothing when it is not in the conversation); the first row may
   * be one that does not fit (the caller trims).
   */
  async walkBranchWithinBudget(conversationId: string, leafId: string, budget: number): Promise<Message[]> {
    const rows: MessageRow[] = await this.db.query(
      `WITH RECURSIVE walk AS (
         SELECT ${MESSAGE_COLUMNS}, token_count + ${TOKENS_PER_MESSAGE} AS running FROM messages WHERE id = $1 AND conversation_id = $3
         UNION ALL
         SELECT ${M_COLUMNS}, w.running + m.token_count + ${TOKENS_PER_MESSAGE}
         FROM messages m JOIN walk w ON m.id = w.parent_id
         WHERE w.running <= $2
       )
       SELECT * FROM walk`,
      [leafId, budget, conversationId],
    );
    return rows.map(toMessage).sort(byDepth);
  }

  /** The newest summary covering `messageId` or one of its nearest ancestors (a short, bounded walk). */
  async findSummaryCovering(messageId: string, maxSteps = 64): Promise<(ContextSummary & { distance: number }) | null> {
    const rows: Array<{ id: string; content: string; token_count: number; covers_message_id: string; distance: number }> = await this.db.query(
      `WITH RECURSIVE up AS (
         SELECT id, parent_id, 0 AS distance FROM messages WHERE id = $1
         UNION ALL
         SELECT m.id, m.parent_id, up.distance + 1 FROM messages m JOIN up ON m.id = up.parent_id WHERE up.distance < $2
       )
       SELECT s.id, s.content, s.token_count, s.covers_message_id, up.distance
       FROM up JOIN conversation_summaries s ON s.covers_message_id = up.id
       ORDER BY up.distance LIMIT 1`,
      [messageId, maxSteps],
    );
    const row = rows[0];
    return row ? { id: row.id, content: row.content, tokenCount: row.token_count, coversMessageId: row.covers_message_id, distance: row.distance } : null;
  }

  async insertSummary(summary: { conversationId: string; coversMessageId: string; content: string; tokenCount: number; model: string }): Promise<void> {
    await this.db.query(
      `INSERT INTO conversation_summaries (id, conversation_id, covers_message_id, content, token_count, model)
       VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (covers_message_id) DO NOTHING`,
      [randomUUID(), summary.conversationId, summary.coversMessageId, summary.content, summary.tokenCount, summary.model],
    );
  }

  /** Every message, parents before children, siblings in the order they were written. */
  async findTree(conversationId: string): Promise<Message[]> {
    const rows: MessageRow[] = await this.db.query(
      `SELECT ${MESSAGE_COLUMNS} FROM messages WHERE conversation_id = $1 ORDER BY depth, created_at, id`,
      [conversationId],
    );
    return rows.map(toMessage);
  }

  /**
   * Stores a message, bumps the conversation's counters and makes it the current leaf when asked, in
   * one statement (atomic on its own; pass `tx` to join a larger transaction). An inactive conversation
   * becomes active again with its next message, and that change is recorded too.
   */
  async insertMessage(message: Message, options: { makeCurrentLeaf: boolean }, tx?: Transaction): Promise<void> {
    const at = message.completedAt ?? message.createdAt;
    await (tx ?? this.db).query(
      `WITH inserted AS (
         INSERT INTO messages (${MESSAGE_COLUMNS})
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19)
       ),
       updated AS (
         UPDATE conversations c SET message_count = c.message_count + 1, last_message_at = $20, updated_at = $20,
           state = CASE WHEN c.state = 'inactive' THEN 'active' ELSE c.state END,
           state_changed_at = CASE WHEN c.state = 'inactive' THEN $20 ELSE c.state_changed_at END,
           current_leaf_id = CASE WHEN $21 THEN $1::uuid ELSE c.current_leaf_id END
         FROM (SELECT state AS old_state FROM conversations WHERE id = $2) previous
         WHERE c.id = $2
         RETURNING previous.old_state
       )
       INSERT INTO conversation_state_changes (conversation_id, from_state, to_state, reason, changed_at)
       SELECT $2, 'inactive', 'active', 'new message', $20 FROM updated WHERE old_state = 'inactive'`,
      [
        message.id, message.conversationId, message.parentId, message.role, message.content, message.status, message.depth,
        message.tokenCount, message.model, message.promptTokens, message.completionTokens, message.latencyMs, message.ttftMs,
        message.costMicros, message.errorCode, message.traceId, message.context === null ? null : JSON.stringify(message.context),
        message.createdAt, message.completedAt, at, options.makeCurrentLeaf,
      ],
    );
  }

  /**
   * Copies the path root → `messageId` into another conversation with new ids, in one statement:
   * the fork holds the same messages, token counts and measurements, parented the same way.
   * Returns the id of the copy of `messageId` (the fork's leaf) and how many were copied.
   */
  async copyPath(tx: Transaction, fromConversationId: string, messageId: string, toConversationId: string): Promise<{ leafId: string; count: number }> {
    const rows: Array<{ new_id: string; old_id: string; count: string }> = await tx.query(
      `WITH RECURSIVE path AS (
         SELECT id, parent_id FROM messages WHERE id = $1 AND conversation_id = $2
         UNION ALL
         SELECT m.id, m.parent_id FROM messages m JOIN path p ON m.id = p.parent_id
       ),
       mapped AS (SELECT id AS old_id, parent_id AS old_parent_id, gen_random_uuid() AS new_id FROM path),
       copied AS (
         INSERT INTO messages (${MESSAGE_COLUMNS})
         SELECT mp.new_id, $3, parent.new_id, m.role, m.content, m.status, m.depth, m.token_count, m.model, m.prompt_tokens,
                m.completion_tokens, m.latency_ms, m.ttft_ms, m.cost_micros, m.error_code, m.trace_id, m.context, m.created_at, m.completed_at
         FROM mapped mp JOIN messages m ON m.id = mp.old_id LEFT JOIN mapped parent ON parent.old_id = mp.old_parent_id
         RETURNING id
       )
       SELECT mp.new_id, mp.old_id, (SELECT count(*) FROM copied) AS count FROM mapped mp WHERE mp.old_id = $1`,
      [messageId, fromConversationId, toConversationId],
    );
    const leaf = rows[0];
    if (!leaf) throw new Error(`message ${messageId} is not in conversation ${fromConversationId}`);
    const count = Number(leaf.count);
    await tx.query(`UPDATE conversations SET current_leaf_id = $2, message_count = $3 WHERE id = $1`, [toConversationId, leaf.new_id, count]);
    return { leafId: leaf.new_id, count };
  }
}
