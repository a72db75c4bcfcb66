import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Room on each page of `conversations` for the new version of a row that a turn's question updates (its
 * counters and current leaf, no indexed column): PostgreSQL then keeps the update on the page (HOT) and writes
 * no index entry for it. Pages written before keep their old fill until they are rewritten.
 */
export class ConversationsFillfactor1764000001200 implements MigrationInterface {
  name = 'ConversationsFillfactor1764000001200';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`ALTER TABLE conversations SET (fillfactor = 70)`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`ALTER TABLE conversations RESET (fillfactor)`);
  }
}
