import { Injectable } from '@nestjs/common';
import { Sql, statement } from '../../../libs/database/sql.js';
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

const EVENT_COLUMNS = 'id, user_id, conversation_id, model, prompt_tokens, completion_tokens, cost_micros, latency_ms, ttft_ms, occurred_at, kind';

/** The ledger row's INSERT, with its parameters numbered from `first` (so that it can join a caller's statement). */
export function ledgerInsert(first: number): string {
  const p = (i: number, type: string) => `$${first + i}::${type}`;
  return `INSERT INTO usage_events (${EVENT_COLUMNS})
    VALUES (${eventValues(first)})
    ON CONFLICT (id) DO NOTHING`;
}

function eventValues(first: number): string {
  const p = (i: number, type: string) => `$${first + i}::${type}`;
  return `${p(0, 'uuid')}, ${p(1, 'uuid')}, ${p(2, 'uuid')}, ${p(3, 'text')}, ${p(4, 'int')}, ${p(5, 'int')}, ${p(6, 'bigint')}, ${p(7, 'int')}, ${p(8, 'int')}, ${p(9, 'timestamptz')}, ${p(10, 'text')}`;
}

/** The same row, written only when the caller's CTE `from` returned a row (e.g. the title it set was still unset). */
export function ledgerInsertIf(first: number, from: string): string {
  return `INSERT INTO usage_events (${EVENT_COLUMNS})
    SELECT ${eventValues(first)} WHERE EXISTS (SELECT 1 FROM ${from})
    ON CONFLICT (id) DO NOTHING`;
}

export const ledgerParams = (event: UsageEvent): unknown[] => [
  event.id, event.userId, event.conversationId, event.model, event.promptTokens, event.completionTokens, event.costMicros, event.latencyMs, event.ttftMs, event.occurredAt, event.kind ?? 'turn',
];

const INSERT_EVENT = statement(ledgerInsert(1));

const HAS_LOST_EVENTS = statement(`SELECT EXISTS (SELECT 1 FROM usage_events WHERE applied_at IS NULL AND occurred_at < now() - make_interval(secs => $1)) AS found`);

const APPLY_PENDING = statement(`
  WITH picked AS (
    SELECT id FROM usage_events WHERE applied_at IS NULL ORDER BY occurred_at LIMIT $1 FOR UPDATE SKIP LOCKED
  ),
  event AS (
    UPDATE usage_events e SET applied_at = now() FROM picked WHERE e.id = picked.id
    RETURNING e.kind, e.user_id, e.conversation_id, e.model, e.prompt_tokens, e.completion_tokens, e.cost_micros, (e.occurred_at AT TIME ZONE 'UTC')::date AS day
  ),
  daily AS (
    INSERT INTO usage_daily_totals AS t (day, user_id, model, turns, prompt_tokens, completion_tokens, cost_micros)
    SELECT day, user_id, model, count(*) FILTER (WHERE kind = 'turn'), sum(prompt_tokens), sum(completion_tokens), sum(cost_micros) FROM event GROUP BY day, user_id, model
    ON CONFLICT (user_id, day, model) DO UPDATE SET turns = t.turns + EXCLUDED.turns, prompt_tokens = t.prompt_tokens + EXCLUDED.prompt_tokens,
      completion_tokens = t.completion_tokens + EXCLUDED.completion_tokens, cost_micros = t.cost_micros + EXCLUDED.cost_micros
  ),
  per_conversation AS (
    INSERT INTO usage_conversation_totals AS t (conversation_id, user_id, turns, prompt_tokens, completion_tokens, cost_micros)
    SELECT conversation_id, user_id, count(*) FILTER (WHERE kind = 'turn'), sum(prompt_tokens), sum(completion_tokens), sum(cost_micros) FROM event WHERE conversation_id IS NOT NULL GROUP BY conversation_id, user_id
    ON CONFLICT (conversation_id) DO UPDATE SET turns = t.turns + EXCLUDED.turns, prompt_tokens = t.prompt_tokens + EXCLUDED.prompt_tokens,
      completion_tokens = t.completion_tokens + EXCLUDED.completion_tokens, cost_micros = t.cost_micros + EXCLUDED.cost_micros
  )
  SELECT count(*)::int AS applied FROM event`);

@Injectable()
export class UsageRepository {
  constructor(private readonly db: Sql) {}

