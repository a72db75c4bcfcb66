import OpenAI from 'openai';
import { OllamaSimulator } from '../../src/llm/simulator/ollama-simulator.js';
import { ApiClient } from './support/api-client.js';
import { eventually, startGus, type RunningGus } from './support/gus-harness.js';

describe('the OpenAI-compatible API, driven by the official openai client (PostgreSQL + Redis)', () => {
  const simulator = new OllamaSimulator();
  let gus: RunningGus;
  let api: ApiClient;
  let admin: ApiClient;
  let user: ApiClient & { userId: string };
  let openai: OpenAI;

  beforeAll(async () => {
    gus = await startGus({ ollamaHost: await simulator.start() });
    api = new ApiClient(gus.url);
    admin = await api.asAdmin();
    user = await api.newUser(admin, 'free');
    const key = (await admin.post(`/v1/admin/users/${user.userId}/api-keys`, { name: 'openai' })).body.key;
    openai = new OpenAI({ apiKey: key, baseURL: `${gus.url}/v1`, maxRetries: 0 });
  });
  afterAll(async () => {
    await gus?.stop();
    await simulator.stop();
  });

  it('lists models in OpenAI’s shape', async () => {
    const models = [];
    for await (const model of openai.models.list()) models.push(model);
    expect(models.map((m) => m.id)).toEqual(expect.arrayContaining(['llama3.2:1b', 'llama3.1:8b', 'llama3.3:70b']));
    expect(models[0]).toMatchObject({ object: 'model', owned_by: 'ollama' });
  });

  it('answers a completion, not streamed, with usage, and records the usage', async () => {
    simulator.clearReceived();
    const completion = await openai.chat.completions.create({
      model: 'llama3.2:1b',
      messages: [
        { role: 'system', content: 'Speak like a pirate.' },
        { role: 'user', content: 'Hello' },
        { role: 'assistant', content: 'Ahoy' },
        { role: 'user', content: 'Where is the treasure?' },
      ],
    });
    expect(completion.object).toBe('chat.completion');
    expect(completion.choices[0]!.message).toMatchObject({ role: 'assistant', content: expect.any(String) });
    expect(completion.choices[0]!.finish_reason).toBe('stop');
    expect(completion.usage).toMatchObject({ completion_tokens: 12, total_tokens: completion.usage!.prompt_tokens + 12 });
    const sent = simulator.receivedRequests().at(-1)!.messages!;
    expect(sent.map((m) => m.role)).toEqual(['system', 'user', 'assistant', 'user']);
    expect(sent[0]!.content).toContain('Speak like a pirate.');
    const me = await eventually(async () => {
      const res = await user.get('/v1/me');
      expect(res.body.usage.today.turns).toBeGreaterThanOrEqual(1);
      return res.body;
    });
    expect(me.usage.today.totalTokens).toBeGreaterThanOrEqual(completion.usage!.total_tokens);
  });

  it('streams chunks that the client reassembles, ending with [DONE] and usage on request', async () => {
    const stream = await openai.chat.completions.create({
      model: 'llama3.2:1b',
      messages: [{ role: 'user', content: 'Tell me a story' }],
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = '';
    let usage: OpenAI.CompletionUsage | null | undefined;
    const finishes: Array<string | null> = [];
    for await (const chunk of stream) {
      expect(chunk.object).toBe('chat.completion.chunk');
      if (chunk.usage) usage = chunk.usage;
      for (const choice of chunk.choices) {
        text += choice.delta.content ?? '';
        finishes.push(choice.finish_reason);
      }
    }
    expect(text.split(' ')).toHaveLength(12);
    expect(finishes.at(-1)).toBe('stop');
    expect(usage).toMatchObject({ completion_tokens: 12 });
    const raw = await fetch(`${gus.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${user.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'llama3.2:1b', messages: [{ role: 'user', content: 'hi' }], stream: true }),
    });
    expect((await raw.text()).trimEnd().endsWith('data: [DONE]')).toBe(true);
  });

  it('stores the exchange in a gus conversation given X-Conversation-Id', async () => {
    const conversation = (await user.post('/v1/conversations', { title: 'via openai' })).body;
    const completion = await openai.chat.completions.create(
      { model: 'llama3.2:1b', messages: [{ role: 'user', content: 'Remember me' }] },
      { headers: { 'X-Conversation-Id': conversation.id } },
    );
    const stored = (await user.get(`/v1/conversations/${conversation.id}/messages`)).body.data;
    expect(stored.map((m: { role: string; content: string }) => [m.role, m.content])).toEqual([
      ['user', 'Remember me'],
      ['assistant', completion.choices[0]!.message.content],
    ]);
    expect(completion.id).toBe(`chatcmpl-${stored[1].id}`);
  });

  it('answers errors in OpenAI’s error shape, and enforces entitlements and auth', async () => {
    const premium = openai.chat.completions.create({ model: 'llama3.3:70b', messages: [{ role: 'user', content: 'hi' }] });
    await expect(premium).rejects.toMatchObject({ status: 403, code: 'MODEL_NOT_ALLOWED', type: 'permission_error' });
    await expect(openai.chat.completions.create({ model: 'gpt-17', messages: [{ role: 'user', content: 'hi' }] })).rejects.toMatchObject({ status: 400, type: 'invalid_request_error' });
    await expect(openai.chat.completions.create({ model: 'llama3.2:1b', messages: [{ role: 'user', content: ' ' }] })).rejects.toMatchObject({ status: 400, code: 'EMPTY_MESSAGE' });
    const stranger = new OpenAI({ apiKey: 'gus_wrong', baseURL: `${gus.url}/v1`, maxRetries: 0 });
    await expect(stranger.chat.completions.create({ model: 'llama3.2:1b', messages: [{ role: 'user', content: 'hi' }] })).rejects.toMatchObject({ status: 401, type: 'authentication_error' });
    const raw = await api.withToken(user.token!).post('/v1/chat/completions', { model: 'llama3.2:1b', messages: [] });
    expect(raw.body).toEqual({ error: { message: expect.any(String), type: 'invalid_request_error', param: null, code: 'INVALID_REQUEST' } });
    const failing = openai.chat.completions.create({ model: 'llama3.2:1b', messages: [{ role: 'user', content: 'x [[sim:error=500]]' }] });
    await expect(failing).rejects.toMatchObject({ status: 502, code: 'LLM_ERROR', type: 'api_error' });
  });
});
