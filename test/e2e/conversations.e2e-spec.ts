import { OllamaSimulator } from '../../src/llm/simulator/ollama-simulator.js';
import { ApiClient } from './support/api-client.js';
import { startGus, type RunningGus } from './support/gus-harness.js';

const MISSING = '00000000-0000-4000-8000-000000000000';

describe('conversations over HTTP (PostgreSQL + Redis)', () => {
  const simulator = new OllamaSimulator();
  let gus: RunningGus;
  let api: ApiClient;
  let admin: ApiClient;
  let alice: ApiClient;

  beforeAll(async () => {
    gus = await startGus({ ollamaHost: await simulator.start() });
    api = new ApiClient(gus.url);
    admin = await api.asAdmin();
    alice = await api.newUser(admin);
  });
  afterAll(async () => {
    await gus?.stop();
    await simulator.stop();
  });

  const send = (client: ApiClient, conversationId: string, body: Record<string, unknown>) =>
    client.post(`/v1/conversations/${conversationId}/messages`, body);

  it('creates, gets, patches and deletes a conversation', async () => {
    const created = await alice.post('/v1/conversations', { title: 'Trip', model: 'llama3.1:8b', systemPrompt: 'Be brief.', metadata: { source: 'test' } });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ title: 'Trip', model: 'llama3.1:8b', systemPrompt: 'Be brief.', metadata: { source: 'test' }, state: 'active', currentLeafId: null, messageCount: 0 });
    const id = created.body.id;

    const got = await alice.get(`/v1/conversations/${id}`);
    expect(got.body).toMatchObject({ id, title: 'Trip', usage: { turns: 0, totalTokens: 0 } });

    const patched = await alice.patch(`/v1/conversations/${id}`, { title: 'Trip to Rome', systemPrompt: null });
    expect(patched.body).toMatchObject({ title: 'Trip to Rome', systemPrompt: null });
    expect((await alice.patch(`/v1/conversations/${id}`, {})).body.code).toBe('INVALID_REQUEST');

    expect((await alice.delete(`/v1/conversations/${id}`)).status).toBe(204);
    expect((await alice.get(`/v1/conversations/${id}`)).status).toBe(404);
  });

  it('runs a turn: stores the user message first, then the assistant message with its measurements', async () => {
    const conversation = (await alice.post('/v1/conversations', { systemPrompt: 'You are terse.' })).body;
    simulator.clearReceived();
    const turn = await send(alice, conversation.id, { content: 'What is the capital of Italy?' });
    expect(turn.status).toBe(201);
    const { userMessage, assistantMessage, usage } = turn.body;
    expect(userMessage).toMatchObject({ role: 'user', parentId: null, content: 'What is the capital of Italy?', status: 'complete' });
    expect(assistantMessage).toMatchObject({ role: 'assistant', parentId: userMessage.id, status: 'complete', model: 'llama3.2:1b' });
    expect(assistantMessage.content.length).toBeGreaterThan(0);
    expect(assistantMessage.promptTokens).toBeGreaterThan(0);
    expect(assistantMessage.completionTokens).toBe(12);
    expect(assistantMessage.latencyMs).toBeGreaterThanOrEqual(0);
    expect(assistantMessage.ttftMs).toBeLessThanOrEqual(assistantMessage.latencyMs);
    expect(Date.parse(assistantMessage.completedAt)).toBeGreaterThanOrEqual(Date.parse(assistantMessage.createdAt));
    expect(Date.parse(assistantMessage.createdAt)).toBeGreaterThanOrEqual(Date.parse(userMessage.createdAt));
    expect(assistantMessage.traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(assistantMessage.traceId).toBe(turn.headers.get('x-trace-id'));
    expect(usage).toMatchObject({ promptTokens: assistantMessage.promptTokens, completionTokens: 12, totalTokens: assistantMessage.promptTokens + 12 });

    // What reached the model: the system prompt, then the user message, through the real ollama client.
    const [received] = simulator.receivedRequests();
    expect(received?.messages).toEqual([
      { role: 'system', content: expect.stringMatching(/^\[gus-canary-[0-9a-f]{16}\]\nYou are a helpful assistant\.[\s\S]*\n\nYou are terse\.$/) },
      { role: 'user', content: 'What is the capital of Italy?' },
    ]);
    expect(received?.options).toMatchObject({ num_ctx: 8192 });

    const second = await send(alice, conversation.id, { content: 'And of France?' });
    expect(second.body.userMessage.parentId).toBe(assistantMessage.id);
    expect(simulator.receivedRequests().at(-1)?.messages?.map((m) => m.role)).toEqual(['system', 'user', 'assistant', 'user']);
  });

  it('branches from an earlier message and shows either branch, and the whole tree', async () => {
    const id = (await alice.post('/v1/conversations', {})).body.id;
    const first = (await send(alice, id, { content: 'one' })).body;
    const second = (await send(alice, id, { content: 'two' })).body;
    const branch = (await send(alice, id, { content: 'two, differently', parentId: first.assistantMessage.id })).body;
    expect(branch.userMessage.parentId).toBe(first.assistantMessage.id);

    const active = await alice.get(`/v1/conversations/${id}/messages`);
    expect(active.body.data.map((m: { content: string }) => m.content)).toEqual(['one', first.assistantMessage.content, 'two, differently', branch.assistantMessage.content]);
    expect(active.body.leafId).toBe(branch.assistantMessage.id);

    const old = await alice.get(`/v1/conversations/${id}/messages?leafId=${second.assistantMessage.id}`);
    expect(old.body.data.map((m: { id: string }) => m.id)).toEqual([first.userMessage.id, first.assistantMessage.id, second.userMessage.id, second.assistantMessage.id]);

    const tree = await alice.get(`/v1/conversations/${id}/tree`);
    expect(tree.body.messages).toHaveLength(6);
    expect(tree.body.rootIds).toEqual([first.userMessage.id]);
    expect(tree.body.currentLeafId).toBe(branch.assistantMessage.id);
    const fork = tree.body.messages.find((m: { id: string }) => m.id === first.assistantMessage.id);
    expect(fork.childIds).toEqual([second.userMessage.id, branch.userMessage.id]);

    expect((await send(alice, id, { content: 'x', parentId: MISSING })).status).toBe(404);
    expect((await alice.get(`/v1/conversations/${id}/messages?leafId=${MISSING}`)).status).toBe(404);
  });

  it('refuses messages while paused (409) and accepts them again once resumed', async () => {
    const id = (await alice.post('/v1/conversations', {})).body.id;
    const paused = await alice.patch(`/v1/conversations/${id}`, { state: 'paused' });
    expect(paused.body.state).toBe('paused');
    const refused = await send(alice, id, { content: 'hello?' });
    expect(refused.status).toBe(409);
    expect(refused.body).toMatchObject({ statusCode: 409, code: 'CONVERSATION_NOT_ACTIVE', requestId: expect.any(String) });
    expect((await alice.get(`/v1/conversations/${id}/tree`)).body.messages).toHaveLength(0);
    await alice.patch(`/v1/conversations/${id}`, { state: 'active' });
    expect((await send(alice, id, { content: 'hello?' })).status).toBe(201);
  });

  it('lists conversations newest first with cursor pagination and filters; archived ones only on request', async () => {
    const bob = await api.newUser(admin);
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await bob.post('/v1/conversations', { title: `c${i}`, model: i % 2 ? 'llama3.1:8b' : 'llama3.2:1b' })).body.id);
    await bob.patch(`/v1/conversations/${ids[0]}`, { state: 'archived' });

    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { body: { data: Array<{ id: string }>; nextCursor: string | null } } = await bob.get(`/v1/conversations?limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      seen.push(...page.body.data.map((c) => c.id));
      cursor = page.body.nextCursor;
    } while (cursor);
    // ids[0] was archived last, so it is newest by updated_at, but hidden.
    expect(seen).toEqual([ids[4], ids[3], ids[2], ids[1]]);

    const archived = await bob.get('/v1/conversations?state=archived');
    expect(archived.body.data.map((c: { id: string }) => c.id)).toEqual([ids[0]]);
    const byModel = await bob.get('/v1/conversations?model=llama3.1:8b');
    expect(byModel.body.data.map((c: { id: string }) => c.id)).toEqual([ids[3], ids[1]]);
    const future = await bob.get(`/v1/conversations?from=${new Date(Date.now() + 60_000).toISOString()}`);
    expect(future.body.data).toEqual([]);
    expect((await bob.get('/v1/conversations?cursor=bm9wZQ')).body.code).toBe('INVALID_REQUEST');
  });

  it('answers 404 on every route for another user\'s conversation, and changes nothing', async () => {
    const mallory = await api.newUser(admin);
    const id = (await alice.post('/v1/conversations', { title: 'private' })).body.id;
    const turn = (await send(alice, id, { content: 'secret' })).body;
    const attempts = [
      await mallory.get(`/v1/conversations/${id}`),
      await mallory.patch(`/v1/conversations/${id}`, { title: 'mine now' }),
      await mallory.delete(`/v1/conversations/${id}`),
      await mallory.get(`/v1/conversations/${id}/messages`),
      await mallory.get(`/v1/conversations/${id}/messages?leafId=${turn.userMessage.id}`),
      await mallory.get(`/v1/conversations/${id}/tree`),
      await send(mallory, id, { content: 'hi' }),
      await send(mallory, id, { content: 'hi', stream: true }),
    ];
    for (const res of attempts) {
      expect(res.status).toBe(404);
      expect(res.body).toMatchObject({ statusCode: 404, code: 'NOT_FOUND', message: 'conversation not found' });
    }
    expect((await mallory.get('/v1/conversations')).body.data).toEqual([]);
    const mine = await alice.get(`/v1/conversations/${id}`);
    expect(mine.body).toMatchObject({ title: 'private', messageCount: 2 });
  });

  it('rejects malformed input with 400 and a stable code, never 500', async () => {
    const id = (await alice.post('/v1/conversations', {})).body.id;
    const cases = [
      await alice.post('/v1/conversations', '{"title": '),
      await alice.post('/v1/conversations', { title: 42 }),
      await alice.post('/v1/conversations', { unknownField: true }),
      await alice.post('/v1/conversations', { metadata: 'not-an-object' }),
      await alice.get('/v1/conversations/not-a-uuid'),
      await alice.get('/v1/conversations?limit=0'),
      await alice.get('/v1/conversations?state=deleted'),
      await alice.patch(`/v1/conversations/${id}`, { state: 'inactive' }),
      await send(alice, id, {}),
      await send(alice, id, { content: 123 }),
      await send(alice, id, { content: 'hi', parentId: 'nope' }),
      await send(alice, id, { content: 'hi', stream: 'yes' }),
      await send(alice, id, { content: 'hi', model: 'gpt-17' }),
      await alice.get(`/v1/conversations/${id}/messages?leafId=123`),
      await send(alice, id, { content: 'nul \u0000 inside' }),
      await alice.post('/v1/conversations', { metadata: { 'k\u0000': 'v' } }),
    ];
    for (const res of cases) {
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({ statusCode: 400, code: 'INVALID_REQUEST', message: expect.any(String), requestId: expect.any(String) });
    }
    const empty = await send(alice, id, { content: '   \n' });
    expect(empty.body).toMatchObject({ statusCode: 400, code: 'EMPTY_MESSAGE' });
    const long = await send(alice, id, { content: 'x'.repeat(gus.config.maxMessageChars + 1) });
    expect(long.body).toMatchObject({ statusCode: 400, code: 'MESSAGE_TOO_LONG' });
    expect((await alice.get(`/v1/conversations/${id}/tree`)).body.messages).toHaveLength(0);
  });
});
