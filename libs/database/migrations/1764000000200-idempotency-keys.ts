import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Idempotency-Key: the first result of a request, replayed to retries with the same key and body. */
export class IdempotencyKeys1764000000200 implements MigrationInterface {
  name = 'IdempotencyKeys1764000000200';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE idempotency_keys (
        user_id uuid NOT NULL,
        key text NOT NULL,
        fingerprint text NOT NULL,
        response_status integer,
        response_body jsonb,
        created_at timestamptz NOT NULL DEFAULT now(),
        completed_at timestamptz,
        PRIMARY KEY (user_id, key)
      )`);
    await db.query(`CREATE INDEX idempotency_keys_created_idx ON idempotency_keys (created_at)`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP TABLE IF EXISTS idempotency_keys`);
  }
}
