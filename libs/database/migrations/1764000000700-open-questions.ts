import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A user message whose turn has not stored its answer yet. Written with the question and removed with the
 * answer (in the same statements), so that a turn whose process died can be found and closed.
 */
export class OpenQuestions1764000000700 implements MigrationInterface {
  name = 'OpenQuestions1764000000700';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE open_questions (
        message_id uuid PRIMARY KEY,
        conversation_id uuid NOT NULL,
        opened_at timestamptz NOT NULL
      )`);
    await db.query(`CREATE INDEX open_questions_opened_idx ON open_questions (opened_at)`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP TABLE IF EXISTS open_questions`);
  }
}
