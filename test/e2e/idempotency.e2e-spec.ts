import { OllamaSimulator } from '../../src/llm/simulator/ollama-simulator.js';
import { ApiClient, parseSse } from './support/api-client.js';
import { startGus, type RunningGus } from './support/gus-harness.js';

describe('Idempotency-Key on sends (PostgreSQL + Redis)', () => {
  const simulator = new OllamaSimulator();
  let gus: RunningGus;
  let user: ApiClient;

  beforeAll(async () => {
    gus = await startGus({ ollamaHost: await simulator.start() });
    const api = new ApiClient(gus.url);
    user = await api.newUser(await api.asAdmin());
  });
  afterAll(async () => {
    await gus?.stop();
    await simulator.stop();
  });

  const db = () => ({ query: (sql: string, params?: unknown[]) => gus.query(sql, params) });
  const modelCallsFor = (content: string) => simulator.receivedRequests().filter((r) => r.messages?.at(-1)?.content === content).length;
  const usageEvents = async (conversationId: string) => (await db().query('SELECT count(*)::int AS n FROM usage_events WHERE conversation_id = $1', [conversationId]))[0].n;

  it('replays the first result to a retry with the same key and body: one model call, one message pair, one usage event', async () => {
    const id = (await user.post('/v1/conversations', {})).body.id;
    const first = await user.post(`/v1/conversations/${id}/messages`, { content: 'only once please' }, { 'Idempotency-Key': 'key-1' });
    const again = await user.post(`/v1/conversations/${id}/messages`, { content: 'only once please' }, { 'Idempotency-Key': 'key-1' });
    expect(first.status).toBe(201);
    expect(again.status).toBe(201);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.body).toEqual(first.body);
    expect(modelCallsFor('only once please')).toBe(1);
    expect((await user.get(`/v1/conversations/${id}/tree`)).body.messages).toHaveLength(2);
    expect(await usageEvents(id)).toBe(1);
  });

  it('runs 20 simultaneous requests with one key exactly once', async () => {
    const id = (await user.post('/v1/conversations', {})).body.id;
    simulator.setOptions({ firstTokenLatencyMs: 100 });
    const responses = await Promise.all(
      Array.from({ length: 20 }, () => user.post(`/v1/conversations/${id}/messages`, { content: 'twenty at once' }, { 'Idempotency-Key': 'burst' })),
    );
    simulator.setOptions({ firstTokenLatencyMs: 0 });
    expect(responses.map((r) => r.status)).toEqual(Array(20).fill(201));
    expect(new Set(responses.map((r) => r.body.assistantMessage.id)).size).toBe(1);
    expect(responses.filter((r) => r.headers.get('idempotent-replayed') === 'true')).toHaveLength(19);
    expect(modelCallsFor('twenty at once')).toBe(1);
    expect((await user.get(`/v1/conversations/${id}/tree`)).body.messages).toHaveLength(2);
    expect(await usageEvents(id)).toBe(1);
  });

  it('refuses the same key with a different body (422) and scopes keys to the caller', async () => {
    const id = (await user.post('/v1/conversations', {})).body.id;
    await user.post(`/v1/conversations/${id}/messages`, { content: 'first body' }, { 'Idempotency-Key': 'shared' });
    const reused = await user.post(`/v1/conversations/${id}/messages`, { content: 'second body' }, { 'Idempotency-Key': 'shared' });
    expect(reused.status).toBe(422);
    expect(reused.body.code).toBe('IDEMPOTENCY_KEY_REUSED');
    const api = new ApiClient(gus.url);
    const other = await api.newUser(await api.asAdmin());
    const theirs = (await other.post('/v1/conversations', {})).body.id;
    expect((await other.post(`/v1/conversations/${theirs}/messages`, { content: 'first body' }, { 'Idempotency-Key': 'shared' })).status).toBe(201);
    expect((await user.post(`/v1/conversations/${id}/messages`, { content: 'x' }, { 'Idempotency-Key': ' bad key ' })).status).toBe(400);
  });

  it('forgets keys after 24 hours', async () => {
    const id = (await user.post('/v1/conversations', {})).body.id;
    const first = await user.post(`/v1/conversations/${id}/messages`, { content: 'a day later' }, { 'Idempotency-Key': 'daily' });
    await db().query(`UPDATE idempotency_keys SET created_at = now() - interval '25 hours' WHERE key = 'daily'`);
    const later = await user.post(`/v1/conversations/${id}/messages`, { content: 'a day later' }, { 'Idempotency-Key': 'daily' });
    expect(later.status).toBe(201);
    expect(later.headers.get('idempotent-replayed')).toBeNull();
    expect(later.body.assistantMessage.id).not.toBe(first.body.assistantMessage.id);
    expect(modelCallsFor('a day later')).toBe(2);
  });

  it('replays a model failure instead of calling again, and replays a streamed turn as events', async () => {
    const id = (await user.post('/v1/conversations', {})).body.id;
    const failed = await user.post(`/v1/conversations/${id}/messages`, { content: 'fails [[sim:error=500]]' }, { 'Idempotency-Key': 'fail' });
    const callsOfFirst = modelCallsFor('fails [[sim:error=500]]'); // the model server was retried within the first request
    const replayed = await user.post(`/v1/conversations/${id}/messages`, { content: 'fails [[sim:error=500]]' }, { 'Idempotency-Key': 'fail' });
    expect(failed.status).toBe(502);
    expect(replayed.status).toBe(502);
    expect(replayed.body.code).toBe('LLM_ERROR');
    expect(callsOfFirst).toBeGreaterThanOrEqual(1);
    expect(modelCallsFor('fails [[sim:error=500]]')).toBe(callsOfFirst);

    const stream = (key: string) =>
      fetch(`${gus.url}/v1/conversations/${id}/messages`, {
        method: 'POST',
        headers: { authorization: `Bearer ${user.token}`, 'content-type': 'application/json', 'idempotency-key': key },
        body: JSON.stringify({ content: 'stream once', stream: true }),
      }).then(async (res) => ({ headers: res.headers, events: parseSse(await res.text()) }));
    const original = await stream('streamed');
    const copy = await stream('streamed');
    expect(copy.headers.get('idempotent-replayed')).toBe('true');
    const completed = (events: typeof original.events) => events.find((e) => e.event === 'message.completed')!.data;
    expect(completed(copy.events).id).toBe(completed(original.events).id);
    expect(copy.events.filter((e) => e.event === 'message.delta').map((e) => e.data.delta).join('')).toBe(completed(original.events).content);
    expect(modelCallsFor('stream once')).toBe(1);
  });

  it('works on /v1/chat/completions too', async () => {
    const body = { model: 'llama3.2:1b', messages: [{ role: 'user', content: 'openai once' }] };
    const first = await user.post('/v1/chat/completions', body, { 'Idempotency-Key': 'oa' });
    const second = await user.post('/v1/chat/completions', body, { 'Idempotency-Key': 'oa' });
    expect(first.status).toBe(200);
    expect(second.body).toEqual(first.body);
    expect(modelCallsFor('openai once')).toBe(1);
    const conflict = await user.post('/v1/chat/completions', { ...body, model: 'llama3.1:8b' }, { 'Idempotency-Key': 'oa' });
    expect(conflict.status).toBe(422);
    expect(conflict.body.error.code).toBe('IDEMPOTENCY_KEY_REUSED');
  });
});
