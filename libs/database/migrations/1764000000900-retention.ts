import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Retention: temporary conversations, a legal hold per user, and the record of each retention run.
 *
 * Retention measures a conversation's last activity (its last message, else its creation). The job finds a plan's
 * expired conversations user by user through conversations_user_activity_idx (user, activity), so its cost follows
 * that plan's conversations, not every conversation; temporary ones through the small partial index
 * conversations_temporary_idx.
 */
export class Retention1764000000900 implements MigrationInterface {
  name = 'Retention1764000000900';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`ALTER TABLE conversations ADD COLUMN temporary boolean NOT NULL DEFAULT false`);
    await db.query(`CREATE INDEX conversations_user_activity_idx ON conversations (user_id, (coalesce(last_message_at, created_at)))`);
    await db.query(`CREATE INDEX conversations_temporary_idx ON conversations ((coalesce(last_message_at, created_at))) WHERE temporary`);
    await db.query(`ALTER TABLE users ADD COLUMN legal_hold boolean NOT NULL DEFAULT false`);
    await db.query(`
      CREATE TABLE retention_runs (
        id uuid PRIMARY KEY,
        started_at timestamptz NOT NULL,
        finished_at timestamptz,
        status text NOT NULL CHECK (status IN ('running', 'complete', 'failed')),
        expired_deleted integer NOT NULL DEFAULT 0,
        temporary_deleted integer NOT NULL DEFAULT 0,
        batches integer NOT NULL DEFAULT 0,
        error text
      )`);
    await db.query(`CREATE INDEX retention_runs_started_idx ON retention_runs (started_at DESC)`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP TABLE IF EXISTS retention_runs`);
    await db.query(`ALTER TABLE users DROP COLUMN IF EXISTS legal_hold`);
    await db.query(`DROP INDEX IF EXISTS conversations_temporary_idx`);
    await db.query(`DROP INDEX IF EXISTS conversations_user_activity_idx`);
    await db.query(`ALTER TABLE conversations DROP COLUMN IF EXISTS temporary`);
  }
}
