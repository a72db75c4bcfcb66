import { OllamaSimulator } from '../../src/llm/simulator/ollama-simulator.js';
import { ApiClient } from './support/api-client.js';
import { eventually, startGus, type RunningGus } from './support/gus-harness.js';

describe('usage: the billing worker keeps running totals from the ledger', () => {
  const simulator = new OllamaSimulator();
  let gus: RunningGus;
  let api: ApiClient;

  beforeAll(async () => {
    const ollamaHost = await simulator.start();
    gus = await startGus({ ollamaHost });
    api = new ApiClient(gus.url);
  });
  afterAll(async () => {
    await gus?.stop();
    await simulator.stop();
  });

  it('counts each turn once in the user, conversation and daily totals', async () => {
    const user = await api.newUser(await api.asAdmin());
    const conversation = (await user.post('/v1/conversations', {})).body;
    const turns = [];
    for (let i = 0; i < 3; i++) turns.push((await user.post(`/v1/conversations/${conversation.id}/messages`, { content: `turn ${i}` })).body);
    const expectedTokens = turns.reduce((sum, t) => sum + t.usage.totalTokens, 0);
    const expectedCost = turns.reduce((sum, t) => sum + t.usage.costMicros, 0);

    const me = await eventually(async () => {
      const res = await user.get('/v1/me');
      expect(res.body.usage.today.turns).toBe(3);
      return res.body;
    });
    expect(me.usage.today.totalTokens).toBe(expectedTokens);
    expect(me.usage.thisMonth.costMicros).toBe(expectedCost);
    const one = await user.get(`/v1/conversations/${conversation.id}`);
    expect(one.body.usage).toMatchObject({ turns: 3, totalTokens: expectedTokens, costMicros: expectedCost });
    const usage = await user.get('/v1/usage');
    expect(usage.body.byModel).toEqual([expect.objectContaining({ model: 'llama3.2:1b', turns: 3, totalTokens: expectedTokens })]);
  });
});

describe('usage for admins: totals by user, model and day (PostgreSQL + Redis)', () => {
  const simulator = new OllamaSimulator();
  let gus: RunningGus;
  let api: ApiClient;

  beforeAll(async () => {
    gus = await startGus({ ollamaHost: await simulator.start() });
    api = new ApiClient(gus.url);
  });
  afterAll(async () => {
    await gus?.stop();
    await simulator.stop();
  });

  it('rolls every user up by user, model and day, filters by date range, user and model, and is for admins only', async () => {
    const admin = await api.asAdmin();
    const alice = await api.newUser(admin, 'free');
    const bob = await api.newUser(admin, 'free');
    const turns = async (user: ApiClient, model: string, n: number) => {
      const id = (await user.post('/v1/conversations', { model })).body.id;
      let tokens = 0;
      for (let i = 0; i < n; i++) tokens += (await user.post(`/v1/conversations/${id}/messages`, { content: `q${i}` })).body.usage.totalTokens;
      return tokens;
    };
    const aliceSmall = await turns(alice, 'llama3.2:1b', 2);
    const aliceBig = await turns(alice, 'llama3.1:8b', 1);
    const bobSmall = await turns(bob, 'llama3.2:1b', 3);

    const report = await eventually(async () => {
      const res = await admin.get('/v1/admin/usage');
      expect(res.status).toBe(200);
      expect(res.body.totals.turns).toBe(6);
      return res.body;
    });
    expect(report.totals.totalTokens).toBe(aliceSmall + aliceBig + bobSmall);
    expect(report.byUser).toEqual(expect.arrayContaining([
      expect.objectContaining({ userId: alice.userId, turns: 3, totalTokens: aliceSmall + aliceBig }),
      expect.objectContaining({ userId: bob.userId, turns: 3, totalTokens: bobSmall }),
    ]));
    expect(report.byModel).toEqual(expect.arrayContaining([
      expect.objectContaining({ model: 'llama3.2:1b', turns: 5 }),
      expect.objectContaining({ model: 'llama3.1:8b', turns: 1 }),
    ]));
    expect(report.byDay).toEqual([expect.objectContaining({ day: new Date().toISOString().slice(0, 10), turns: 6 })]);

    const onlyBob = (await admin.get(`/v1/admin/usage?userId=${bob.userId}`)).body;
    expect(onlyBob.totals).toMatchObject({ turns: 3, totalTokens: bobSmall });
    const onlyBig = (await admin.get('/v1/admin/usage?model=llama3.1:8b')).body;
    expect(onlyBig.byUser).toEqual([expect.objectContaining({ userId: alice.userId, turns: 1 })]);
    const past = (await admin.get('/v1/admin/usage?from=2020-01-01&to=2020-01-31')).body;
    expect(past.totals.turns).toBe(0);
    expect((await admin.get('/v1/admin/usage?from=2026-12-01&to=2026-11-01')).status).toBe(400);
    expect((await alice.get('/v1/admin/usage')).status).toBe(403);

    // The ledger outlives the conversation: deleting one changes no totals.
    const conversations = (await alice.get('/v1/conversations')).body.data;
    for (const c of conversations) await alice.delete(`/v1/conversations/${c.id}`);
    expect((await admin.get(`/v1/admin/usage?userId=${alice.userId}`)).body.totals.turns).toBe(3);
    expect((await alice.get('/v1/me')).body.usage.today.turns).toBe(3);
  });
});
