/**
 * The analytics case (issue 12): how long GET /v1/admin/analytics's query takes over a million messages.
 * Standalone (not part of `npm run bench`): `node dist/bench/analytics-case.js`. It creates its own database on
 * the PostgreSQL of BENCH_ADMIN_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/test), runs gus's
 * migrations, seeds 1,000 users, 20,000 conversations and 1,000,000 messages (half of them answers, over 30 days,
 * on three models; 2 % failed, 1 % interrupted; a rating on 5 % of answers; 5,000 flags), vacuums, then times the
 * 30-day query with no filter, with a plan and with a model (the median of BENCH_ANALYTICS_RUNS, default 5); then
 * rolls up the closed days as the analytics-rollup job does (timed) and times the endpoint's path (rolled-up days
 * from the rollup, today live) over the same whole UTC days, and drops the database.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { DataSource } from 'typeorm';
import { MIGRATIONS } from '../libs/database/migrations/index.js';
import type { Sql, SqlRunner, Statement } from '../libs/database/sql.js';
import { ANALYTICS_SQL, AnalyticsRepository } from '../src/conversation/repository/analytics.repository.js';

const ADMIN_URL = process.env.BENCH_ADMIN_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const MESSAGES = Number(process.env.BENCH_ANALYTICS_MESSAGES ?? 1_000_000);
const RUNS = Number(process.env.BENCH_ANALYTICS_RUNS ?? 5);
const USERS = 1_000;
const CONVERSATIONS = 20_000;
const DAYS = 30;

const SEED = [
  `INSERT INTO users (id, email, role, plan, created_at)
   SELECT md5('u' || n)::uuid, 'u' || n || '@bench.invalid', 'user', CASE WHEN n % 4 = 0 THEN 'pro' ELSE 'free' END, now() - interval '60 days'
   FROM generate_series(1, ${USERS}) n`,
  `INSERT INTO conversations (id, user_id, model, created_at, updated_at)
   SELECT md5('c' || n)::uuid, md5('u' || (n % ${USERS} + 1))::uuid, (ARRAY['llama3.2:1b', 'llama3.1:8b', NULL])[n % 3 + 1], now() - interval '31 days', now()
   FROM generate_series(1, ${CONVERSATIONS}) n`,
  // Even n: a question; odd n: its answer. Spread evenly over the last DAYS days.
  `INSERT INTO messages (id, conversation_id, role, content, status, depth, token_count, model, prompt_tokens, completion_tokens, latency_ms, ttft_ms, cost_micros, created_at)
   SELECT md5('m' || n)::uuid, md5('c' || ((n / 2) % ${CONVERSATIONS} + 1))::uuid,
     CASE WHEN n % 2 = 0 THEN 'user' ELSE 'assistant' END, 'bench message', 
     CASE WHEN n % 2 = 0 THEN 'complete' WHEN n % 100 = 1 THEN 'failed' WHEN n % 100 = 3 THEN 'interrupted' ELSE 'complete' END,
     n % 50, 3,
     CASE WHEN n % 2 = 1 THEN (ARRAY['llama3.2:1b', 'llama3.1:8b', 'llama3.2:1b'])[(n / 2) % 3 + 1] END,
     CASE WHEN n % 2 = 1 THEN 200 + n % 300 END, CASE WHEN n % 2 = 1 THEN 20 + n % 200 END,
     CASE WHEN n % 2 = 1 THEN 300 + n % 2000 END, CASE WHEN n % 2 = 1 AND n % 100 <> 1 THEN 20 + n % 150 END,
     CASE WHEN n % 2 = 1 THEN n % 90 END,
     now() - make_interval(secs => (n::float8 / ${MESSAGES}) * ${DAYS} * 86400)
   FROM generate_series(0, ${MESSAGES} - 1) n`,
  `INSERT INTO message_feedback (message_id, user_id, conversation_id, rating)
   SELECT m.id, c.user_id, c.id, CASE WHEN random() < 0.7 THEN 'up' ELSE 'down' END
   FROM messages m JOIN conversations c ON c.id = m.conversation_id WHERE m.role = 'assistant' AND random() < 0.05`,
  `INSERT INTO flags (id, user_id, conversation_id, kind, severity, created_at)
   SELECT md5('f' || n)::uuid, md5('u' || (n % ${USERS} + 1))::uuid, md5('c' || (n % ${CONVERSATIONS} + 1))::uuid, 'prompt_injection', 1,
     now() - make_interval(secs => (n::float8 / 5000) * ${DAYS} * 86400)
   FROM generate_series(1, 5000) n`,
];

/** The repository's Sql on the bench's one client (a transaction is BEGIN/COMMIT on it: nothing else runs meanwhile). */
function clientSql(db: pg.Client): Sql {
  const run: SqlRunner = { query: async <T>(sql: string | Statement, params: readonly unknown[] = []) => (await db.query(typeof sql === 'string' ? sql : sql.text, params as unknown[])).rows as T[] };
  return {
    query: run.query,
    transaction: async <T>(work: (tx: SqlRunner) => Promise<T>) => {
      await db.query('BEGIN');
      try {
        const result = await work(run);
        await db.query('COMMIT');
        return result;
      } catch (error) {
        await db.query('ROLLBACK');
        throw error;
      }
    },
  } as Sql;
}