  /** Writes the ledger row (inside the caller's transaction, when given); applied_at NULL marks it for billing. */
  async insertEvent(event: UsageEvent, tx: Transaction = this.db): Promise<void> {
    await tx.query(INSERT_EVENT, ledgerParams(event));
  }

  /** Whether some event written over `olderThanSeconds` ago is still not in the totals (its batch was lost). */
  async hasUnappliedOlderThan(olderThanSeconds: number): Promise<boolean> {
    const rows = await this.db.query<{ found: boolean }>(HAS_LOST_EVENTS, [olderThanSeconds]);
    return rows[0]?.found === true;
  }

  /**
   * Adds up to `limit` unapplied events to the running totals, exactly once, in one statement: the events'
   * applied_at flips and the totals' increments commit together, so a job run twice (or by two workers:
   * SKIP LOCKED splits the events between them) counts nothing twice. Returns how many were applied.
   */
  async applyPending(limit: number): Promise<number> {
    const rows = await this.db.query<{ applied: number }>(APPLY_PENDING, [limit]);
    return rows[0]?.applied ?? 0;
  }

  async userTotals(userId: string, fromDay?: string): Promise<UsageTotals> {
    const rows = await this.db.query<TotalsRow>(
      `SELECT ${SUMS} FROM usage_daily_totals WHERE user_id = $1 AND ($2::date IS NULL OR day >= $2::date)`,
      [userId, fromDay ?? null],
    );
    return toTotals(rows[0]);
  }

  async conversationTotals(conversationId: string): Promise<UsageTotals> {
    const rows = await this.db.query<TotalsRow>(
      `SELECT turns, prompt_tokens, completion_tokens, cost_micros FROM usage_conversation_totals WHERE conversation_id = $1`,
      [conversationId],
    );
    return toTotals(rows[0]);
  }

  async userTotalsByDay(userId: string, fromDay: string, toDay: string): Promise<Array<{ day: string; model: string } & UsageTotals>> {
    const rows = await this.db.query<TotalsRow & { day: string; model: string }>(
      `SELECT to_char(day, 'YYYY-MM-DD') AS day, model, ${SUMS} FROM usage_daily_totals
       WHERE user_id = $1 AND day BETWEEN $2::date AND $3::date GROUP BY day, model ORDER BY day, model`,
      [userId, fromDay, toDay],
    );
    return rows.map((row) => ({ day: row.day, model: row.model, ...toTotals(row) }));
  }

  /** Totals over every user for a date range, by user, model and day (for admin dashboards). */
  async allTotalsByDay(fromDay: string, toDay: string, filter: { userId?: string; model?: string }): Promise<Array<{ day: string; userId: string; model: string } & UsageTotals>> {
    const rows = await this.db.query<TotalsRow & { day: string; user_id: string; model: string }>(
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
    const rows = await this.db.query<{ id: string; applied_at: Date | null; cost_micros: string }>(
      `SELECT id, applied_at, cost_micros FROM usage_events WHERE id = ANY($1::uuid[])`,
      [eventIds],
    );
    return new Map(rows.map((row) => [row.id, { appliedAt: row.applied_at ? new Date(row.applied_at) : null, costMicros: Number(row.cost_micros) }]));
  }

  /**
   * Erasure: the user's ledger rows and totals move to a pseudonym (a fresh id linked to no account), so billing
   * sums stay right and nothing in them leads back to the person. One transaction.
   */
  async anonymiseUser(userId: string, pseudonym: string): Promise<number> {
    return this.db.transaction(async (tx) => {
      const events = await tx.query<{ n: number }>(`WITH moved AS (UPDATE usage_events SET user_id = $2 WHERE user_id = $1 RETURNING 1) SELECT count(*)::int AS n FROM moved`, [userId, pseudonym]);
      await tx.query(`UPDATE usage_daily_totals SET user_id = $2 WHERE user_id = $1`, [userId, pseudonym]);
      await tx.query(`UPDATE usage_conversation_totals SET user_id = $2 WHERE user_id = $1`, [userId, pseudonym]);
      return events[0]?.n ?? 0;
    });
  }

  /** Tokens a user has used since `since`, from the ledger itself (events not yet in the totals included). */
  async tokensSince(userId: string, since: Date): Promise<number> {
    const rows = await this.db.query<{ used: string }>(
      `SELECT coalesce(sum(prompt_tokens + completion_tokens), 0) AS used FROM usage_events WHERE user_id = $1 AND occurred_at >= $2`,
      [userId, since],
    );
    return Number(rows[0]?.used ?? 0);
  }
}
