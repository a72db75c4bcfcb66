import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Forks, state history, what each assistant message's context held, and summaries of what fell out of it. */
export class ConversationTree1764000000100 implements MigrationInterface {
  name = 'ConversationTree1764000000100';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`ALTER TABLE conversations ADD COLUMN forked_from_conversation_id uuid, ADD COLUMN forked_from_message_id uuid`);
    // Idle conversations are found by the sweeper through this index.
    await db.query(`CREATE INDEX conversations_idle_idx ON conversations (coalesce(last_message_at, created_at)) WHERE state = 'active'`);

    await db.query(`
      CREATE TABLE conversation_state_changes (
        id bigserial PRIMARY KEY,
        conversation_id uuid NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
        from_state text NOT NULL,
        to_state text NOT NULL,
        reason text NOT NULL,
        changed_at timestamptz NOT NULL DEFAULT now()
      )`);
    await db.query(`CREATE INDEX conversation_state_changes_idx ON conversation_state_changes (conversation_id, changed_at)`);

    // {fromMessageId, messageCount, tokens, leftOut, summaryId, systemLayers, format, formatValid}
    await db.query(`ALTER TABLE messages ADD COLUMN context jsonb`);

    await db.query(`
      CREATE TABLE conversation_summaries (
        id uuid PRIMARY KEY,
        conversation_id uuid NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
        covers_message_id uuid NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
        content text NOT NULL,
        token_count integer NOT NULL,
        model text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (covers_message_id)
      )`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP TABLE IF EXISTS conversation_summaries`);
    await db.query(`ALTER TABLE messages DROP COLUMN IF EXISTS context`);
    await db.query(`DROP TABLE IF EXISTS conversation_state_changes`);
    await db.query(`DROP INDEX IF EXISTS conversations_idle_idx`);
    await db.query(`ALTER TABLE conversations DROP COLUMN IF EXISTS forked_from_conversation_id, DROP COLUMN IF EXISTS forked_from_message_id`);
  }
}
