import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_SIMULATED_MODELS, OllamaSimulator, type SimulatedFailure } from '../../src/llm/simulator/ollama-simulator.js';
import { ApiClient, parseSse } from './support/api-client.js';
import { startGus, type RunningGus } from './support/gus-harness.js';

/** Served by the simulator's OpenAI-compatible API, as vLLM would serve it. */
const OPENAI_MODEL = 'meta-llama/Llama-3.1-8B-Instruct';
const OLLAMA_MODEL = 'llama3.2:1b';
/** An OpenAI-compatible model whose server is down (until a test brings it up). */
const OFFLINE_MODEL = 'offline/llama';
const API_KEY_ENV = 'GUS_TEST_VLLM_KEY';
const FIRST_TOKEN_TIMEOUT_MS = 1000;

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

describe('model failures, retries and timeouts through gus, with the Ollama and the OpenAI-compatible provider (PostgreSQL + Redis)', () => {
  const simulator = new OllamaSimulator({
    models: [...DEFAULT_SIMULATED_MODELS, { name: OPENAI_MODEL, contextLength: 32768 }],
    apiKey: 'vllm-secret',
  });
  const catalogueDir = mkdtempSync(join(tmpdir(), 'gus-models-'));
  let offlinePort: number;
  let gus: RunningGus;
  let user: ApiClient;

  beforeAll(async () => {
    const url = await simulator.start();
    offlinePort = await freePort();
    const catalogue = {
      defaultModel: OLLAMA_MODEL,
      models: [
        { id: OLLAMA_MODEL, provider: 'ollama', contextWindow: 8192, tier: 'standard', pricePerMillionInput: 0.05, pricePerMillionOutput: 0.1 },
        // No contextWindow: learned from the server's /v1/models (max_model_len).
        { id: OPENAI_MODEL, provider: 'openai', baseUrl: `${url}/v1`, apiKeyEnv: API_KEY_ENV, tier: 'standard', pricePerMillionInput: 0.2, pricePerMillionOutput: 0.4 },
        { id: OFFLINE_MODEL, provider: 'openai', baseUrl: `http://127.0.0.1:${offlinePort}/v1`, contextWindow: 8192, tier: 'standard', pricePerMillionInput: 0.2, pricePerMillionOutput: 0.4 },
      ],
    };
    const file = join(catalogueDir, 'models.json');
    writeFileSync(file, JSON.stringify(catalogue));
    gus = await startGus({
      ollamaHost: url,
      env: {
        GUS_MODELS_FILE: file,
        [API_KEY_ENV]: 'vllm-secret',
        GUS_LLM_TIMEOUT_MS: '5000',
        GUS_LLM_FIRST_TOKEN_TIMEOUT_MS: String(FIRST_TOKEN_TIMEOUT_MS),
        GUS_LLM_RETRIES: '2',
        GUS_LLM_RETRY_BASE_MS: '50',
      },
    });
    const api = new ApiClient(gus.url);
    user = await api.newUser(await api.asAdmin(), 'pro');
  });
  afterEach(() => simulator.setOptions({ failure: undefined, tokensPerSecond: 0, firstTokenLatencyMs: 0 }));
  afterAll(async () => {
    await gus?.stop();
    await simulator.stop();
    rmSync(catalogueDir, { recursive: true, force: true });
  });

  const newConversation = async (model?: string): Promise<string> => (await user.post('/v1/conversations', model ? { model } : {})).body.id;
  const tree = async (id: string) => (await user.get(`/v1/conversations/${id}/tree`)).body.messages as Array<Record<string, any>>;
  /** Chat requests the simulator received whose messages contain `marker` (either API). */
  const requestsFor = (marker: string) => simulator.receivedRequests().filter((r) => JSON.stringify(r.messages).includes(marker));
  const viaOpenAiApi = (marker: string) => requestsFor(marker).filter((r) => 'stream_options' in r);

  /** The user message is kept, the attempt is stored as a failed answer, and regenerating the turn works. */
  async function expectStoredAndRetryable(conversationId: string, code: string, before?: () => Promise<void> | void): Promise<void> {
    const messages = await tree(conversationId);
    expect(messages.map((m) => [m.role, m.status])).toEqual([['user', 'complete'], ['assistant', 'failed']]);
    expect(messages[1]!).toMatchObject({ parentId: messages[0]!.id, errorCode: code });
    await before?.();
    const retried = await user.post(`/v1/conversations/${conversationId}/messages/${messages[0]!.id}/regenerate`, {});
    expect(retried.status).toBe(201);
    expect(retried.body.assistantMessage).toMatchObject({ parentId: messages[0]!.id, status: 'complete' });
  }

  describe('turns through a model served by the OpenAI-compatible provider', () => {
    it('lists the model with the context window its server reported', async () => {
      const models = (await user.get('/v1/models')).body.data as Array<Record<string, unknown>>;
      expect(models.find((m) => m.id === OPENAI_MODEL)).toMatchObject({ owned_by: 'openai', contextWindow: 32768, allowed: true });
    });

    it('answers a turn as JSON, with the server’s token counts, over /v1/chat/completions with the key from the environment', async () => {
      const id = await newConversation(OPENAI_MODEL);
      const res = await user.post(`/v1/conversations/${id}/messages`, { content: 'openai plain turn' });
      expect(res.status).toBe(201);
      expect(res.body.assistantMessage).toMatchObject({ role: 'assistant', status: 'complete', model: OPENAI_MODEL });
      expect(res.body.assistantMessage.content.split(' ')).toHaveLength(12);
      expect(res.body.usage).toMatchObject({ completionTokens: 12, promptTokens: expect.any(Number) });
      const sent = viaOpenAiApi('openai plain turn');
      expect(sent).toHaveLength(1);
      expect(sent[0]).toMatchObject({ model: OPENAI_MODEL, stream: true, stream_options: { include_usage: true } });
      expect(sent[0]).not.toHaveProperty('max_tokens');
      expect(sent[0]).not.toHaveProperty('response_format');
      // The answer is the simulator's deterministic reply to what gus sent, word for word.
      const again = await fetch(`${simulator.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: 'Bearer vllm-secret', 'content-type': 'application/json' },
        body: JSON.stringify({ model: OPENAI_MODEL, messages: sent[0]!.messages }),
      });
      expect(((await again.json()) as any).choices[0].message.content).toBe(res.body.assistantMessage.content);
    });

    it('asks the server for JSON with response_format when the turn wants JSON', async () => {
      const id = await newConversation(OPENAI_MODEL);
      const res = await user.post(`/v1/conversations/${id}/messages`, { content: 'openai json turn', format: 'json' });
      expect(res.status).toBe(201);
      expect(JSON.parse(res.body.assistantMessage.content)).toEqual({ answer: expect.any(String) });
      expect(res.body.warnings).toEqual([]);
      expect(viaOpenAiApi('openai json turn')[0]).toMatchObject({ response_format: { type: 'json_object' } });
    });

    it('streams a turn as server-sent events', async () => {
      const id = await newConversation();
      const res = await fetch(`${gus.url}/v1/conversations/${id}/messages`, {
        method: 'POST',
        headers: { authorization: `Bearer ${user.token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ content: 'openai streamed turn', model: OPENAI_MODEL, stream: true }),
      });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toContain('text/event-stream');
      const events = parseSse(await res.text());
      expectEventSequence(events.map((e) => e.event), 'message.completed'); // deltas may be coalesced (the canary hold-back)
      const completed = events.at(-1)!.data;
      expect(completed).toMatchObject({ status: 'complete', model: OPENAI_MODEL, usage: { completionTokens: 12 } });
      expect(events.slice(1, -1).map((e) => e.data.delta).join('')).toBe(completed.content);
      expect(viaOpenAiApi('openai streamed turn')).toHaveLength(1);
    });

    it('ends a stream the server cuts with an error event and keeps the text so far', async () => {
      const id = await newConversation(OPENAI_MODEL);
      const res = await fetch(`${gus.url}/v1/conversations/${id}/messages`, {
        method: 'POST',
        headers: { authorization: `Bearer ${user.token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ content: 'openai cut stream [[sim:cut=3]]', stream: true }),
      });
      const events = parseSse(await res.text());
      expectEventSequence(events.map((e) => e.event), 'error');
      expect(events.at(-1)!.data).toMatchObject({ statusCode: 502, code: 'LLM_ERROR' });
      const stored = await tree(id);
      expect(stored[1]).toMatchObject({ status: 'failed', errorCode: 'LLM_ERROR', content: events.slice(1, -1).map((e) => e.data.delta).join('') });
      expect(stored[1]!.content.split(' ')).toHaveLength(3);
      expect(requestsFor('openai cut stream')).toHaveLength(1); // tokens had been passed on: never sent again
    });
  });

  // Server-level failures (not directives in the text), so that regenerating the same turn can succeed.
  const failures: Array<{ name: string; failure: SimulatedFailure; status: number; code: string; attempts: number }> = [
    { name: 'a 503 answer', failure: { mode: 'error', status: 503 }, status: 503, code: 'LLM_UNAVAILABLE', attempts: 3 },
    { name: 'a 500 answer', failure: { mode: 'error', status: 500 }, status: 502, code: 'LLM_ERROR', attempts: 3 },
    { name: 'a 400 answer (not retried)', failure: { mode: 'error', status: 400 }, status: 502, code: 'LLM_ERROR', attempts: 1 },
    { name: 'a stream cut after 3 tokens', failure: { mode: 'cut', afterTokens: 3 }, status: 502, code: 'LLM_ERROR', attempts: 1 },
    { name: 'a server that hangs (first-token timeout)', failure: { mode: 'hang' }, status: 504, code: 'LLM_TIMEOUT', attempts: 1 },
  ];
  for (const model of [OLLAMA_MODEL, OPENAI_MODEL]) {
    describe(`failures through ${model}`, () => {
      for (const { name, failure, status, code, attempts } of failures) {
        it(`${name} → ${status} ${code}, the user message kept, the turn retryable`, async () => {
          const marker = `${model} ${name}`;
          const id = await newConversation(model);
          simulator.setOptions({ failure });
          const started = Date.now();
          const res = await user.post(`/v1/conversations/${id}/messages`, { content: marker });
          const took = Date.now() - started;
          expect(res.status).toBe(status);
          expect(res.body).toMatchObject({ statusCode: status, code, requestId: expect.any(String) });
          expect(requestsFor(marker)).toHaveLength(attempts);
          if (code === 'LLM_TIMEOUT') {
            expect(took).toBeGreaterThanOrEqual(FIRST_TOKEN_TIMEOUT_MS - 50);
            expect(took).toBeLessThan(4000); // the first-token deadline, well before the overall one (5 s)
          }
          await expectStoredAndRetryable(id, code, () => simulator.setOptions({ failure: undefined }));
        });
      }

      it('[[sim:flaky=2]] succeeds thanks to the retries: three requests, one answer', async () => {
        const marker = `${model} flaky two`;
        const id = await newConversation(model);
        const res = await user.post(`/v1/conversations/${id}/messages`, { content: `${marker} [[sim:flaky=2]]` });
        expect(res.status).toBe(201);
        expect(res.body.assistantMessage.status).toBe('complete');
        expect(requestsFor(marker)).toHaveLength(3);
        expect((await tree(id)).map((m) => [m.role, m.status])).toEqual([['user', 'complete'], ['assistant', 'complete']]);
      });

      it('[[sim:flaky=5]] with 2 retries fails with 503 after exactly 3 attempts, and regenerating later succeeds', async () => {
        const marker = `${model} flaky five`;
        const id = await newConversation(model);
        const res = await user.post(`/v1/conversations/${id}/messages`, { content: `${marker} [[sim:flaky=5]]` });
        expect(res.status).toBe(503);
        expect(res.body.code).toBe('LLM_UNAVAILABLE');
        expect(requestsFor(marker)).toHaveLength(3);
        // Attempts 4 and 5 still fail, the 6th gets through: within the regenerated turn's retries.
        await expectStoredAndRetryable(id, 'LLM_UNAVAILABLE');
        expect(requestsFor(marker)).toHaveLength(6);
      });
    });
  }

  it('an unreachable OpenAI-compatible server → 503 LLM_UNAVAILABLE (after the retries), readiness down, and the turn retried once it is up', async () => {
    const id = await newConversation(OFFLINE_MODEL);
    const res = await user.post(`/v1/conversations/${id}/messages`, { content: 'is anyone serving?' });
    expect(res.status).toBe(503);
    expect(res.body).toMatchObject({ code: 'LLM_UNAVAILABLE', message: expect.stringContaining('could not be reached') });
    const ready = await user.get('/health/ready');
    expect(ready.status).toBe(503);
    expect(ready.body.error.model.message).toContain(`127.0.0.1:${offlinePort}`);

    const revived = new OllamaSimulator({ models: [{ name: OFFLINE_MODEL, contextLength: 8192 }] });
    await revived.start(offlinePort);
    try {
      await expectStoredAndRetryable(id, 'LLM_UNAVAILABLE');
      expect(revived.receivedRequests()).toHaveLength(1);
      expect((await user.get('/health/ready')).status).toBe(200);
    } finally {
      await revived.stop();
    }
  });
});

/** message.created, one or more message.delta, then `last`. */
function expectEventSequence(names: string[], last: string): void {
  expect(names[0]).toBe('message.created');
  expect(names.at(-1)).toBe(last);
  expect(names.length).toBeGreaterThan(2);
  expect(names.slice(1, -1).every((name) => name === 'message.delta')).toBe(true);
}
