import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The daily rollup of the admin analytics: every figure GET /v1/admin/analytics returns, per closed UTC day, model
 * and plan (plan NULL: all plans, since percentiles and distinct users cannot be added up across plans).
 * analytics_rollup_days marks the days rolled up; only a marked day is read from analytics_daily (a rating of an
 * old answer removes its day's mark and the next job run rolls the day up again). Counts only, no user or content.
 */
export class AnalyticsRollup1764000001100 implements MigrationInterface {
  name = 'AnalyticsRollup1764000001100';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE analytics_rollup_days (
        day date PRIMARY KEY,
        rolled_at timestamptz NOT NULL DEFAULT now()
      )`);
    await db.query(`
      CREATE TABLE analytics_daily (
        day date NOT NULL,
        plan text,
        model text,
        turns bigint NOT NULL,
        active_users bigint NOT NULL,
        prompt_tokens bigint NOT NULL,
        completion_tokens bigint NOT NULL,
        cost_micros bigint NOT NULL,
        failed bigint NOT NULL,
        interrupted bigint NOT NULL,
        latency_p50 integer,
        latency_p95 integer,
        ttft_p50 integer,
        ttft_p95 integer,
        up bigint NOT NULL,
        down bigint NOT NULL,
        flags bigint NOT NULL
      )`);
    await db.query(`CREATE INDEX analytics_daily_day_idx ON analytics_daily (day, plan)`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP TABLE IF EXISTS analytics_daily`);
    await db.query(`DROP TABLE IF EXISTS analytics_rollup_days`);
  }
}
