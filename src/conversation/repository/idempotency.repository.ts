import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import type { StoredResponse } from '../domain/idempotency.js';

export interface IdempotencyRow {
  fingerprint: string;
  response: StoredResponse | null;
  createdAt: Date;
}

@Injectable()
export class IdempotencyRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /**
   * Claims the key for this request: true when this caller inserted it (or took over an expired or
   * stale claim), false when another request holds it. The primary key makes exactly one of many
   * simultaneous requests win.
   */
  async claim(userId: string, key: string, fingerprint: string, expiredBefore: Date, staleBefore: Date): Promise<boolean> {
    const rows: Array<{ key: string }> = await this.db.query(
      `INSERT INTO idempotency_keys (user_id, key, fingerprint) VALUES ($1, $2, $3)
       ON CONFLICT (user_id, key) DO UPDATE SET fingerprint = EXCLUDED.fingerprint, response_status = NULL, response_body = NULL,
         created_at = now(), completed_at = NULL
       WHERE idempotency_keys.created_at < $4 OR (idempotency_keys.completed_at IS NULL AND idempotency_keys.created_at < $5)
       RETURNING key`,
      [userId, key, fingerprint, expiredBefore, staleBefore],
    );
    return rows.length === 1;
  }

  async find(userId: string, key: string): Promise<IdempotencyRow | null> {
    const rows: Array<{ fingerprint: string; response_status: number | null; response_body: unknown; created_at: Date }> = await this.db.query(
      `SELECT fingerprint, response_status, response_body, created_at FROM idempotency_keys WHERE user_id = $1 AND key = $2`,
      [userId, key],
    );
    const row = rows[0];
    if (!row) return null;
    return {
      fingerprint: row.fingerprint,
      response: row.response_status === null ? null : { status: row.response_status, body: row.response_body },
      createdAt: new Date(row.created_at),
    };
  }

  async complete(userId: string, key: string, response: StoredResponse): Promise<void> {
    await this.db.query(
      `UPDATE idempotency_keys SET response_status = $3, response_body = $4, completed_at = now() WHERE user_id = $1 AND key = $2`,
      [userId, key, response.status, JSON.stringify(response.body)],
    );
  }

  /** Forgets a claim whose request ended without a response worth replaying. */
  async release(userId: string, key: string): Promise<void> {
    await this.db.query(`DELETE FROM idempotency_keys WHERE user_id = $1 AND key = $2 AND completed_at IS NULL`, [userId, key]);
  }

  /** Erasure: every stored request and response of the user. */
  async deleteForUser(userId: string): Promise<number> {
    const rows: Array<{ n: number }> = await this.db.query(`WITH gone AS (DELETE FROM idempotency_keys WHERE user_id = $1 RETURNING 1) SELECT count(*)::int AS n FROM gone`, [userId]);
    return rows[0]?.n ?? 0;
  }

  async deleteExpired(before: Date): Promise<void> {
    await this.db.query(`DELETE FROM idempotency_keys WHERE created_at < $1`, [before]);
  }
}
