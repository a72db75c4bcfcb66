import { Injectable } from '@nestjs/common';
import { Sql } from '../../../libs/database/sql.js';
import { ratio, type AnalyticsRow } from '../domain/feedback.js';

/** "The user is on this plan" (their plan now), or no filter when $4 is null. */
const ON_PLAN = (userColumn: string) => `($4::text IS NULL OR ${userColumn} IN (SELECT id FROM users WHERE plan = $4::text))`;

/**
 * The admin analytics over answers, their ratings and moderation flags, per UTC day and model, in one statement.
 * $1 first instant, $2 end (exclusive), $3 model or null, $4 plan or null, $5 the default model (a conversation
 * without a model of its own uses it; flags are counted under their conversation's model).
 *
 * Answers are read through messages_answers_time_idx (created_at, partial on role = 'assistant', covering every
 * aggregated column); the owner comes from conversations by primary key (hashed once); ratings through the
 * message_feedback primary key; flags through flags_recent_idx. Percentiles are observed values (percentile_disc)
 * over the answers that have one (a failed call has no TTFT). Exported for the bench case.
 */
export const ANALYTICS_SQL = `
  WITH turns AS (
    SELECT (m.created_at AT TIME ZONE 'UTC')::date AS day, m.model,
      count(*) AS turns,
      count(DISTINCT c.user_id) AS active_users,
      coalesce(sum(m.prompt_tokens), 0) AS prompt_tokens,
      coalesce(sum(m.completion_tokens), 0) AS completion_tokens,
      coalesce(sum(m.cost_micros), 0) AS cost_micros,
      count(*) FILTER (WHERE m.status = 'failed') AS failed,
      count(*) FILTER (WHERE m.status = 'interrupted') AS interrupted,
      percentile_disc(ARRAY[0.5, 0.95]::float8[]) WITHIN GROUP (ORDER BY m.latency_ms) AS latency,
      percentile_disc(ARRAY[0.5, 0.95]::float8[]) WITHIN GROUP (ORDER BY m.ttft_ms) AS ttft
    FROM messages m JOIN conversations c ON c.id = m.conversation_id
    WHERE m.role = 'assistant' AND m.created_at >= $1::timestamptz AND m.created_at < $2::timestamptz
      AND ($3::text IS NULL OR m.model = $3::text) AND ${ON_PLAN('c.user_id')}
    GROUP BY 1, 2
  ),
  rated AS (
    SELECT (m.created_at AT TIME ZONE 'UTC')::date AS day, m.model,
      count(*) FILTER (WHERE f.rating = 'up') AS up,
      count(*) FILTER (WHERE f.rating = 'down') AS down
    FROM message_feedback f JOIN messages m ON m.id = f.message_id
    WHERE m.role = 'assistant' AND m.created_at >= $1::timestamptz AND m.created_at < $2::timestamptz
      AND ($3::text IS NULL OR m.model = $3::text) AND ${ON_PLAN('f.user_id')}
    GROUP BY 1, 2
  ),
  flagged AS (
    SELECT (f.created_at AT TIME ZONE 'UTC')::date AS day, coalesce(c.model, $5::text) AS model, count(*) AS flags
    FROM flags f LEFT JOIN conversations c ON c.id = f.conversation_id
    WHERE f.created_at >= $1::timestamptz AND f.created_at < $2::timestamptz
      AND ($3::text IS NULL OR coalesce(c.model, $5::text) = $3::text) AND ${ON_PLAN('f.user_id')}
    GROUP BY 1, 2
  )
  SELECT to_char(day, 'YYYY-MM-DD') AS day, model,
    coalesce(turns, 0) AS turns, coalesce(active_users, 0) AS active_users, coalesce(prompt_tokens, 0) AS prompt_tokens,
    coalesce(completion_tokens, 0) AS completion_tokens, coalesce(cost_micros, 0) AS cost_micros,
    coalesce(failed, 0) AS failed, coalesce(interrupted, 0) AS interrupted, latency, ttft,
    coalesce(up, 0) AS up, coalesce(down, 0) AS down, coalesce(flags, 0) AS flags
  FROM turns FULL JOIN rated USING (day, model) FULL JOIN flagged USING (day, model)
  ORDER BY day, model`;

interface AnalyticsDbRow {
  day: string;
  model: string | null;
  turns: string | number;
  active_users: string | number;
  prompt_tokens: string | number;
  completion_tokens: string | number;
  cost_micros: string | number;
  failed: string | number;
  interrupted: string | number;
  latency: Array<number | null> | null;
  ttft: Array<number | null> | null;
  up: string | number;
  down: string | number;
  flags: string | number;
}

const toRow = (row: AnalyticsDbRow): AnalyticsRow => {
  const turns = Number(row.turns);
  const promptTokens = Number(row.prompt_tokens);
  const completionTokens = Number(row.completion_tokens);
  const up = Number(row.up);
  const down = Number(row.down);
  const pair = (values: Array<number | null> | null) => ({ p50: values?.[0] ?? null, p95: values?.[1] ?? null });
  return {
    day: row.day,
    model: row.model,
    turns,
    activeUsers: Number(row.active_users),
    promptTokens,
    completionTokens,
    totalTokens: promptTokens + completionTokens,
    costMicros: Number(row.cost_micros),
    errorRate: ratio(Number(row.failed), turns),
    interruptionRate: ratio(Number(row.interrupted), turns),
    latencyMs: pair(row.latency),
    ttftMs: pair(row.ttft),
    feedback: { up, down, upRatio: up + down > 0 ? ratio(up, up + down) : null },
    moderationFlags: Number(row.flags),
  };
};

@Injectable()
export class AnalyticsRepository {
  constructor(private readonly sql: Sql) {}

  async byDayAndModel(range: { start: Date; end: Date }, filter: { model: string | null; plan: string | null }, defaultModel: string): Promise<AnalyticsRow[]> {
    const rows = await this.sql.query<AnalyticsDbRow>(ANALYTICS_SQL, [range.start, range.end, filter.model, filter.plan, defaultModel]);
    return rows.map(toRow);
  }
}
