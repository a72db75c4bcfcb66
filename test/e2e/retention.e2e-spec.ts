import pg from 'pg';
import { DELETE_BATCH } from '../../src/conversation/repository/retention.repository.js';
import { OllamaSimulator } from '../../src/llm/simulator/ollama-simulator.js';
import { ApiClient } from './support/api-client.js';
import { eventually, startGus, type RunningGus } from './support/gus-harness.js';

/** The value of one sample line of the Prometheus text format, or 0 when absent. */
function sample(metrics: string, name: string, labels: Record<string, string>): number {
  const wanted = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  const line = metrics.split('\n').find((l) => l.startsWith(`${name}{`) && wanted.every((w) => l.includes(w)));
  return line ? Number(line.split(' ').at(-1)) : 0;
}

describe('retention per plan, temporary conversations and legal holds (PostgreSQL + Redis)', () => {
  const simulator = new OllamaSimulator();
  let gus: RunningGus;
  let api: ApiClient;

  beforeAll(async () => {
    // guest: 1 day; free: 90 days, temporary 5 minutes; pro: kept, temporary 60 minutes. One conversation per batch.
    gus = await startGus({ ollamaHost: await simulator.start(), env: { GUS_PLANS_FILE: 'test/fixtures/plans-retention.json', GUS_RETENTION_BATCH: '1' } });
    api = new ApiClient(gus.url);
  });
  afterAll(async () => {
    await gus?.stop();
    await simulator.stop();
  });

  it('deletes what is past its plan\'s retention in batches, keeps the usage ledger, spares held users, and records each run', async () => {
    const admin = await api.asAdmin();
    const guest = await api.newUser(admin, 'guest');
    const free = await api.newUser(admin, 'free');
    const pro = await api.newUser(admin, 'pro');
    const held = await api.newUser(admin, 'free');
    const start = async (user: ApiClient, body: Record<string, unknown>, content: string) => {
      const id = (await user.post('/v1/conversations', body)).body.id as string;
      expect((await user.post(`/v1/conversations/${id}/messages`, { content })).status).toBe(201);
      return id;
    };
    const aged = async (id: string, ago: string) =>
      gus.query(`UPDATE conversations SET created_at = now() - $2::interval, last_message_at = now() - $2::interval WHERE id = $1`, [id, ago]);

    const guestOld = await start(guest, {}, 'guest two days ago');
    const freeRecent = await start(free, {}, 'free two days ago');
    const freeOld = await start(free, {}, 'free ninety-one days ago');
    const freeTemporary = await start(free, { temporary: true }, 'ephemeral wombat');
    const freeTemporaryFresh = await start(free, { temporary: true }, 'fresh ephemeral');
    const proAncient = await start(pro, {}, 'pro a thousand days ago');
    const proTemporary = await start(pro, { temporary: true }, 'pro temporary ten minutes ago');
    const heldOld = await start(held, {}, 'held ninety-one days ago');
    const heldTemporary = await start(held, { temporary: true }, 'held temporary');
    for (const [id, ago] of [[guestOld, '2 days'], [freeRecent, '2 days'], [freeOld, '91 days'], [freeTemporary, '10 minutes'], [proAncient, '1000 days'], [proTemporary, '10 minutes'], [heldOld, '91 days'], [heldTemporary, '10 minutes']] as const) {
      await aged(id, ago);
    }

    // Temporary conversations are listed (marked) but never found by search.
    const listed = (await free.get('/v1/conversations')).body.data;
    expect(listed.find((c: any) => c.id === freeTemporary)).toMatchObject({ temporary: true });
    expect((await free.get('/v1/search/messages?q=wombat')).body.data).toEqual([]);
    expect((await free.get('/v1/conversations?q=wombat')).body.data).toEqual([]);
    expect((await free.get('/v1/search/messages?q=ninety')).body.data).toHaveLength(1);

    // The legal hold, set by an admin, shows on the user and blocks erasure as well.
    expect((await admin.patch(`/v1/admin/users/${held.userId}`, { legalHold: true })).body).toMatchObject({ legalHold: true });
    expect((await admin.delete(`/v1/admin/users/${held.userId}/data`)).body.code).toBe('CONFLICT');
    expect((await held.delete('/v1/me')).status).toBe(409);

    const ledger = async () => (await gus.query(`SELECT count(*)::int AS n, sum(prompt_tokens + completion_tokens)::int AS tokens FROM usage_events`))[0];
    const ledgerBefore = await eventually(async () => {
      const totals = (await admin.get('/v1/admin/usage')).body.totals;
      expect(totals.turns).toBe(9);
      return { ledger: await ledger(), totals };
    });

    expect((await free.post('/v1/admin/retention/runs')).status).toBe(403);
    const run = await admin.post('/v1/admin/retention/runs');
    expect(run.status).toBe(201);
    expect(run.body).toMatchObject({ status: 'complete', expiredDeleted: 2, temporaryDeleted: 1, error: null });
    expect(run.body.batches).toBeGreaterThanOrEqual(3 + 4); // one per deleted conversation, and one empty batch per plan

    const exists = async (id: string) => (await gus.query(`SELECT count(*)::int AS n FROM conversations WHERE id = $1`, [id]))[0].n === 1;
    for (const id of [guestOld, freeOld, freeTemporary]) expect(await exists(id)).toBe(false);
    for (const id of [freeRecent, freeTemporaryFresh, proAncient, proTemporary, heldOld, heldTemporary]) expect(await exists(id)).toBe(true);
    expect((await guest.get(`/v1/conversations/${guestOld}`)).status).toBe(404);
    expect(await gus.query(`SELECT count(*)::int AS n FROM messages WHERE conversation_id = ANY($1::uuid[])`, [[guestOld, freeOld, freeTemporary]])).toEqual([{ n: 0 }]);
    // The ledger and the totals billed from it are untouched.
    expect(await ledger()).toEqual(ledgerBefore.ledger);
    expect((await admin.get('/v1/admin/usage')).body.totals).toEqual(ledgerBefore.totals);

    // Lifting the hold lets the next run delete the held user's expired and temporary conversations.
    await admin.patch(`/v1/admin/users/${held.userId}`, { legalHold: false });
    const second = (await admin.post('/v1/admin/retention/runs')).body;
    expect(second).toMatchObject({ status: 'complete', expiredDeleted: 1, temporaryDeleted: 1 });
    expect(await exists(heldOld)).toBe(false);
    expect(await exists(heldTemporary)).toBe(false);

    const runs = (await admin.get('/v1/admin/retention/runs?limit=5')).body.data;
    expect(runs.map((r: any) => r.id)).toEqual([second.id, run.body.id]);
    expect(runs[1]).toMatchObject({ expiredDeleted: 2, temporaryDeleted: 1, finishedAt: expect.any(String) });
    const metrics = (await api.get('/metrics')).body as string;
    expect(sample(metrics, 'gus_retention_deleted_conversations_total', { reason: 'expired' })).toBe(3);
    expect(sample(metrics, 'gus_retention_deleted_conversations_total', { reason: 'temporary' })).toBe(2);
    expect(sample(metrics, 'gus_retention_runs_total', { outcome: 'complete' })).toBe(2);
  });

  it('finds a plan\'s conversations user by user through the user-and-activity index, not by reading every conversation', async () => {
    const client = new pg.Client({ connectionString: gus.env.DATABASE_URL });
    await client.connect();
    try {
      // A handful of rows make any plan cheap: forbid sequential scans of conversations to see which indexes it can use.
      await client.query('SET enable_seqscan = off');
      const plan = (await client.query(`EXPLAIN ${DELETE_BATCH.text}`, ['free', new Date(), new Date(), 100])).rows.map((row) => row['QUERY PLAN']).join('\n');
      expect(plan).toContain('conversations_user_activity_idx');
      expect(plan).not.toMatch(/Seq Scan on conversations/);
    } finally {
      await client.end();
    }
  });
});

