import { Injectable } from '@nestjs/common';
import { Sql, statement } from '../../../libs/database/sql.js';
import type { RetentionCutoffs, RetentionRun } from '../domain/retention.js';

/**
 * One batch of a plan's conversations past retention: expired ones (last activity before $2) found user by user of
 * the plan through conversations_user_activity_idx, temporary ones (before $3) through conversations_temporary_idx;
 * users under a legal hold are skipped. Each batch is one short statement (rows locked by a turn in flight are
 * skipped and found by the next run); messages, summaries, state changes and ratings go with their conversation
 * (ON DELETE CASCADE); the usage ledger has no foreign key and stays. $1 plan, $2 expired before (or null),
 * $3 temporary before, $4 batch size.
 */
export const DELETE_BATCH = statement(`
  WITH expired AS (
    SELECT c.id FROM users u JOIN conversations c ON c.user_id = u.id
    WHERE $2::timestamptz IS NOT NULL AND u.plan = $1 AND NOT u.legal_hold AND coalesce(c.last_message_at, c.created_at) < $2::timestamptz
    LIMIT $4
    FOR UPDATE OF c SKIP LOCKED
  ),
  temporary AS (
    SELECT c.id FROM conversations c JOIN users u ON u.id = c.user_id
    WHERE c.temporary AND coalesce(c.last_message_at, c.created_at) < $3::timestamptz AND u.plan = $1 AND NOT u.legal_hold
    LIMIT $4
    FOR UPDATE OF c SKIP LOCKED
  ),
  picked AS (SELECT id FROM expired UNION SELECT id FROM temporary LIMIT $4),
  open AS (DELETE FROM open_questions WHERE conversation_id IN (SELECT id FROM picked)),
  gone AS (DELETE FROM conversations c USING picked WHERE c.id = picked.id RETURNING c.temporary)
  SELECT count(*) FILTER (WHERE NOT temporary)::int AS expired, count(*) FILTER (WHERE temporary)::int AS temporary FROM gone`);

interface RunRow {
  id: string;
  started_at: Date | string;
  finished_at: Date | string | null;
  status: string;
  expired_deleted: number;
  temporary_deleted: number;
  batches: number;
  error: string | null;
}

const toRun = (row: RunRow): RetentionRun => ({
  id: row.id,
  startedAt: new Date(row.started_at),
  finishedAt: row.finished_at ? new Date(row.finished_at) : null,
  status: row.status as RetentionRun['status'],
  expiredDeleted: row.expired_deleted,
  temporaryDeleted: row.temporary_deleted,
  batches: row.batches,
  error: row.error,
});

@Injectable()
export class RetentionRepository {
  constructor(private readonly sql: Sql) {}

  async deleteBatch(cutoffs: RetentionCutoffs, limit: number): Promise<{ expired: number; temporary: number }> {
    const rows = await this.sql.query<{ expired: number; temporary: number }>(DELETE_BATCH, [cutoffs.plan, cutoffs.expiredBefore, cutoffs.temporaryBefore, limit]);
    return { expired: rows[0]?.expired ?? 0, temporary: rows[0]?.temporary ?? 0 };
  }

  async startRun(id: string, at: Date): Promise<void> {
    await this.sql.query(`INSERT INTO retention_runs (id, started_at, status) VALUES ($1, $2, 'running')`, [id, at]);
  }

  async finishRun(run: RetentionRun): Promise<void> {
    await this.sql.query(
      `UPDATE retention_runs SET finished_at = $2, status = $3, expired_deleted = $4, temporary_deleted = $5, batches = $6, error = $7 WHERE id = $1`,
      [run.id, run.finishedAt, run.status, run.expiredDeleted, run.temporaryDeleted, run.batches, run.error],
    );
  }

  async recentRuns(limit: number): Promise<RetentionRun[]> {
    const rows = await this.sql.query<RunRow>(`SELECT * FROM retention_runs ORDER BY started_at DESC, id DESC LIMIT $1`, [limit]);
    return rows.map(toRun);
  }
}
