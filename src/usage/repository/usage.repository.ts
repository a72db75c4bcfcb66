import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import type { Transaction } from '../../../libs/database/transaction.js';
import { EMPTY_TOTALS, billingDay, type UsageEvent, type UsageTotals } from '../domain/usage-event.js';

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

  /** Events never handed to the queue, and those handed over long ago but still not applied (a lost job). */
  async findUnrelayedIds(limit: number, staleAfterSeconds: number): Promise<string[]> {
    const rows: { id: string }[] = await this.db.query(
      `SELECT id FROM usage_events
       WHERE applied_at IS NULL AND (relayed_at IS NULL OR relayed_at < now() - make_interval(secs => $2))
       ORDER BY occurred_at LIMIT $1`,
      [limit, staleAfterSeconds],
    );
    return rows.map((row) => row.id);
  }

  async markRelayed(ids: string[]): Promise<void> {
    if (ids.length) await this.db.query(`UPDATE usage_events SET relayed_at = now() WHERE id = ANY($1::uuid[])`, [ids]);
  }

  /**
   * Adds one event to the running totals exactly once: the applied_at flip and the increments commit
   * together, so a redelivered job finds applied_at set and changes nothing.
   */
  async applyEvent(id: string): Promise<boolean> {
    return this.db.transaction(async (tx) => {
      const rows: Array<{ user_id: string; conversation_id: string | null; model: string; prompt_tokens: number; completion_tokens: number; cost_micros: string; occurred_at: Date }> =
        await tx.query(
          // Wrapped in a SELECT: TypeORM returns [rows, count] for a bare UPDATE … RETURNING.
          `WITH applied AS (
             UPDATE usage_events SET applied_at = now(), relayed_at = coalesce(relayed_at, now())
             WHERE id = $1 AND applied_at IS NULL
             RETURNING user_id, conversation_id, model, prompt_tokens, completion_tokens, cost_micros, occurred_at
           ) SELECT * FROM applied`,
          [id],
        );
      const event = rows[0];
      if (!event) return false;
      const values = [event.prompt_tokens, event.completion_tokens, event.cost_micros];
      await tx.query(
        `INSERT INTO usage_daily_totals (day, user_id, model, turns, prompt_tokens, completion_tokens, cost_micros)
         VALUES ($4, $5, $6, 1, $1, $2, $3)
         ON CONFLICT (user_id, day, model) DO UPDATE SET turns = usage_daily_totals.turns + 1,
           prompt_tokens = usage_daily_totals.prompt_tokens + $1, completion_tokens = usage_daily_totals.completion_tokens + $2,
           cost_micros = usage_daily_totals.cost_micros + $3`,
        [...values, billingDay(new Date(event.occurred_at)), event.user_id, event.model],
      );
      if (event.conversation_id) {
        await tx.query(
          `INSERT INTO usage_conversation_totals (conversation_id, user_id, turns, prompt_tokens, completion_tokens, cost_micros)
           VALUES ($4, $5, 1, $1, $2, $3)
           ON CONFLICT (conversation_id) DO UPDATE SET turns = usage_conversation_totals.turns + 1,
             prompt_tokens = usage_conversation_totals.prompt_tokens + $1, completion_tokens = usage_conversation_totals.completion_tokens + $2,
             cost_micros = usage_conversation_totals.cost_micros + $3`,
          [...values, event.conversation_id, event.user_id],
        );
      }
      return true;
    });
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
}
