import type { PGlite } from '@electric-sql/pglite';
import { sqlOnPGlite, type Sql } from '../../../libs/database/sql.js';
import { AnalyticsRepository } from '../../../src/conversation/repository/analytics.repository.js';
import { FeedbackRepository } from '../../../src/conversation/repository/feedback.repository.js';
import { migratedPGlite } from '../support/migrated-pglite.js';

/** The rollup's SQL on the embedded default (PGlite): the migrations, the rollup, the rating's advisory lock. */
describe('analytics rollup on PGlite', () => {
  let db: PGlite;
  let sql: Sql;

  beforeAll(async () => {
    db = await migratedPGlite();
    sql = sqlOnPGlite(db);
  }, 60_000);
  afterAll(async () => db?.close());

  it('gives closed days from the rollup exactly as the live statement computes them, and a rating unmarks its day', async () => {
    const day = (n: number) => new Date(Date.now() - n * 86_400_000).toISOString().slice(0, 10);
    await db.exec(`
      INSERT INTO users (id, email, role, plan, created_at) VALUES
        ('00000000-0000-0000-0000-000000000001', 'a@x.invalid', 'user', 'free', now() - interval '30 days'),
        ('00000000-0000-0000-0000-000000000002', 'b@x.invalid', 'user', 'pro', now() - interval '30 days');
      INSERT INTO conversations (id, user_id, model, created_at, updated_at) VALUES
        ('00000000-0000-0000-0000-0000000000c1', '00000000-0000-0000-0000-000000000001', NULL, now() - interval '30 days', now()),
        ('00000000-0000-0000-0000-0000000000c2', '00000000-0000-0000-0000-000000000002', 'llama3.1:8b', now() - interval '30 days', now());`);
    await db.query(
      `INSERT INTO messages (id, conversation_id, role, content, status, depth, token_count, model, prompt_tokens, completion_tokens, latency_ms, ttft_ms, cost_micros, created_at)
       SELECT md5('m' || n)::uuid, CASE WHEN n % 3 = 0 THEN '00000000-0000-0000-0000-0000000000c2'::uuid ELSE '00000000-0000-0000-0000-0000000000c1'::uuid END,
         'assistant', 'a', CASE WHEN n % 5 = 0 THEN 'failed' WHEN n % 7 = 0 THEN 'interrupted' ELSE 'complete' END, 1, 1,
         CASE WHEN n % 3 = 0 THEN 'llama3.1:8b' ELSE 'llama3.2:1b' END, n, n % 17, (n * 37) % 1000, CASE WHEN n % 5 = 0 THEN NULL ELSE n % 90 END, n,
         $1::date + make_interval(secs => n * 3000)
       FROM generate_series(1, 100) n`,
      [day(5)],
    );
    await db.exec(`INSERT INTO message_feedback (message_id, user_id, conversation_id, rating) VALUES (md5('m1')::uuid, '00000000-0000-0000-0000-000000000001', '00000000-0000-0000-0000-0000000000c1', 'up')`);
    const analytics = new AnalyticsRepository(sql);
    const days = Array.from({ length: 7 }, (_, i) => day(6 - i));
    const first = new Date(`${days[0]}T00:00:00Z`);
    const range = { start: first, end: new Date(first.getTime() + 7 * 86_400_000) };
    const filters = [{ model: null, plan: null }, { model: null, plan: 'free' }, { model: 'llama3.1:8b', plan: null }, { model: 'llama3.2:1b', plan: 'pro' }];
    const live = await Promise.all(filters.map((filter) => analytics.byDayAndModel(range, filter, 'llama3.2:1b')));
    expect(live[0]!.length).toBeGreaterThanOrEqual(4);

    const missing = await analytics.missingDays(366, 0, 366);
    expect(missing).toEqual(expect.arrayContaining([day(5), day(4), day(3), day(2)]));
    for (const closed of missing) await analytics.rollUpDay(closed, 'llama3.2:1b');
    expect(await analytics.missingDays(366, 0, 366)).toEqual([]);
    for (const [i, filter] of filters.entries()) expect(await analytics.report(days, filter, 'llama3.2:1b')).toEqual(live[i]);
    await db.query(`UPDATE analytics_daily SET turns = turns + 1000 WHERE plan IS NULL AND day = $1::date AND model = 'llama3.2:1b'`, [day(5)]);
    expect((await analytics.report(days, filters[0]!, 'llama3.2:1b')).find((row) => row.day === day(5) && row.model === 'llama3.2:1b')!.turns).toBeGreaterThan(1000);

    await new FeedbackRepository(sql).upsert({ messageId: (await db.query<{ id: string }>(`SELECT md5('m2')::uuid AS id`)).rows[0]!.id, conversationId: '00000000-0000-0000-0000-0000000000c1', userId: '00000000-0000-0000-0000-000000000001', rating: 'down', reason: null, comment: null });
    expect(await analytics.missingDays(366, 0, 366)).toEqual([day(5)]);
    const relive = await analytics.byDayAndModel(range, filters[0]!, 'llama3.2:1b');
    expect(relive.find((row) => row.day === day(5) && row.model === 'llama3.2:1b')!.feedback).toEqual({ up: 1, down: 1, upRatio: 0.5 });
    expect(await analytics.report(days, filters[0]!, 'llama3.2:1b')).toEqual(relive);
  });
});
