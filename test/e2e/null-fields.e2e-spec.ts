import { OllamaSimulator } from '../../src/llm/simulator/ollama-simulator.js';
import { ApiClient } from './support/api-client.js';
import { startGus, type RunningGus } from './support/gus-harness.js';

/**
 * What null means in an optional request field (libs/http/optional-fields.ts). In a create or send body it is the
 * same as leaving the field out; in a PATCH it would clear the field, so where a field cannot be cleared it is
 * refused (400 INVALID_REQUEST) and nothing changes; where it can (a conversation's title), it clears it. Found by
 * the hostile-input suite: PATCH /v1/admin/users/:id {"role": null} answered 500, as did {"status": null},
 * {"legalHold": null}, a conversation's {"state": null} and a message with "systemPrompt": null.
 */
describe('null in an optional request field (PostgreSQL + Redis)', () => {
  const simulator = new OllamaSimulator();
  let gus: RunningGus;
  let admin: ApiClient;
  let user: ApiClient & { userId: string };
  let conversationId: string;
  let answerId: string;

  beforeAll(async () => {
    gus = await startGus({ ollamaHost: await simulator.start() });
    const api = new ApiClient(gus.url);
    admin = await api.asAdmin();
    user = await api.newUser(admin);
    conversationId = (await user.post('/v1/conversations', { title: 'kept' })).body.id;
    answerId = (await user.post(`/v1/conversations/${conversationId}/messages`, { content: 'hello' })).body.assistantMessage.id;
  });
  afterAll(async () => {
    await gus?.stop();
    await simulator.stop();
  });

  const refused = (res: { status: number; body: any }) => {
    expect({ status: res.status, code: res.body?.code }).toEqual({ status: 400, code: 'INVALID_REQUEST' });
  };

  it.each(['role', 'plan', 'status', 'legalHold'])('PATCH /v1/admin/users/:id {"%s": null} is refused and changes nothing', async (field) => {
    const before = (await admin.get(`/v1/admin/users/${user.userId}`)).body;
    refused(await admin.patch(`/v1/admin/users/${user.userId}`, { [field]: null }));
    expect((await admin.get(`/v1/admin/users/${user.userId}`)).body).toEqual(before);
  });

  it.each(['password', 'role', 'plan'])('POST /v1/admin/users with "%s": null creates the user as if it were left out', async (field) => {
    const email = `null-${field}-${Date.now()}@example.com`;
    const created = await admin.post('/v1/admin/users', { email, password: 'long-enough-1', [field]: null });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ email, role: 'user', plan: 'free' });
  });

  it.each(['title', 'model', 'systemPrompt', 'metadata', 'temporary'])('POST /v1/conversations {"%s": null} creates it as if it were left out', async (field) => {
    const created = await user.post('/v1/conversations', { [field]: null });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ title: null, model: null, systemPrompt: null, metadata: {}, temporary: false });
  });

  it.each(['state', 'currentLeafId'])('PATCH /v1/conversations/:id {"%s": null} is refused and changes nothing', async (field) => {
    const before = (await user.get(`/v1/conversations/${conversationId}`)).body;
    refused(await user.patch(`/v1/conversations/${conversationId}`, { [field]: null }));
    expect((await user.get(`/v1/conversations/${conversationId}`)).body).toEqual(before);
  });

  it.each(['parentId', 'model', 'stream', 'resumable', 'systemPrompt', 'format', 'maxTokens'])('POST …/messages with "%s": null is a turn as if it were left out', async (field) => {
    const turn = await user.post(`/v1/conversations/${conversationId}/messages`, { content: `again, ${field} null`, [field]: null });
    expect(turn.status).toBe(201);
    expect(turn.body.assistantMessage).toMatchObject({ status: 'complete' });
  });

  it('POST /v1/admin/users/:id/api-keys {"name": null} issues a key as if it were left out', async () => {
    expect((await admin.post(`/v1/admin/users/${user.userId}/api-keys`, { name: null })).status).toBe(201);
  });

  it.each(['stream', 'stream_options', 'response_format', 'temperature', 'top_p', 'max_tokens', 'max_completion_tokens', 'user'])(
    'POST /v1/chat/completions with "%s": null answers as if it were left out (as OpenAI does)',
    async (field) => {
      const res = await user.post('/v1/chat/completions', { model: 'llama3.2:1b', messages: [{ role: 'user', content: 'hi', name: null }], [field]: null });
      expect(res.status).toBe(200);
      expect(res.body.choices[0].message.content.length).toBeGreaterThan(0);
    },
  );

  it('POST /v1/chat/completions still needs its model and messages: null there is refused', async () => {
    const model = await user.post('/v1/chat/completions', { model: null, messages: [{ role: 'user', content: 'hi' }] });
    expect(model.status).toBe(400);
    expect(model.body.error.code).toBe('INVALID_REQUEST');
    const content = await user.post('/v1/chat/completions', { model: 'llama3.2:1b', messages: [{ role: 'user', content: null }] });
    expect(content.status).toBe(400);
  });

  it('where null means something it is still accepted: a title cleared, a rating without a reason', async () => {
    const patched = await user.patch(`/v1/conversations/${conversationId}`, { title: null });
    expect(patched.status).toBe(200);
    expect(patched.body.title).toBeNull();
    const rated = await user.request('PUT', `/v1/conversations/${conversationId}/messages/${answerId}/feedback`, { rating: 'up', reason: null, comment: null });
    expect(rated.status).toBe(200);
    expect(rated.body).toMatchObject({ rating: 'up', reason: null, comment: null });
  });
});
