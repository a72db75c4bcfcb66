import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * What a usage event paid for: a turn, or a conversation's generated title. Both are billed (tokens and cost in the
 * totals); only turns count as turns.
 */
export class UsageKinds1764000001000 implements MigrationInterface {
  name = 'UsageKinds1764000001000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`ALTER TABLE usage_events ADD COLUMN kind text NOT NULL DEFAULT 'turn' CHECK (kind IN ('turn', 'title'))`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`ALTER TABLE usage_events DROP COLUMN IF EXISTS kind`);
  }
}
