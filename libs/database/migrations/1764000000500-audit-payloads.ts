import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Opt-in payload logging: redacted request and response bodies of /v1 calls, written off the request path. */
export class AuditPayloads1764000000500 implements MigrationInterface {
  name = 'AuditPayloads1764000000500';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE audit_payloads (
        id uuid PRIMARY KEY,
        request_id text NOT NULL,
        user_id uuid,
        method text NOT NULL,
        route text NOT NULL,
        status integer NOT NULL,
        request jsonb,
        response jsonb,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await db.query(`CREATE INDEX audit_payloads_user_idx ON audit_payloads (user_id, created_at)`);
    await db.query(`CREATE INDEX audit_payloads_request_idx ON audit_payloads (request_id)`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP TABLE IF EXISTS audit_payloads`);
  }
}
