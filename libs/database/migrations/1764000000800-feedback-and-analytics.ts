import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Ratings of answers by their owner, and the index the admin analytics read answers through.
 *
 * messages_answers_time_idx: answers (role = 'assistant') by creation time, carrying every column analytics
 * aggregates, so a date range is read from the index alone (an index-only scan once the table is vacuumed) and never
 * touches user or system messages or the text.
 */
export class FeedbackAndAnalytics1764000000800 implements MigrationInterface {
  name = 'FeedbackAndAnalytics1764000000800';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE message_feedback (
        message_id uuid NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
        user_id uuid NOT NULL,
        conversation_id uuid NOT NULL,
        rating text NOT NULL CHECK (rating IN ('up', 'down')),
        reason text,
        comment text,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (message_id, user_id)
      )`);
    await db.query(`CREATE INDEX message_feedback_user_idx ON message_feedback (user_id)`);
    await db.query(`CREATE INDEX message_feedback_conversation_idx ON message_feedback (conversation_id)`);
    await db.query(`
      CREATE INDEX messages_answers_time_idx ON messages (created_at)
        INCLUDE (model, status, conversation_id, latency_ms, ttft_ms, prompt_tokens, completion_tokens, cost_micros)
        WHERE role = 'assistant'`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP INDEX IF EXISTS messages_answers_time_idx`);
    await db.query(`DROP TABLE IF EXISTS message_feedback`);
  }
}
