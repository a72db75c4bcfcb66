import { OllamaSimulator } from '../../src/llm/simulator/ollama-simulator.js';
import { ApiClient } from './support/api-client.js';
import { eventually, startGus, type RunningGus } from './support/gus-harness.js';

describe('the audit timeline of a conversation (PostgreSQL + Redis)', () => {
  const simulator = new OllamaSimulator();
  let gus: RunningGus;
  let admin: ApiClient;
  let user: ApiClient;

  beforeAll(async () => {
    gus = await startGus({ ollamaHost: await simulator.start() });
    const api = new ApiClient(gus.url);
    admin = await api.asAdmin();
    user = await api.newUser(admin);
  });
  afterAll(async () => {
    await gus?.stop();
    await simulator.stop();
  });

  it('shows each turn: received, validated (which checks), context built, model called, stored, billed', async () => {
    const id = (await user.post('/v1/conversations', { systemPrompt: 'Be brief.' })).body.id;
    const first = await user.post(`/v1/conversations/${id}/messages`, { content: 'first question' });
    const failed = await user.post(`/v1/conversations/${id}/messages`, { content: 'second [[sim:error=400]]' });
    expect(failed.status).toBe(502);
    const trace = await eventually(async () => {
      const res = await admin.get(`/v1/admin/conversations/${id}/trace`);
      expect(res.status).toBe(200);
      expect(res.body.turns[0].steps.at(-1).at).not.toBeNull(); // billed by the worker
      return res.body;
    });
    expect(trace.turns).toHaveLength(2);
    const [ok, bad] = trace.turns;
    expect(ok).toMatchObject({ userMessageId: first.body.userMessage.id, assistantMessageId: first.body.assistantMessage.id, status: 'complete', traceId: first.headers.get('x-trace-id') });
    expect(ok.steps.map((s: { step: string }) => s.step)).toEqual(['received', 'validated', 'context built', 'model called', 'stored', 'billed']);
    const step = (turn: { steps: Array<{ step: string }> }, name: string) => turn.steps.find((s) => s.step === name) as Record<string, any>;
    expect(step(ok, 'validated')).toMatchObject({ checks: expect.arrayContaining(['not empty', 'forbidden content']), injectionScore: expect.any(Number), flagged: false });
    expect(step(ok, 'context built')).toMatchObject({ messages: 1, leftOut: 0, systemLayers: ['global', 'model', 'conversation'] });
    expect(step(ok, 'model called')).toMatchObject({ model: 'llama3.2:1b', completionTokens: 12, status: 'complete' });
    expect(step(ok, 'billed')).toMatchObject({ charged: true, pending: false, costMicros: first.body.usage.costMicros });
    expect(Date.parse(step(ok, 'stored').at)).toBeGreaterThanOrEqual(Date.parse(step(ok, 'model called').at));
    expect(step(bad, 'model called')).toMatchObject({ status: 'failed', errorCode: 'LLM_ERROR' });
    expect(step(bad, 'billed')).toMatchObject({ charged: false });

    expect((await user.get(`/v1/admin/conversations/${id}/trace`)).status).toBe(403);
    expect((await admin.get('/v1/admin/conversations/00000000-0000-4000-8000-000000000000/trace')).status).toBe(404);
  });
});