describe('retention on the embedded default: the scheduled job deletes on its own', () => {
  let gus: RunningGus;

  beforeAll(async () => {
    // guest conversations live about 1.7 s, free temporary ones about 1.8 s; the job runs every second.
    gus = await startGus({ embedded: true, env: { GUS_PLANS_FILE: 'test/fixtures/plans-retention-fast.json', GUS_RETENTION_INTERVAL_SECONDS: '1' } });
  });
  afterAll(async () => {
    await gus?.stop();
  });

  it('removes a guest conversation and a temporary one once past their plan\'s retention, and lists the runs', async () => {
    const api = new ApiClient(gus.url);
    const admin = await api.asAdmin();
    const guest = await api.newUser(admin, 'guest');
    const free = await api.newUser(admin, 'free');
    const guestConversation = (await guest.post('/v1/conversations', {})).body.id;
    expect((await guest.post(`/v1/conversations/${guestConversation}/messages`, { content: 'hello' })).status).toBe(201);
    const temporary = (await free.post('/v1/conversations', { temporary: true })).body.id;
    const kept = (await free.post('/v1/conversations', {})).body.id;

    await eventually(async () => {
      expect((await guest.get(`/v1/conversations/${guestConversation}`)).status).toBe(404);
      expect((await free.get(`/v1/conversations/${temporary}`)).status).toBe(404);
    }, 20_000);
    expect((await free.get(`/v1/conversations/${kept}`)).status).toBe(200);
    const runs = (await admin.get('/v1/admin/retention/runs?limit=100')).body.data;
    expect(runs.reduce((sum: number, r: any) => sum + r.expiredDeleted, 0)).toBe(1);
    expect(runs.reduce((sum: number, r: any) => sum + r.temporaryDeleted, 0)).toBe(1);
    expect(runs.every((r: any) => r.status === 'complete')).toBe(true);
    // The guest's turn stays in the usage ledger.
    expect((await admin.get(`/v1/admin/usage?userId=${guest.userId}`)).body.totals.turns).toBe(1);
  });
});
