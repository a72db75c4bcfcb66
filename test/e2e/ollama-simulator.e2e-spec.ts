import { Ollama, type ChatResponse, type Fetch, type Message } from 'ollama';
import {
  DEFAULT_SIMULATED_MODELS,
  OllamaSimulator,
  type ChatRequestRecord,
} from '../../src/llm/simulator/ollama-simulator.js';
import { parseCliArgs, parseFailure } from '../../src/llm/simulator/simulator.cli.js';
import llama3Tokenizer from 'llama3-tokenizer-js';

/** The prompt's tokens under LLaMA 3's chat template, counted by the reference tokenizer. */
const templateTokens = (messages: Array<{ content: string }>): number =>
  5 + messages.reduce((sum, m) => sum + llama3Tokenizer.encode(m.content, { bos: false, eos: false }).length + 5, 0);

const MODEL = 'llama3.2:1b';
const STAT_FIELDS = [
  'total_duration',
  'load_duration',
  'prompt_eval_count',
  'prompt_eval_duration',
  'eval_count',
  'eval_duration',
] as const;

function user(content: string): Message[] {
  return [{ role: 'user', content }];
}

async function waitFor(condition: () => boolean, timeoutMs = 2000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** The official client cannot abort non-streamed requests, so inject a fetch with a deadline. */
function clientWithTimeout(url: string, ms: number): Ollama {
  const timedFetch: Fetch = (input, init) => fetch(input, { ...init, signal: AbortSignal.timeout(ms) });
  return new Ollama({ host: url, fetch: timedFetch });
}

function expectStats(response: ChatResponse): void {
  for (const field of STAT_FIELDS) {
    expect(Number.isInteger(response[field])).toBe(true);
    expect(response[field]).toBeGreaterThan(0);
  }
  expect(response.total_duration).toBeGreaterThanOrEqual(response.eval_duration);
}

async function postRaw(url: string, path: string, body: string): Promise<{ status: number; json: unknown }> {
  const res = await fetch(`${url}${path}`, { method: 'POST', body, headers: { 'Content-Type': 'application/json' } });
  return { status: res.status, json: await res.json() };
}

describe('OllamaSimulator (through the official ollama client)', () => {
  const sim = new OllamaSimulator();
  let url: string;
  let ollama: Ollama;

  beforeAll(async () => {
    url = await sim.start();
    ollama = new Ollama({ host: url });
  });

  afterAll(() => sim.stop());

  afterEach(() => {
    sim.setOptions({ firstTokenLatencyMs: 0, tokensPerSecond: 0, replyTokens: 12, failure: undefined });
    sim.clearReceived();
  });

  describe('metadata endpoints', () => {
    it('answers the root and version probes like Ollama', async () => {
      const root = await fetch(`${url}/`);
      expect(root.status).toBe(200);
      expect(await root.text()).toBe('Ollama is running');
      expect(await ollama.version()).toEqual({ version: '0.12.0' });
      expect(sim.url).toBe(url);
    });

    it('lists the default models with Ollama tag fields', async () => {
      const { models } = await ollama.list();
      expect(models.map((m) => m.name)).toEqual(DEFAULT_SIMULATED_MODELS.map((m) => m.name));
      for (const model of models) {
        const family = DEFAULT_SIMULATED_MODELS.find((m) => m.name === model.name)!.family ?? 'llama';
        expect(model.model).toBe(model.name);
        expect(model.size).toBeGreaterThan(0);
        expect(model.digest).toMatch(/^[0-9a-f]{64}$/);
        expect(new Date(model.modified_at).getTime()).not.toBeNaN();
        expect(model.details).toMatchObject({
          format: 'gguf',
          family,
          families: [family],
          quantization_level: 'Q4_K_M',
        });
        expect(model.details.parameter_size).toMatch(/^[\d.]+[BM]$/);
      }
    });

    it('shows a model with its context length and capabilities', async () => {
      const info = await ollama.show({ model: 'llama3.1:8b' });
      const modelInfo = info.model_info as unknown as Record<string, unknown>;
      expect(modelInfo['general.architecture']).toBe('llama');
      expect(modelInfo['llama.context_length']).toBe(131072);
      expect(info.capabilities).toEqual(['completion']);
      expect(info.details.parameter_size).toBe('8.0B');
      expect(info.modelfile).toContain('FROM llama3.1:8b');
      expect(typeof info.template).toBe('string');
      expect(typeof info.parameters).toBe('string');
    });

    it('accepts the legacy "name" field on /api/show', async () => {
      const { status, json } = await postRaw(url, '/api/show', JSON.stringify({ name: 'llama3.3:70b' }));
      expect(status).toBe(200);
      expect(json).toMatchObject({ details: { parameter_size: '70.6B' } });
    });

    it('rejects unknown models on show with Ollama\'s 404 message', async () => {
      await expect(ollama.show({ model: 'mistral:7b' })).rejects.toMatchObject({
        status_code: 404,
        message: 'model "mistral:7b" not found, try pulling it first',
      });
    });

    it('answers unknown routes with a JSON 404', async () => {
      const res = await fetch(`${url}/api/pull-everything`);
      expect(res.status).toBe(404);
      expect(await res.json()).toEqual({ error: 'not found' });
    });

    it('serves custom models given at construction', async () => {
      const custom = new OllamaSimulator({ models: [{ name: 'tiny:1m', contextLength: 2048, family: 'qwen2' }] });
      const client = new Ollama({ host: await custom.start() });
      try {
        const { models } = await client.list();
        expect(models.map((m) => m.name)).toEqual(['tiny:1m']);
        expect(models[0].details.parameter_size).toBe('1M');
        const info = await client.show({ model: 'tiny:1m' });
        expect((info.model_info as unknown as Record<string, unknown>)['qwen2.context_length']).toBe(2048);
        await expect(client.chat({ model: MODEL, messages: user('hi') })).rejects.toMatchObject({ status_code: 404 });
      } finally {
        await custom.stop();
      }
    });
  });

  describe('chat', () => {
    it('returns a whole reply when not streaming', async () => {
      const messages: Message[] = [
        { role: 'system', content: 'You are terse.' },
        { role: 'user', content: 'Tell me something about rivers.' },
      ];
      const response = await ollama.chat({ model: MODEL, messages, stream: false });
      expect(response.model).toBe(MODEL);
      expect(response.done).toBe(true);
      expect(response.done_reason).toBe('stop');
      expect(response.message.role).toBe('assistant');
      expect(response.message.content.split(' ')).toHaveLength(12);
      expect(response.message.content).toMatch(/^[a-z]+( [a-z]+){11}$/);
      expect(response.eval_count).toBe(12);
      // LLaMA 3's template: <|begin_of_text|>, content + 5 per message, the assistant header (4).
      expect(response.prompt_eval_count).toBe(templateTokens(messages));
      expectStats(response);
    });

    it('streams one word per chunk and ends with a done chunk carrying the stats', async () => {
      const stream = await ollama.chat({ model: MODEL, messages: user('stream please'), stream: true });
      const chunks: ChatResponse[] = [];
      for await (const chunk of stream) chunks.push(chunk);

      expect(chunks).toHaveLength(13);
      const words = chunks.slice(0, -1);
      for (const chunk of words) {
        expect(chunk.done).toBe(false);
        expect(chunk.model).toBe(MODEL);
        expect(chunk.message.role).toBe('assistant');
        expect(new Date(chunk.created_at).getTime()).not.toBeNaN();
      }
      expect(words[0].message.content).toMatch(/^[a-z]+$/);
      for (const chunk of words.slice(1)) expect(chunk.message.content).toMatch(/^ [a-z]+$/);

      const final = chunks[chunks.length - 1];
      expect(final.done).toBe(true);
      expect(final.done_reason).toBe('stop');
      expect(final.message).toEqual({ role: 'assistant', content: '' });
      expect(final.eval_count).toBe(12);
      expectStats(final);

      const whole = await ollama.chat({ model: MODEL, messages: user('stream please'), stream: false });
      expect(words.map((c) => c.message.content).join('')).toBe(whole.message.content);
    });

    it('streams NDJSON by default, like Ollama, when "stream" is omitted', async () => {
      const res = await fetch(`${url}/api/chat`, {
        method: 'POST',
        body: JSON.stringify({ model: MODEL, messages: user('raw') }),
      });
      expect(res.headers.get('content-type')).toBe('application/x-ndjson');
      const lines = (await res.text()).trim().split('\n').map((line) => JSON.parse(line) as ChatResponse);
      expect(lines).toHaveLength(13);
      expect(lines[12].done).toBe(true);
    });

    it('is deterministic for the same model and messages', async () => {
      const ask = (model: string, content: string) =>
        ollama.chat({ model, messages: user(content), stream: false }).then((r) => r.message.content);
      const first = await ask(MODEL, 'What is the capital of France?');
      expect(await ask(MODEL, 'What is the capital of France?')).toBe(first);
      expect(await ask(MODEL, 'What is the capital of Spain?')).not.toBe(first);
      expect(await ask('llama3.1:8b', 'What is the capital of France?')).not.toBe(first);
    });

    it('rejects an unknown model with Ollama\'s 404 message', async () => {
      await expect(ollama.chat({ model: 'nope:1b', messages: user('hi') })).rejects.toMatchObject({
        status_code: 404,
        message: 'model "nope:1b" not found, try pulling it first',
      });
    });

    it('answers a chat without messages with a "load" response', async () => {
      const response = await ollama.chat({ model: MODEL, messages: [], stream: false });
      expect(response).toMatchObject({ done: true, done_reason: 'load', message: { content: '' } });
    });

    it('rejects malformed bodies with 400', async () => {
      const malformed = await postRaw(url, '/api/chat', '{"model":');
      expect(malformed.status).toBe(400);
      expect(malformed.json).toEqual({ error: expect.stringContaining('invalid JSON') });

      const noModel = await postRaw(url, '/api/chat', JSON.stringify({ messages: user('hi') }));
      expect(noModel).toEqual({ status: 400, json: { error: 'model is required' } });

      const badMessages = await postRaw(url, '/api/chat', JSON.stringify({ model: MODEL, messages: 'hi' }));
      expect(badMessages.status).toBe(400);
      expect(badMessages.json).toEqual({ error: expect.stringContaining('messages') });
      expect(sim.receivedRequests()).toHaveLength(0);
    });

    it('replies with a parseable JSON object when format is "json"', async () => {
      const response = await ollama.chat({ model: MODEL, messages: user('json please'), format: 'json', stream: false });
      const parsed = JSON.parse(response.message.content) as { answer: string };
      expect(parsed.answer).toMatch(/^[a-z]+( [a-z]+)*$/);

      const stream = await ollama.chat({ model: MODEL, messages: user('json please'), format: 'json', stream: true });
      const parts: string[] = [];
      for await (const chunk of stream) if (!chunk.done) parts.push(chunk.message.content);
      expect(parts.length).toBeGreaterThan(1);
      expect(JSON.parse(parts.join(''))).toEqual(parsed);
    });

    it('fills the properties of a JSON schema format', async () => {
      const format = {
        type: 'object',
        properties: { title: { type: 'string' }, score: { type: 'integer' }, ok: { type: 'boolean' } },
      };
      const response = await ollama.chat({ model: MODEL, messages: user('schema'), format, stream: false });
      const parsed = JSON.parse(response.message.content) as Record<string, unknown>;
      expect(typeof parsed.title).toBe('string');
      expect(Number.isInteger(parsed.score)).toBe(true);
      expect(typeof parsed.ok).toBe('boolean');
    });

    it('stops at options.num_predict with done_reason "length"', async () => {
      const response = await ollama.chat({
        model: MODEL,
        messages: user('long answer'),
        options: { num_predict: 4 },
        stream: false,
      });
      expect(response.eval_count).toBe(4);
      expect(response.done_reason).toBe('length');
      expect(response.message.content.split(' ')).toHaveLength(4);
    });

    it('caps prompt_eval_count at options.num_ctx, as Ollama truncates the prompt', async () => {
      const long = 'lorem ipsum dolor sit amet '.repeat(150);
      const full = await ollama.chat({ model: MODEL, messages: user(long), stream: false });
      expect(full.prompt_eval_count).toBe(templateTokens(user(long)));
      expect(full.prompt_eval_count).toBeGreaterThan(512);
      const capped = await ollama.chat({ model: MODEL, messages: user(long), options: { num_ctx: 512 }, stream: false });
      expect(capped.prompt_eval_count).toBe(512);
    });

    it('uses replyTokens, firstTokenLatencyMs and tokensPerSecond set at run time', async () => {
      sim.setOptions({ replyTokens: 5, firstTokenLatencyMs: 60, tokensPerSecond: 100 });
      const started = Date.now();
      const stream = await ollama.chat({ model: MODEL, messages: user('slow'), stream: true });
      const arrivals: number[] = [];
      for await (const chunk of stream) if (!chunk.done) arrivals.push(Date.now() - started);

      expect(arrivals).toHaveLength(5);
      expect(arrivals[0]).toBeGreaterThanOrEqual(55);
      // Four gaps of 10 ms after the first token.
      expect(arrivals[4] - arrivals[0]).toBeGreaterThanOrEqual(35);
    });
  });

  describe('per-request directives', () => {
    it('[[sim:error=503]] answers with that status', async () => {
      await expect(ollama.chat({ model: MODEL, messages: user('boom [[sim:error=503]]') })).rejects.toMatchObject({
        status_code: 503,
        message: 'simulated failure',
      });
      // Only the last user message counts.
      const fine = await ollama.chat({
        model: MODEL,
        messages: [...user('[[sim:error=503]]'), { role: 'assistant', content: 'ok' }, ...user('again')],
      });
      expect(fine.done).toBe(true);
    });

    it('[[sim:tokens=N]] sets the reply length', async () => {
      const response = await ollama.chat({ model: MODEL, messages: user('[[sim:tokens=3]] short'), stream: false });
      expect(response.eval_count).toBe(3);
      expect(response.message.content.split(' ')).toHaveLength(3);
    });

    it('[[sim:latency=MS]] delays the first token of that request only', async () => {
      const started = Date.now();
      const slow = await ollama.chat({ model: MODEL, messages: user('[[sim:latency=250]]'), stream: false });
      expect(Date.now() - started).toBeGreaterThanOrEqual(245);
      expect(slow.prompt_eval_duration).toBeGreaterThanOrEqual(245e6);

      const quickStart = Date.now();
      await ollama.chat({ model: MODEL, messages: user('no delay'), stream: false });
      expect(Date.now() - quickStart).toBeLessThan(245);
    });

    it('[[sim:cut=3]] streams three chunks then drops the connection', async () => {
      const stream = await ollama.chat({ model: MODEL, messages: user('[[sim:cut=3]]'), stream: true });
      const received: string[] = [];
      await expect(
        (async () => {
          for await (const chunk of stream) received.push(chunk.message.content);
        })(),
      ).rejects.toThrow();
      expect(received).toHaveLength(3);
      expect(sim.abortedCount()).toBe(0);
    });

    it('[[sim:cut=3]] on a non-streamed request drops the connection without an answer', async () => {
      await expect(ollama.chat({ model: MODEL, messages: user('[[sim:cut=3]]'), stream: false })).rejects.toThrow();
    });

    it('[[sim:hang]] never answers until the client gives up', async () => {
      const before = sim.abortedCount();
      const client = clientWithTimeout(url, 200);
      const started = Date.now();
      await expect(client.chat({ model: MODEL, messages: user('[[sim:hang]]'), stream: false })).rejects.toThrow();
      expect(Date.now() - started).toBeGreaterThanOrEqual(190);
      await waitFor(() => sim.abortedCount() === before + 1);
      expect(sim.activeCount()).toBe(0);
    });

    it('[[sim:echo]] returns exactly what was received', async () => {
      const messages: Message[] = [
        { role: 'system', content: 'sys "quoted"' },
        { role: 'user', content: 'héllo\n[[sim:echo]]' },
      ];
      const options = { temperature: 0.2, num_ctx: 8192 };
      const response = await ollama.chat({ model: MODEL, messages, options, format: 'json', stream: false });
      expect(response.message.content).toBe(JSON.stringify({ messages, options, format: 'json' }));
      expect(response.eval_count).toBe(1);

      const stream = await ollama.chat({ model: MODEL, messages: user('[[sim:echo]]'), stream: true });
      const chunks: ChatResponse[] = [];
      for await (const chunk of stream) chunks.push(chunk);
      expect(chunks).toHaveLength(2);
      expect(JSON.parse(chunks[0].message.content)).toEqual({ messages: user('[[sim:echo]]') });
    });
  });

  describe('server-level failures', () => {
    it('mode "error" fails every chat with the configured status', async () => {
      sim.setOptions({ failure: { mode: 'error', status: 500 } });
      await expect(ollama.chat({ model: MODEL, messages: user('a') })).rejects.toMatchObject({ status_code: 500 });
      await expect(ollama.chat({ model: MODEL, messages: user('b') })).rejects.toMatchObject({ status_code: 500 });
      expect(await ollama.list()).toHaveProperty('models');

      sim.setOptions({ failure: undefined });
      expect((await ollama.chat({ model: MODEL, messages: user('a') })).done).toBe(true);
    });

    it('mode "cut" drops every stream after the configured number of tokens', async () => {
      sim.setOptions({ failure: { mode: 'cut', afterTokens: 2 }, tokensPerSecond: 200 });
      const stream = await ollama.chat({ model: MODEL, messages: user('cut me'), stream: true });
      const received: string[] = [];
      await expect(
        (async () => {
          for await (const chunk of stream) received.push(chunk.message.content);
        })(),
      ).rejects.toThrow();
      expect(received).toHaveLength(2);
    });

    it('mode "hang" holds every chat open', async () => {
      sim.setOptions({ failure: { mode: 'hang' } });
      const before = sim.abortedCount();
      const client = clientWithTimeout(url, 150);
      await expect(client.chat({ model: MODEL, messages: user('x'), stream: true })).rejects.toThrow();
      await waitFor(() => sim.abortedCount() === before + 1);
    });
  });

  describe('client disconnects', () => {
    it('stops generating when a stream is aborted through the iterator', async () => {
      sim.setOptions({ replyTokens: 200, tokensPerSecond: 50 });
      const before = sim.abortedCount();
      const stream = await ollama.chat({ model: MODEL, messages: user('long story'), stream: true });
      const received: string[] = [];
      await expect(
        (async () => {
          for await (const chunk of stream) {
            received.push(chunk.message.content);
            if (received.length === 2) stream.abort();
          }
        })(),
      ).rejects.toThrow();
      expect(received).toHaveLength(2);
      await waitFor(() => sim.abortedCount() === before + 1);
      expect(sim.activeCount()).toBe(0);
    });
  });

  describe('request recording', () => {
    it('keeps the chat bodies, newest last, and exposes them over HTTP', async () => {
      await ollama.chat({ model: MODEL, messages: user('first'), options: { num_ctx: 4096 }, keep_alive: '5m' });
      await ollama.chat({ model: MODEL, messages: user('second'), stream: true }).then(async (s) => {
        for await (const chunk of s) void chunk;
      });
      const records = sim.receivedRequests();
      expect(records.map((r) => r.messages?.[0].content)).toEqual(['first', 'second']);
      expect(records[0]).toMatchObject({ model: MODEL, options: { num_ctx: 4096 }, keep_alive: '5m', stream: false });

      const overHttp = (await (await fetch(`${url}/_simulator/requests`)).json()) as ChatRequestRecord[];
      expect(overHttp).toEqual(records);

      const cleared = await fetch(`${url}/_simulator/requests`, { method: 'DELETE' });
      expect(cleared.status).toBe(204);
      expect(sim.receivedRequests()).toEqual([]);
    });

    it('keeps only the last 100 requests', async () => {
      for (let i = 0; i < 105; i++) await ollama.chat({ model: MODEL, messages: user(`n${i}`) });
      const records = sim.receivedRequests();
      expect(records).toHaveLength(100);
      expect(records[0].messages?.[0].content).toBe('n5');
      expect(records[99].messages?.[0].content).toBe('n104');
      sim.clearReceived();
      expect(sim.receivedRequests()).toHaveLength(0);
    });
  });

  it('handles many concurrent requests', async () => {
    const replies = await Promise.all(
      Array.from({ length: 200 }, (_, i) => ollama.chat({ model: MODEL, messages: user(`q${i % 10}`) })),
    );
    expect(replies.every((r) => r.done && r.eval_count === 12)).toBe(true);
    expect(new Set(replies.map((r) => r.message.content)).size).toBe(10);
  });
});

describe('OllamaSimulator lifecycle', () => {
  it('stop() closes hung connections and frees the port', async () => {
    const sim = new OllamaSimulator({ failure: { mode: 'hang' } });
    const url = await sim.start();
    const pending = new Ollama({ host: url }).chat({ model: MODEL, messages: user('wait'), stream: false });
    await waitFor(() => sim.activeCount() === 1);

    const started = Date.now();
    await sim.stop();
    expect(Date.now() - started).toBeLessThan(1000);
    await expect(pending).rejects.toThrow();
    expect(sim.activeCount()).toBe(0);
    expect(() => sim.url).toThrow();
    await expect(fetch(url)).rejects.toThrow();
  });

  it('stop() also cancels replies in progress', async () => {
    const sim = new OllamaSimulator({ firstTokenLatencyMs: 10_000 });
    const url = await sim.start();
    const pending = new Ollama({ host: url }).chat({ model: MODEL, messages: user('wait'), stream: false });
    await waitFor(() => sim.activeCount() === 1);
    await sim.stop();
    await expect(pending).rejects.toThrow();
    expect(sim.activeCount()).toBe(0);
    expect(sim.abortedCount()).toBe(0);
  });
});

describe('simulator CLI arguments', () => {
  it('parses every flag', () => {
    expect(
      parseCliArgs([
        '--port', '11500', '--host', '0.0.0.0', '--latency-ms', '20',
        '--tokens-per-second', '50', '--reply-tokens', '7', '--fail', 'cut:3',
      ]),
    ).toEqual({
      port: 11500,
      host: '0.0.0.0',
      options: { firstTokenLatencyMs: 20, tokensPerSecond: 50, replyTokens: 7, failure: { mode: 'cut', afterTokens: 3 } },
    });
  });

  it('defaults to Ollama\'s port and address', () => {
    expect(parseCliArgs([])).toMatchObject({ port: 11434, host: '127.0.0.1' });
  });

  it('parses failure modes and rejects bad values', () => {
    expect(parseFailure('error:503')).toEqual({ mode: 'error', status: 503 });
    expect(parseFailure('hang')).toEqual({ mode: 'hang' });
    expect(() => parseFailure('error:abc')).toThrow(/--fail/);
    expect(() => parseFailure('explode')).toThrow(/--fail/);
    expect(() => parseCliArgs(['--port', '-1'])).toThrow(/--port/);
    expect(() => parseCliArgs(['--bogus'])).toThrow();
  });
});