async function median(runs: number, work: () => Promise<number>): Promise<{ medianMs: number; rows: number }> {
  const times: number[] = [];
  let rows = 0;
  for (let i = 0; i < runs; i++) {
    const t0 = process.hrtime.bigint();
    rows = await work();
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  times.sort((a, b) => a - b);
  return { medianMs: Math.round(times[Math.floor(times.length / 2)]! * 10) / 10, rows };
}

async function main(): Promise<void> {
  const name = `gus_test_bench_analytics_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  try {
    const migrations = new DataSource({ type: 'postgres', url: url.toString(), migrations: MIGRATIONS, migrationsTransactionMode: 'each', logging: ['error'] });
    await migrations.initialize();
    await migrations.runMigrations();
    await migrations.destroy();

    const db = new pg.Client({ connectionString: url.toString() });
    await db.connect();
    try {
      const seeded = Date.now();
      for (const sql of SEED) await db.query(sql);
      await db.query('VACUUM ANALYZE');
      console.log(`seeded ${MESSAGES.toLocaleString('en')} messages in ${((Date.now() - seeded) / 1000).toFixed(1)} s`);
      const end = new Date();
      const start = new Date(end.getTime() - DAYS * 86_400_000);
      const cases: Array<[string, unknown[]]> = [
        ['30 days, all', [start, end, null, null, 'llama3.2:1b']],
        ['30 days, plan=pro', [start, end, null, 'pro', 'llama3.2:1b']],
        ['30 days, model=llama3.1:8b', [start, end, 'llama3.1:8b', null, 'llama3.2:1b']],
        ['1 day, all', [new Date(end.getTime() - 86_400_000), end, null, null, 'llama3.2:1b']],
      ];
      const results: Record<string, { medianMs: number; rows: number }> = {};
      for (const [label, params] of cases) {
        const times: number[] = [];
        let rows = 0;
        for (let i = 0; i < RUNS; i++) {
          const t0 = process.hrtime.bigint();
          rows = (await db.query(ANALYTICS_SQL, params)).rowCount ?? 0;
          times.push(Number(process.hrtime.bigint() - t0) / 1e6);
        }
        times.sort((a, b) => a - b);
        results[label] = { medianMs: Math.round(times[Math.floor(times.length / 2)]! * 10) / 10, rows };
      }
      console.table(results);

      // The daily rollup: roll up the closed days (as the job does), then the endpoint's path over whole UTC days.
      const repository = new AnalyticsRepository(clientSql(db));
      const rolledAt = Date.now();
      const missing = await repository.missingDays(366, 0, 366);
      for (const day of missing) await repository.rollUpDay(day, 'llama3.2:1b');
      console.log(`rolled up ${missing.length} closed days in ${((Date.now() - rolledAt) / 1000).toFixed(1)} s (${missing.length ? Math.round((Date.now() - rolledAt) / missing.length) : 0} ms a day)`);
      const today = new Date().toISOString().slice(0, 10);
      const daysUpTo = (count: number, last = today) => Array.from({ length: count }, (_, i) => new Date(Date.parse(`${last}T00:00:00Z`) - (count - 1 - i) * 86_400_000).toISOString().slice(0, 10));
      const yesterday = daysUpTo(2)[0]!;
      const none = { model: null, plan: null };
      const endpoint: Record<string, { medianMs: number; rows: number }> = {
        '30 days (29 rolled up + today live), all': await median(RUNS, async () => (await repository.report(daysUpTo(30), none, 'llama3.2:1b')).length),
        '30 days, plan=pro': await median(RUNS, async () => (await repository.report(daysUpTo(30), { model: null, plan: 'pro' }, 'llama3.2:1b')).length),
        '30 days, model=llama3.1:8b': await median(RUNS, async () => (await repository.report(daysUpTo(30), { model: 'llama3.1:8b', plan: null }, 'llama3.2:1b')).length),
        '1 day: today (live)': await median(RUNS, async () => (await repository.report([today], none, 'llama3.2:1b')).length),
        '1 day: yesterday (rolled up)': await median(RUNS, async () => (await repository.report([yesterday], none, 'llama3.2:1b')).length),
      };
      console.table(endpoint);
      const first = Date.parse(`${daysUpTo(30)[0]}T00:00:00Z`);
      const liveRows = await repository.byDayAndModel({ start: new Date(first), end: new Date(first + 30 * 86_400_000) }, none, 'llama3.2:1b');
      console.log(`rollup path identical to the live statement over the same 30 days: ${JSON.stringify(liveRows) === JSON.stringify(await repository.report(daysUpTo(30), none, 'llama3.2:1b'))}`);
      const plan = (await db.query(`EXPLAIN (ANALYZE, BUFFERS) ${ANALYTICS_SQL}`, cases[0]![1])).rows.map((row) => row['QUERY PLAN']).join('\n');
      if (process.env.BENCH_ANALYTICS_PLAN) console.log(plan);
    } finally {
      await db.end();
    }
  } finally {
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.end();
  }
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
