import { OllamaSimulator, type ChatRequestRecord } from '../../src/llm/simulator/ollama-simulator.js';
import { TITLE_INSTRUCTION } from '../../src/conversation/domain/title.js';
import { ApiClient } from './support/api-client.js';
import { eventually, startGus, type RunningGus } from './support/gus-harness.js';

const isTitleCall = (request: ChatRequestRecord) => request.messages?.[0]?.content === TITLE_INSTRUCTION;

/** The value of one sample line of the Prometheus text format, or 0 when absent. */
function sample(metrics: string, name: string, labels: Record<string, string>): number {
  const wanted = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  const line = metrics.split('\n').find((l) => l.startsWith(`${name}{`) && wanted.every((w) => l.includes(w)));
  return line ? Number(line.split(' ').at(-1)) : 0;
}

describe('generated titles (PostgreSQL + Redis)', () => {
  const simulator = new OllamaSimulator();
  let gus: RunningGus;
  let admin: ApiClient;
  let api: ApiClient;

  beforeAll(async () => {
    // No retries inside a model call: a failing title call is retried by the job queue.
    gus = await startGus({ ollamaHost: await simulator.start(), env: { GUS_PLANS_FILE: 'test/fixtures/plans-titles.json', GUS_LLM_RETRIES: '0' } });
    api = new ApiClient(gus.url);
    admin = await api.asAdmin();
  });
  afterAll(async () => {
    await gus?.stop();
    await simulator.stop();
  });

  const titleCallsFor = (conversationText: string) => simulator.receivedRequests().filter((r) => isTitleCall(r) && (r.messages?.[1]?.content ?? '').includes(conversationText));

  it('titles an untitled conversation after its first turn with the conversation\'s model, billed as `title` usage, not as a turn', async () => {
    const user = await api.newUser(admin, 'free');
    const conversation = (await user.post('/v1/conversations', { model: 'llama3.1:8b' })).body;
    const turn = await user.post(`/v1/conversations/${conversation.id}/messages`, { content: 'How do tides work?' });
    expect(turn.status).toBe(201);
    const titled = await eventually(async () => {
      const res = await user.get(`/v1/conversations/${conversation.id}`);
      expect(res.body.title).toEqual(expect.any(String));
      return res.body;
    });
    expect(titled.title.length).toBeGreaterThan(0);
    expect(titled.title.length).toBeLessThanOrEqual(80);
    const calls = titleCallsFor('How do tides work?');
    expect(calls).toHaveLength(1);
    expect(calls[0]!.model).toBe('llama3.1:8b');
    expect(calls[0]!.messages![1]!.content).toContain(turn.body.assistantMessage.content);
    const ledger = await gus.query(`SELECT kind, model, prompt_tokens + completion_tokens AS tokens, cost_micros FROM usage_events WHERE conversation_id = $1 ORDER BY kind`, [conversation.id]);
    expect(ledger.map((row) => row.kind)).toEqual(['title', 'turn']);
    expect(ledger[0]).toMatchObject({ model: 'llama3.1:8b' });
    expect(ledger[0].tokens).toBeGreaterThan(0);
    // Billed to the user: the conversation's tokens include the title's, its turns do not.
    await eventually(async () => {
      const usage = (await user.get(`/v1/conversations/${conversation.id}`)).body.usage;
      expect(usage).toMatchObject({ turns: 1, totalTokens: turn.body.usage.totalTokens + ledger[0].tokens });
    });
    // A second turn asks for nothing more.
    await user.post(`/v1/conversations/${conversation.id}/messages`, { content: 'And why twice a day?' });
    expect((await user.get(`/v1/conversations/${conversation.id}`)).body.title).toBe(titled.title);
  });

  it('never replaces a title the user set first, even during the title call, and then bills nothing', async () => {
    const user = await api.newUser(admin, 'free');
    const given = (await user.post('/v1/conversations', { title: 'Mine' })).body.id;
    await user.post(`/v1/conversations/${given}/messages`, { content: 'Already titled conversation' });
    // The title call takes a while (the question's latency directive reaches it too): the user renames meanwhile.
    const racing = (await user.post('/v1/conversations', {})).body.id;
    await user.post(`/v1/conversations/${racing}/messages`, { content: 'Slow one [[sim:latency=1500]]' });
    expect((await user.patch(`/v1/conversations/${racing}`, { title: 'Set by me' })).status).toBe(200);
    // The job ends skipped: its model call was made, but the title was set by then.
    await eventually(async () => expect(sample((await api.get('/metrics')).body, 'gus_titles_total', { outcome: 'skipped' })).toBe(1), 15_000);
    expect(titleCallsFor('Slow one')).toHaveLength(1);
    expect((await user.get(`/v1/conversations/${racing}`)).body.title).toBe('Set by me');
    expect((await user.get(`/v1/conversations/${given}`)).body.title).toBe('Mine');
    expect(titleCallsFor('Already titled conversation')).toHaveLength(0);
    expect(await gus.query(`SELECT count(*)::int AS n FROM usage_events WHERE conversation_id = ANY($1::uuid[]) AND kind = 'title'`, [[given, racing]])).toEqual([{ n: 0 }]);
  });

  it('retries a failed title call, and asks for no title on a plan without titles', async () => {
    const guest = await api.newUser(admin, 'guest'); // titles off
    const off = (await guest.post('/v1/conversations', {})).body.id;
    await guest.post(`/v1/conversations/${off}/messages`, { content: 'Guest question' });
    const user = await api.newUser(admin, 'free');
    const id = (await user.post('/v1/conversations', {})).body.id;
    // The first request with this text fails (the turn: 503, stored failed); the question sent again is answered,
    // and the title call, whose text differs, fails once too: the job is retried.
    expect((await user.post(`/v1/conversations/${id}/messages`, { content: 'Plan a trip [[sim:flaky=1]]' })).status).toBe(503);
    expect((await user.post(`/v1/conversations/${id}/messages`, { content: 'Plan a trip [[sim:flaky=1]]' })).status).toBe(201);
    await eventually(async () => expect((await user.get(`/v1/conversations/${id}`)).body.title).toEqual(expect.any(String)), 20_000);
    expect(titleCallsFor('Plan a trip')).toHaveLength(2);
    expect(await gus.query(`SELECT count(*)::int AS n FROM usage_events WHERE conversation_id = $1 AND kind = 'title'`, [id])).toEqual([{ n: 1 }]);
    // The guest's turn came first: had it asked for a title, that title would have been written by now.
    expect(titleCallsFor('Guest question')).toHaveLength(0);
    expect((await guest.get(`/v1/conversations/${off}`)).body.title).toBeNull();
    const metrics = (await api.get('/metrics')).body as string;
    expect(sample(metrics, 'gus_titles_total', { outcome: 'titled' })).toBe(2);
    expect(sample(metrics, 'gus_titles_total', { outcome: 'failed' })).toBe(1);
  });
});
