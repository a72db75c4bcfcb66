import OpenAI, { APIConnectionError, APIError } from 'openai';
import { Ollama } from 'ollama';
import { DEFAULT_SIMULATED_MODELS, OllamaSimulator } from '../../src/llm/simulator/ollama-simulator.js';
import { parseCliArgs } from '../../src/llm/simulator/simulator.cli.js';
import llama3Tokenizer from 'llama3-tokenizer-js';

/** The prompt's tokens under LLaMA 3's chat template, counted by the reference tokenizer. */
const templateTokens = (messages: Array<{ content: string }>): number =>
  5 + messages.reduce((sum, m) => sum + llama3Tokenizer.encode(m.content, { bos: false, eos: false }).length + 5, 0);

const MODEL = 'llama3.2:1b';
type Messages = OpenAI.ChatCompletionMessageParam[];

function user(content: string): Messages {
  return [{ role: 'user', content }];
}

async function waitFor(condition: () => boolean, timeoutMs = 2000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

async function collect(stream: AsyncIterable<OpenAI.ChatCompletionChunk>): Promise<OpenAI.ChatCompletionChunk[]> {
  const chunks: OpenAI.ChatCompletionChunk[] = [];
  for await (const chunk of stream) chunks.push(chunk);
  return chunks;
}

const text = (chunks: OpenAI.ChatCompletionChunk[]) => chunks.map((c) => c.choices[0]?.delta.content ?? '').join('');

async function postRaw(url: string, body: string, headers: Record<string, string> = {}) {
  const res = await fetch(`${url}/v1/chat/completions`, { method: 'POST', body, headers: { 'content-type': 'application/json', ...headers } });
  return { status: res.status, headers: res.headers, text: await res.text() };
}

describe('OllamaSimulator’s OpenAI-compatible API (through the official openai client)', () => {
  const sim = new OllamaSimulator();
  let url: string;
  let openai: OpenAI;

  beforeAll(async () => {
    url = await sim.start();
    openai = new OpenAI({ baseURL: `${url}/v1`, apiKey: 'unused', maxRetries: 0 });
  });
  afterAll(() => sim.stop());
  afterEach(() => {
    sim.setOptions({ firstTokenLatencyMs: 0, tokensPerSecond: 0, replyTokens: 12, failure: undefined });
    sim.clearReceived();
  });

  it('lists the models in OpenAI’s list shape, with vLLM’s max_model_len', async () => {
    const models: OpenAI.Model[] = [];
    for await (const model of openai.models.list()) models.push(model);
    expect(models.map((m) => m.id)).toEqual(DEFAULT_SIMULATED_MODELS.map((m) => m.name));
    expect(models[0]).toEqual({ id: MODEL, object: 'model', created: expect.any(Number), owned_by: 'simulator', max_model_len: 131072 });
  });

  it('answers a completion, not streamed, with usage and the same deterministic reply as the Ollama API', async () => {
    const messages: Messages = [
      { role: 'system', content: 'You are terse.' },
      { role: 'user', content: 'Tell me something about rivers.' },
    ];
    const completion = await openai.chat.completions.create({ model: MODEL, messages });
    expect(completion).toMatchObject({ object: 'chat.completion', model: MODEL, id: expect.stringMatching(/^chatcmpl-/) });
    expect(completion.choices).toEqual([
      { index: 0, message: { role: 'assistant', content: expect.stringMatching(/^[a-z]+( [a-z]+){11}$/), refusal: null }, logprobs: null, finish_reason: 'stop' },
    ]);
    // LLaMA 3's template, as on the Ollama API
    const prompt = templateTokens(messages as Array<{ content: string }>);
    expect(completion.usage).toEqual({ prompt_tokens: prompt, completion_tokens: 12, total_tokens: prompt + 12 });
    const viaOllama = await new Ollama({ host: url }).chat({ model: MODEL, messages: messages as never, stream: false });
    expect(completion.choices[0]!.message.content).toBe(viaOllama.message.content);
    expect(sim.receivedRequests().at(0)).toMatchObject({ model: MODEL, messages });
  });

  it('streams chat.completion.chunk events: the role, one word per chunk, the finish reason, usage on request, [DONE]', async () => {
    const chunks = await collect(
      await openai.chat.completions.create({ model: MODEL, messages: user('stream please'), stream: true, stream_options: { include_usage: true } }),
    );
    expect(chunks.every((c) => c.object === 'chat.completion.chunk' && c.id === chunks[0]!.id)).toBe(true);
    expect(chunks[0]!.choices[0]!.delta).toEqual({ role: 'assistant', content: '' });
    const words = chunks.slice(1, 13).map((c) => c.choices[0]!.delta.content);
    expect(words).toHaveLength(12);
    expect(words[0]).toMatch(/^[a-z]+$/);
    for (const word of words.slice(1)) expect(word).toMatch(/^ [a-z]+$/);
    expect(chunks[13]!.choices[0]).toMatchObject({ delta: {}, finish_reason: 'stop' });
    const prompt = templateTokens(user('stream please') as Array<{ content: string }>);
    expect(chunks[14]).toMatchObject({ choices: [], usage: { prompt_tokens: prompt, completion_tokens: 12, total_tokens: prompt + 12 } });
    expect(chunks.slice(0, 14).every((c) => c.usage === null)).toBe(true);
    expect(chunks).toHaveLength(15);
    const whole = await openai.chat.completions.create({ model: MODEL, messages: user('stream please') });
    expect(text(chunks)).toBe(whole.choices[0]!.message.content);

    const raw = await postRaw(url, JSON.stringify({ model: MODEL, messages: user('stream please'), stream: true }));
    expect(raw.headers.get('content-type')).toContain('text/event-stream');
    expect(raw.text.endsWith('data: [DONE]\n\n')).toBe(true);
    expect(raw.text).not.toContain('"usage"');
  });

  it('answers JSON for response_format json_object and fills a json_schema', async () => {
    const json = await openai.chat.completions.create({ model: MODEL, messages: user('json please'), response_format: { type: 'json_object' } });
    expect(JSON.parse(json.choices[0]!.message.content!)).toEqual({ answer: expect.stringMatching(/^[a-z]+( [a-z]+)*$/) });
    const schema = await openai.chat.completions.create({
      model: MODEL,
      messages: user('schema'),
      response_format: {
        type: 'json_schema',
        json_schema: { name: 'review', schema: { type: 'object', properties: { title: { type: 'string' }, score: { type: 'integer' } } } },
      },
    });
    const parsed = JSON.parse(schema.choices[0]!.message.content!) as Record<string, unknown>;
    expect(typeof parsed.title).toBe('string');
    expect(Number.isInteger(parsed.score)).toBe(true);
  });

  it('stops at max_tokens (or max_completion_tokens) with finish_reason "length"', async () => {
    const short = await openai.chat.completions.create({ model: MODEL, messages: user('long answer'), max_tokens: 4 });
    expect(short.choices[0]!.finish_reason).toBe('length');
    expect(short.usage!.completion_tokens).toBe(4);
    const newer = await openai.chat.completions.create({ model: MODEL, messages: user('long answer'), max_completion_tokens: 2 });
    expect(newer.choices[0]!.message.content!.split(' ')).toHaveLength(2);
  });

  it('takes content as an array of text parts', async () => {
    const completion = await openai.chat.completions.create({
      model: MODEL,
      messages: [{ role: 'user', content: [{ type: 'text', text: 'part one ' }, { type: 'text', text: '[[sim:tokens=2]]' }] }],
    });
    expect(completion.usage!.completion_tokens).toBe(2);
  });

  it('refuses, in OpenAI’s error shape, an unknown model, a malformed body and a prompt longer than the window', async () => {
    await expect(openai.chat.completions.create({ model: 'gpt-17', messages: user('hi') })).rejects.toMatchObject({
      status: 404,
      code: 'model_not_found',
      type: 'invalid_request_error',
    });
    const malformed = await postRaw(url, '{"model":');
    expect(malformed.status).toBe(400);
    expect(JSON.parse(malformed.text)).toEqual({ error: { message: expect.stringContaining('invalid JSON'), type: 'invalid_request_error', param: null, code: null } });
    const noMessages = await postRaw(url, JSON.stringify({ model: MODEL }));
    expect(noMessages.status).toBe(400);
    expect(JSON.parse(noMessages.text).error.message).toContain('messages');
    const unknownRoute = await fetch(`${url}/v1/embeddings`, { method: 'POST', body: '{}' });
    expect(unknownRoute.status).toBe(404);
    expect(((await unknownRoute.json()) as { error: { code: string } }).error.code).toBe('unknown_url');

    const tiny = new OllamaSimulator({ models: [{ name: 'tiny', contextLength: 16 }] });
    const client = new OpenAI({ baseURL: `${await tiny.start()}/v1`, apiKey: 'unused', maxRetries: 0 });
    try {
      await expect(client.chat.completions.create({ model: 'tiny', messages: user('x'.repeat(100)) })).rejects.toMatchObject({
        status: 400,
        code: 'context_length_exceeded',
      });
      expect((await client.chat.completions.create({ model: 'tiny', messages: user('short') })).choices[0]!.finish_reason).toBe('stop');
    } finally {
      await tiny.stop();
    }
  });

  describe('directives and failures', () => {
    it('[[sim:error=N]] answers that status in OpenAI’s error shape', async () => {
      const failed = await openai.chat.completions.create({ model: MODEL, messages: user('boom [[sim:error=503]]') }).catch((e: unknown) => e);
      expect(failed).toBeInstanceOf(APIError);
      expect(failed).toMatchObject({ status: 503, type: 'server_error', code: null, message: expect.stringContaining('simulated failure') });
      const raw = await postRaw(url, JSON.stringify({ model: MODEL, messages: user('x [[sim:error=429]]') }));
      expect(raw.status).toBe(429);
      expect(JSON.parse(raw.text)).toEqual({ error: { message: 'simulated failure', type: 'rate_limit_error', param: null, code: 'rate_limit_exceeded' } });
    });

    it('[[sim:tokens=N]], [[sim:latency=MS]] and tokensPerSecond shape the stream', async () => {
      const three = await openai.chat.completions.create({ model: MODEL, messages: user('[[sim:tokens=3]] short') });
      expect(three.usage!.completion_tokens).toBe(3);

      sim.setOptions({ tokensPerSecond: 100 });
      const started = Date.now();
      const arrivals: number[] = [];
      const stream = await openai.chat.completions.create({ model: MODEL, messages: user('[[sim:latency=150]] [[sim:tokens=5]]'), stream: true });
      for await (const chunk of stream) if (chunk.choices[0]?.delta.content) arrivals.push(Date.now() - started);
      expect(arrivals).toHaveLength(5);
      expect(arrivals[0]).toBeGreaterThanOrEqual(145);
      expect(arrivals[4]! - arrivals[0]!).toBeGreaterThanOrEqual(35);
    });

    it('[[sim:cut=3]] streams three words then drops the connection, without a finish reason or [DONE]', async () => {
      const stream = await openai.chat.completions.create({ model: MODEL, messages: user('[[sim:cut=3]]'), stream: true });
      const received: OpenAI.ChatCompletionChunk[] = [];
      await expect(
        (async () => {
          for await (const chunk of stream) received.push(chunk);
        })(),
      ).rejects.toThrow();
      expect(received.filter((c) => c.choices[0]?.delta.content)).toHaveLength(3);
      expect(received.some((c) => c.choices[0]?.finish_reason)).toBe(false);
      expect(sim.abortedCount()).toBe(0);
    });

    it('[[sim:hang]] never answers until the client gives up', async () => {
      const before = sim.abortedCount();
      const started = Date.now();
      await expect(openai.chat.completions.create({ model: MODEL, messages: user('[[sim:hang]]') }, { timeout: 200 })).rejects.toBeInstanceOf(
        APIConnectionError, // a timeout (Jest's VM realm keeps the client from telling which kind)
      );
      expect(Date.now() - started).toBeGreaterThanOrEqual(190);
      await waitFor(() => sim.abortedCount() === before + 1);
      expect(sim.activeCount()).toBe(0);
    });

    it('[[sim:echo]] answers with the request body exactly as received', async () => {
      const request = { model: MODEL, messages: user('héllo "quoted"\n[[sim:echo]]'), temperature: 0.2, response_format: { type: 'json_object' as const } };
      const completion = await openai.chat.completions.create(request);
      expect(JSON.parse(completion.choices[0]!.message.content!)).toEqual(request);
      expect(completion.usage!.completion_tokens).toBe(1);
    });

    it('[[sim:flaky=N]] fails the first N identical requests with 503, then answers', async () => {
      const ask = () => openai.chat.completions.create({ model: MODEL, messages: user('once more [[sim:flaky=2]]') });
      await expect(ask()).rejects.toMatchObject({ status: 503 });
      await expect(ask()).rejects.toMatchObject({ status: 503 });
      expect((await ask()).choices[0]!.finish_reason).toBe('stop');
      expect(sim.receivedRequests()).toHaveLength(3);
    });

    it('applies the server-level failure modes to this API too', async () => {
      sim.setOptions({ failure: { mode: 'error', status: 500 } });
      await expect(openai.chat.completions.create({ model: MODEL, messages: user('a') })).rejects.toMatchObject({ status: 500, type: 'server_error' });
      expect((await openai.models.list()).data).toHaveLength(DEFAULT_SIMULATED_MODELS.length);

      sim.setOptions({ failure: { mode: 'cut', afterTokens: 2 }, tokensPerSecond: 200 });
      const stream = await openai.chat.completions.create({ model: MODEL, messages: user('cut me'), stream: true });
      const received: string[] = [];
      await expect(
        (async () => {
          for await (const chunk of stream) if (chunk.choices[0]?.delta.content) received.push(chunk.choices[0].delta.content);
        })(),
      ).rejects.toThrow();
      expect(received).toHaveLength(2);

      sim.setOptions({ failure: { mode: 'hang' }, tokensPerSecond: 0 });
      const before = sim.abortedCount();
      await expect(openai.chat.completions.create({ model: MODEL, messages: user('x'), stream: true }, { timeout: 150 })).rejects.toThrow();
      await waitFor(() => sim.abortedCount() === before + 1);
    });

    it('stops generating when the client aborts a stream', async () => {
      sim.setOptions({ replyTokens: 200, tokensPerSecond: 50 });
      const before = sim.abortedCount();
      const controller = new AbortController();
      const stream = await openai.chat.completions.create({ model: MODEL, messages: user('long story'), stream: true }, { signal: controller.signal });
      let words = 0;
      for await (const chunk of stream) {
        if (chunk.choices[0]?.delta.content) words++;
        if (words === 2) controller.abort();
      }
      expect(words).toBe(2);
      await waitFor(() => sim.abortedCount() === before + 1);
      expect(sim.activeCount()).toBe(0);
    });
  });

  it('asks for the bearer key when one is configured, as OpenAI does', async () => {
    const guarded = new OllamaSimulator({ apiKey: 'sim-key' });
    const base = `${await guarded.start()}/v1`;
    try {
      const wrong = new OpenAI({ baseURL: base, apiKey: 'nope', maxRetries: 0 });
      await expect(wrong.chat.completions.create({ model: MODEL, messages: user('hi') })).rejects.toMatchObject({ status: 401, code: 'invalid_api_key' });
      await expect(wrong.models.list()).rejects.toMatchObject({ status: 401 });
      const right = new OpenAI({ baseURL: base, apiKey: 'sim-key', maxRetries: 0 });
      expect((await right.chat.completions.create({ model: MODEL, messages: user('hi') })).choices[0]!.finish_reason).toBe('stop');
      // The Ollama API is not guarded.
      expect((await new Ollama({ host: guarded.url }).list()).models).toHaveLength(DEFAULT_SIMULATED_MODELS.length);
    } finally {
      await guarded.stop();
    }
  });

  it('takes --api-key on the command line', () => {
    expect(parseCliArgs(['--api-key', 'k1']).options.apiKey).toBe('k1');
    expect(parseCliArgs([]).options).not.toHaveProperty('apiKey');
  });
});
