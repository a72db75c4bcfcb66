import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import type { Transaction } from '../../../libs/database/transaction.js';
import { EMPTY_TOTALS, type UsageEvent, type UsageTotals } from '../domain/usage-event.js';

interface TotalsRow {
  turns: string | null;
  prompt_tokens: string | null;
  completion_tokens: string | null;
  cost_micros: string | null;
}

const toTotals = (row: TotalsRow | undefined): UsageTotals => {
  if (!row) return { ...EMPTY_TOTALS };
  const promptTokens = Number(row.prompt_tokens ?? 0);
  const completionTokens = Number(row.completion_tokens ?? 0);
  return { turns: Number(row.turns ?? 0), promptTokens, completionTokens, totalTokens: promptTokens + completionTokens, costMicros: Number(row.cost_micros ?? 0) };
};

const SUMS = 'sum(turns) AS turns, sum(prompt_tokens) AS prompt_tokens, sum(completion_tokens) AS completion_tokens, sum(cost_micros) AS cost_micros';

@Injectable()
export class UsageRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /** Writes the ledger row inside the caller's transaction; relayed_at NULL marks it for the outbox relay. */
  async insertEvent(tx: Transaction, event: UsageEvent): Promise<void> {
    await tx.query(
      `INSERT INTO usage_events (id, user_id, conversation_id, model, prompt_tokens, completion_tokens, cost_micros, latency_ms, ttft_ms, occurred_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT (id) DO NOTHING`,
      [event.id, event.userId, event.conversationId, event.model, event.promptTokens, event.completionTokens, event.costMicros, event.latencyMs, event.ttftMs, event.occurredAt],
    );
  }

  /** Events written some time ago and still not in the totals: their job was lost (Redis or a worker was down). */
  async findUnappliedIds(limit: number, olderThanSeconds: number): Promise<string[]> {
    const rows: { id: string }[] = await this.db.query(
      `SELECT id FROM usage_events
       WHERE applied_at IS NULL AND occurred_at < now() - make_interval(secs => $2)
       ORDER BY occurred_at LIMIT $1`,
      [limit, olderThanSeconds],
    );
    return rows.map((row) => row.id);
  }

  /**
   * Adds one event to the running totals exactly once, in one statement: the applied_at flip and the
   * increments commit together, so a redelivered job finds applied_at set and changes nothing.
   */
  async applyEvent(id: string): Promise<boolean> {
    const rows: Array<{ applied: number }> = await this.db.query(
      `WITH event AS (
         UPDATE usage_events SET applied_at = now() WHERE id = $1 AND applied_at IS NULL
         RETURNING user_id, conversation_id, model, prompt_tokens, completion_tokens, cost_micros, (occurred_at AT TIME ZONE 'UTC')::date AS day
       ),
       daily AS (
         INSERT INTO usage_daily_totals AS t (day, user_id, model, turns, prompt_tokens, completion_tokens, cost_micros)
         SELECT day, user_id, model, 1, prompt_tokens, completion_tokens, cost_micros FROM event
         ON CONFLICT (user_id, day, model) DO UPDATE SET turns = t.turns + 1, prompt_tokens = t.prompt_tokens + EXCLUDED.prompt_tokens,
           completion_tokens = t.completion_tokens + EXCLUDED.completion_tokens, cost_micros = t.cost_micros + EXCLUDED.cost_micros
       ),
       per_conversation AS (
         INSERT INTO usage_conversation_totals AS t (conversation_id, user_id, turns, prompt_tokens, completion_tokens, cost_micros)
         SELECT conversation_id, user_id, 1, prompt_tokens, completion_tokens, cost_micros FROM event WHERE conversation_id IS NOT NULL
         ON CONFLICT (conversation_id) DO UPDATE SET turns = t.turns + 1, prompt_tokens = t.prompt_tokens + EXCLUDED.prompt_tokens,
           completion_tokens = t.completion_tokens + EXCLUDED.completion_tokens, cost_micros = t.cost_micros + EXCLUDED.cost_micros
       )
       SELECT count(*)::int AS applied FROM event`,
      [id],
    );
    return (rows[0]?.applied ?? 0) > 0;
  }

  async userTotals(userId: string, fromDay?: string): Promise<UsageTotals> {
    const rows: TotalsRow[] = await this.db.query(
      `SELECT ${SUMS} FROM usage_daily_totals WHERE user_id = $1 AND ($2::date IS NULL OR day >= $2::date)`,
      [userId, fromDay ?? null],
    );
    return toTotals(rows[0]);
  }

  async conversationTotals(conversationId: string): Promise<UsageTotals> {
    const rows: TotalsRow[] = await this.db.query(
      `SELECT turns, prompt_tokens, completion_tokens, cost_micros FROM usage_conversation_totals WHERE conversation_id = $1`,
      [conversationId],
    );
    return toTotals(rows[0]);
  }

  async userTotalsByDay(userId: string, fromDay: string, toDay: string): Promise<Array<{ day: string; model: string } & UsageTotals>> {
    const rows: Array<TotalsRow & { day: string; model: string }> = await this.db.query(
      `SELECT to_char(day, 'YYYY-MM-DD') AS day, model, ${SUMS} FROM usage_daily_totals
       WHERE user_id = $1 AND day BETWEEN $2::date AND $3::date GROUP BY day, model ORDER BY day, model`,
      [userId, fromDay, toDay],
    );
    return rows.map((row) => ({ day: row.day, model: row.model, ...toTotals(row) }));
  }

  /** Totals over every user for a date range, by user, model and day (for admin dashboards). */
  async allTotalsByDay(fromDay: string, toDay: string, filter: { userId?: string; model?: string }): Promise<Array<{ day: string; userId: string; model: string } & UsageTotals>> {
    const rows: Array<TotalsRow & { day: string; user_id: string; model: string }> = await this.db.query(
      `SELECT to_char(day, 'YYYY-MM-DD') AS day, user_id, model, ${SUMS} FROM usage_daily_totals
       WHERE day BETWEEN $1::date AND $2::date AND ($3::uuid IS NULL OR user_id = $3::uuid) AND ($4::text IS NULL OR model = $4)
       GROUP BY day, user_id, model ORDER BY day, user_id, model`,
      [fromDay, toDay, filter.userId ?? null, filter.model ?? null],
    );
    return rows.map((row) => ({ day: row.day, userId: row.user_id, model: row.model, ...toTotals(row) }));
  }

  /** When each event was billed (applied to the totals), for the audit trail. */
  async billingStatus(eventIds: string[]): Promise<Map<string, { appliedAt: Date | null; costMicros: number }>> {
    if (eventIds.length === 0) return new Map();
    const rows: Array<{ id: string; applied_at: Date | null; cost_micros: string }> = await this.db.query(
      `SELECT id, applied_at, cost_micros FROM usage_events WHERE id = ANY($1::uuid[])`,
      [eventIds],
    );
    return new Map(rows.map((row) => [row.id, { appliedAt: row.applied_at ? new Date(row.applied_at) : null, costMicros: Number(row.cost_micros) }]));
  }

  /** Tokens a user has used since `since`, from the ledger itself (events not yet in the totals included). */
  async tokensSince(userId: string, since: Date): Promise<number> {
    const rows: Array<{ used: string }> = await this.db.query(
      `SELECT coalesce(sum(prompt_tokens + completion_tokens), 0) AS used FROM usage_events WHERE user_id = $1 AND occurred_at >= $2`,
      [userId, since],
    );
    return Number(rows[0]?.used ?? 0);
  }
}
