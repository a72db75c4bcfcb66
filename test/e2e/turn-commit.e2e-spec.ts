import { OllamaSimulator } from '../../src/llm/simulator/ollama-simulator.js';
import { ApiClient } from './support/api-client.js';
import { eventually, startGus, type RunningGus } from './support/gus-harness.js';

/**
 * How a turn's question reaches the database. Answered in JSON, the client hears of the question only with its
 * answer, so both are stored in one statement (one commit per turn): while the model is still thinking nothing of
 * the turn is stored, and no open question is recorded. Streamed, `message.created` tells the client its question
 * is stored, so it is committed before the answer (and recorded as open until the answer closes it).
 */
describe('a turn commits its question with its answer unless it streams (PostgreSQL + Redis)', () => {
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

  const stored = (conversationId: string) =>
    gus.query<{ id: string; parent_id: string | null; role: string; status: string }>(
      'SELECT id, parent_id, role, status FROM messages WHERE conversation_id = $1 ORDER BY depth',
      [conversationId],
    );
  const openQuestions = async (conversationId: string) => (await gus.query('SELECT 1 FROM open_questions WHERE conversation_id = $1', [conversationId])).length;
  const conversationRow = async (conversationId: string) =>
    (await gus.query<{ current_leaf_id: string; message_count: number }>('SELECT current_leaf_id, message_count FROM conversations WHERE id = $1', [conversationId]))[0]!;
  const modelHas = (content: string) => eventually(async () => expect(simulator.receivedRequests().some((r) => r.messages?.at(-1)?.content === content)).toBe(true));

  it('in JSON: nothing of the turn is stored while the model works, then the question, its answer and the ledger row together', async () => {
    const id = (await user.post('/v1/conversations', {})).body.id;
    const content = 'held in JSON [[sim:latency=1500]]';
    const turn = user.post(`/v1/conversations/${id}/messages`, { content });
    await modelHas(content);
    expect(await stored(id)).toEqual([]);
    expect(await openQuestions(id)).toBe(0);

    const res = await turn;
    expect(res.status).toBe(201);
    const rows = await stored(id);
    expect(rows).toEqual([
      { id: res.body.userMessage.id, parent_id: null, role: 'user', status: 'complete' },
      { id: res.body.assistantMessage.id, parent_id: res.body.userMessage.id, role: 'assistant', status: 'complete' },
    ]);
    expect(await conversationRow(id)).toEqual({ current_leaf_id: res.body.assistantMessage.id, message_count: 2 });
    expect(await gus.query('SELECT 1 FROM usage_events WHERE id = $1', [res.body.assistantMessage.id])).toHaveLength(1);
    expect(await openQuestions(id)).toBe(0);

    // The next turn continues from that answer.
    const next = await user.post(`/v1/conversations/${id}/messages`, { content: 'and then?' });
    expect(next.status).toBe(201);
    expect(next.body.userMessage.parentId).toBe(res.body.assistantMessage.id);
    expect((await conversationRow(id)).message_count).toBe(4);
  }, 30_000);

  it('in JSON, a failed model call stores the question with its failed answer, and the branch ends at the question', async () => {
    const id = (await user.post('/v1/conversations', {})).body.id;
    const res = await user.post(`/v1/conversations/${id}/messages`, { content: 'fails [[sim:error=400]]' });
    expect(res.status).toBe(502);
    const rows = await stored(id);
    expect(rows.map((row) => [row.role, row.status])).toEqual([
      ['user', 'complete'],
      ['assistant', 'failed'],
    ]);
    expect(rows[1]!.parent_id).toBe(rows[0]!.id);
    expect(await conversationRow(id)).toEqual({ current_leaf_id: rows[0]!.id, message_count: 2 });
    expect(await openQuestions(id)).toBe(0);
  });

  it('streamed: the question is stored (and open) when message.created arrives, before the model answers', async () => {
    const id = (await user.post('/v1/conversations', {})).body.id;
    const res = await fetch(`${gus.url}/v1/conversations/${id}/messages`, {
      method: 'POST',
      headers: { authorization: `Bearer ${user.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ content: 'held streamed [[sim:latency=1500]]', stream: true }),
    });
    expect(res.status).toBe(200);
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    let text = '';
    const readUntil = async (event: string): Promise<void> => {
      while (!text.includes(`event: ${event}`)) {
        const { done, value } = await reader.read();
        if (done) throw new Error(`the stream ended before ${event}: ${text}`);
        text += decoder.decode(value, { stream: true });
      }
    };
    await readUntil('message.created');
    expect(text).not.toContain('message.delta');
    const rows = await stored(id);
    expect(rows.map((row) => row.role)).toEqual(['user']);
    expect(await openQuestions(id)).toBe(1);
    await readUntil('message.completed');
    expect((await stored(id)).map((row) => row.role)).toEqual(['user', 'assistant']);
    expect(await openQuestions(id)).toBe(0);
  }, 30_000);

  it('streamed /v1/chat/completions into a conversation (X-Conversation-Id): the question is stored before any delta', async () => {
    const id = (await user.post('/v1/conversations', {})).body.id;
    const content = 'held chat stream [[sim:latency=1500]]';
    const turn = user.post('/v1/chat/completions', { model: 'llama3.2:1b', messages: [{ role: 'user', content }], stream: true }, { 'x-conversation-id': id });
    await modelHas(content);
    await eventually(async () => expect((await stored(id)).map((row) => row.role)).toEqual(['user']));
    expect(await openQuestions(id)).toBe(1);
    expect((await turn).body).toContain('data: [DONE]');
    expect((await stored(id)).map((row) => row.role)).toEqual(['user', 'assistant']);
    expect(await openQuestions(id)).toBe(0);
  }, 30_000);

  it.each([
    ['in JSON', false],
    ['streamed', true],
  ])('%s, a conversation deleted while the model works ends the turn with 404 NOT_FOUND, storing and counting nothing', async (_how, stream) => {
    const id = (await user.post('/v1/conversations', {})).body.id;
    const content = `deleted meanwhile ${stream ? 'streamed' : 'JSON'} [[sim:latency=1500]]`;
    const turn = user.post(`/v1/conversations/${id}/messages`, { content, stream });
    await modelHas(content);
    expect((await user.delete(`/v1/conversations/${id}`)).status).toBe(204);
    const res = await turn;
    if (stream) {
      expect(res.status).toBe(200); // message.created went out before the conversation went
      expect(res.body).toContain('event: error');
      expect(res.body).toContain('"code":"NOT_FOUND"');
    } else {
      expect(res.status).toBe(404);
      expect(res.body.code).toBe('NOT_FOUND');
    }
    expect(await stored(id)).toEqual([]);
    expect(await openQuestions(id)).toBe(0);
    expect(await gus.query('SELECT 1 FROM usage_events WHERE conversation_id = $1', [id])).toEqual([]);
  }, 30_000);
});
