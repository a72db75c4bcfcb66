import { Injectable } from '@nestjs/common';
import { Sql, statement } from '../../../libs/database/sql.js';
import type { Feedback, Rating } from '../domain/feedback.js';
import { DAY_KEY, ROLLUP_LOCK } from './analytics.repository.js';

interface FeedbackRow {
  message_id: string;
  conversation_id: string;
  user_id: string;
  rating: string;
  reason: string | null;
  comment: string | null;
  created_at: Date | string;
  updated_at: Date | string;
}

const toFeedback = (row: FeedbackRow): Feedback => ({
  messageId: row.message_id,
  conversationId: row.conversation_id,
  userId: row.user_id,
  rating: row.rating as Rating,
  reason: row.reason,
  comment: row.comment,
  createdAt: new Date(row.created_at),
  updatedAt: new Date(row.updated_at),
});

const COLUMNS = 'message_id, conversation_id, user_id, rating, reason, comment, created_at, updated_at';

/** One row per (answer, user): a second rating replaces the first and keeps its created_at. */
const UPSERT = statement(`
  INSERT INTO message_feedback AS f (${COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, now(), now())
  ON CONFLICT (message_id, user_id) DO UPDATE SET rating = EXCLUDED.rating, reason = EXCLUDED.reason, comment = EXCLUDED.comment, updated_at = now()
  RETURNING ${COLUMNS}`);

/** A rating counts on its answer's day: it waits for a rollup of that day in progress (shared lock: ratings do not wait for each other). */
const LOCK_ANSWER_DAY = statement(`SELECT pg_advisory_xact_lock_shared(${ROLLUP_LOCK}, ${DAY_KEY("(created_at AT TIME ZONE 'UTC')::date")}) FROM messages WHERE id = $1`);
/** ...and then unmarks that day if it was rolled up, so the next rollup run counts the rating (read live until then). */
const UNMARK_ANSWER_DAY = statement(`DELETE FROM analytics_rollup_days WHERE day = (SELECT (created_at AT TIME ZONE 'UTC')::date FROM messages WHERE id = $1)`);

@Injectable()
export class FeedbackRepository {
  constructor(private readonly sql: Sql) {}

  async upsert(input: { messageId: string; conversationId: string; userId: string; rating: Rating; reason: string | null; comment: string | null }): Promise<Feedback> {
    return this.sql.transaction(async (tx) => {
      await tx.query(LOCK_ANSWER_DAY, [input.messageId]);
      const rows = await tx.query<FeedbackRow>(UPSERT, [input.messageId, input.conversationId, input.userId, input.rating, input.reason, input.comment]);
      await tx.query(UNMARK_ANSWER_DAY, [input.messageId]);
      return toFeedback(rows[0]!);
    });
  }

  /** The ratings in one conversation (its owner's), for the exports. */
  async listForConversation(conversationId: string): Promise<Feedback[]> {
    const rows = await this.sql.query<FeedbackRow>(`SELECT ${COLUMNS} FROM message_feedback WHERE conversation_id = $1 ORDER BY created_at, message_id`, [conversationId]);
    return rows.map(toFeedback);
  }

  async findForMessage(messageId: string, userId: string): Promise<Feedback | null> {
    const rows = await this.sql.query<FeedbackRow>(`SELECT ${COLUMNS} FROM message_feedback WHERE message_id = $1 AND user_id = $2`, [messageId, userId]);
    return rows[0] ? toFeedback(rows[0]) : null;
  }
}
