import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Abuse and moderation flags: what was seen, how bad, the evidence, whose and where. */
export class AbuseFlags1764000000600 implements MigrationInterface {
  name = 'AbuseFlags1764000000600';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE flags (
        id uuid PRIMARY KEY,
        user_id uuid NOT NULL,
        conversation_id uuid,
        kind text NOT NULL,
        severity integer NOT NULL,
        evidence jsonb NOT NULL DEFAULT '{}',
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await db.query(`CREATE INDEX flags_recent_idx ON flags (created_at DESC, id DESC)`);
    await db.query(`CREATE INDEX flags_user_idx ON flags (user_id, created_at DESC)`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP TABLE IF EXISTS flags`);
  }
}
