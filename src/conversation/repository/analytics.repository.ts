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

/** pg_advisory_xact_lock(ROLLUP_LOCK, day number): a day's rollup excludes concurrent ratings of its answers. */
export const ROLLUP_LOCK = 0x616e61;
/** A day as the advisory lock's second key (days since 2000-01-01). */
export const DAY_KEY = (dateSql: string) => `(${dateSql} - date '2000-01-01')`;

/** One day's figures for one plan (NULL: all plans), from the live statement, into the rollup. */
const ROLL_UP_PLAN = `
  INSERT INTO analytics_daily (day, plan, model, turns, active_users, prompt_tokens, completion_tokens, cost_micros, failed, interrupted,
    latency_p50, latency_p95, ttft_p50, ttft_p95, up, down, flags)
  SELECT a.day::date, $4::text, a.model, a.turns, a.active_users, a.prompt_tokens, a.completion_tokens, a.cost_micros, a.failed, a.interrupted,
    a.latency[1], a.latency[2], a.ttft[1], a.ttft[2], a.up, a.down, a.flags
  FROM (${ANALYTICS_SQL}) a`;

/** The rolled-up days of a range, each with its rows for the filter (a day without rows comes back as one empty row). */
const READ_ROLLUP = `
  SELECT to_char(r.day, 'YYYY-MM-DD') AS day, d.day IS NOT NULL AS has_row, d.model,
    d.turns, d.active_users, d.prompt_tokens, d.completion_tokens, d.cost_micros, d.failed, d.interrupted,
    ARRAY[d.latency_p50, d.latency_p95] AS latency, ARRAY[d.ttft_p50, d.ttft_p95] AS ttft, d.up, d.down, d.flags
  FROM analytics_rollup_days r
  LEFT JOIN analytics_daily d ON d.day = r.day AND d.plan IS NOT DISTINCT FROM $3::text AND ($4::text IS NULL OR d.model = $4::text)
  WHERE r.day >= $1::date AND r.day <= $2::date
  ORDER BY r.day, d.model`;

/**
 * Closed days not rolled up yet, newest first: from the first answer or flag (at most $1 days back) to the last day
 * that ended more than $2 seconds ago (the database's clock), so turns that straddled midnight have settled.
 */
const MISSING_DAYS = `
  WITH bounds AS (
    SELECT ((now() - make_interval(secs => $2::int)) AT TIME ZONE 'UTC')::date - 1 AS last,
      greatest((now() AT TIME ZONE 'UTC')::date - $1::int,
        least((SELECT min(created_at) FROM messages WHERE role = 'assistant'), (SELECT min(created_at) FROM flags))::date) AS first
  )
  SELECT to_char(g.day, 'YYYY-MM-DD') AS day
  FROM bounds, generate_series(bounds.first, bounds.last, interval '1 day') AS g(day)
  WHERE bounds.first IS NOT NULL AND NOT EXISTS (SELECT 1 FROM analytics_rollup_days r WHERE r.day = g.day::date)
  ORDER BY g.day DESC
  LIMIT $3::int`;

const DAY_MS = 86_400_000;
const dayStart = (day: string) => new Date(`${day}T00:00:00Z`);

@Injectable()
export class AnalyticsRepository {
  constructor(private readonly sql: Sql) {}

  /** The live statement over [start, end). */
  async byDayAndModel(range: { start: Date; end: Date }, filter: { model: string | null; plan: string | null }, defaultModel: string): Promise<AnalyticsRow[]> {
    const rows = await this.sql.query<AnalyticsDbRow>(ANALYTICS_SQL, [range.start, range.end, filter.model, filter.plan, defaultModel]);
    return rows.map(toRow);
  }

  /**
   * The days first..last (inclusive): rolled-up days from the rollup, the others (today, days not rolled up yet)
   * live, a run of consecutive such days in one statement. Rows ordered by day then model, as the live statement.
   */
  async report(days: string[], filter: { model: string | null; plan: string | null }, defaultModel: string): Promise<AnalyticsRow[]> {
    const rolled = await this.sql.query<AnalyticsDbRow & { has_row: boolean }>(READ_ROLLUP, [days[0], days[days.length - 1], filter.plan, filter.model]);
    const byDay = new Map<string, AnalyticsRow[]>();
    for (const row of rolled) {
      const list = byDay.get(row.day) ?? [];
      if (row.has_row) list.push(toRow(row));
      byDay.set(row.day, list);
    }
    const out: AnalyticsRow[] = [];
    for (let i = 0; i < days.length; ) {
      const day = days[i]!;
      const rolledRows = byDay.get(day);
      if (rolledRows) {
        out.push(...rolledRows);
        i += 1;
        continue;
      }
      let j = i;
      while (j + 1 < days.length && !byDay.has(days[j + 1]!)) j += 1;
      const start = dayStart(day);
      const end = new Date(dayStart(days[j]!).getTime() + DAY_MS);
      out.push(...(await this.byDayAndModel({ start, end }, filter, defaultModel)));
      i = j + 1;
    }
    return out;
  }

  /** Closed days the rollup lacks, newest first (see MISSING_DAYS). */
  async missingDays(lookbackDays: number, settleSeconds: number, limit: number): Promise<string[]> {
    return (await this.sql.query<{ day: string }>(MISSING_DAYS, [lookbackDays, settleSeconds, limit])).map((row) => row.day);
  }

  /**
   * Rolls one closed day up: for all plans together and for each plan users are on, the live statement's rows, and
   * the day's mark, in one transaction under the day's advisory lock (a rating of one of its answers waits, then
   * removes the mark again). Rolling a day up again replaces its rows.
   */
  async rollUpDay(day: string, defaultModel: string): Promise<void> {
    const start = dayStart(day);
    const end = new Date(start.getTime() + DAY_MS);
    await this.sql.transaction(async (tx) => {
      await tx.query(`SELECT pg_advisory_xact_lock(${ROLLUP_LOCK}, ${DAY_KEY('$1::date')})`, [day]);
      await tx.query('DELETE FROM analytics_daily WHERE day = $1::date', [day]);
      const plans = (await tx.query<{ plan: string }>('SELECT DISTINCT plan FROM users')).map((row) => row.plan);
      for (const plan of [null, ...plans]) await tx.query(ROLL_UP_PLAN, [start, end, null, plan, defaultModel]);
      await tx.query('INSERT INTO analytics_rollup_days (day) VALUES ($1::date) ON CONFLICT (day) DO UPDATE SET rolled_at = now()', [day]);
    });
  }
}
