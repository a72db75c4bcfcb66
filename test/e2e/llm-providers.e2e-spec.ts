import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ChatEvent, ChatProvider } from '../../src/llm/domain/chat-provider.js';
import { ModelCallError } from '../../src/llm/domain/model-failure.js';
import { OllamaSimulator } from '../../src/llm/simulator/ollama-simulator.js';
import { GuardedProvider, type Deadlines } from '../../src/llm/service/guarded.provider.js';
import { OllamaProvider } from '../../src/llm/service/ollama.provider.js';
import { OpenAICompatibleProvider } from '../../src/llm/service/openai-compatible.provider.js';

const MODEL = 'llama3.2:1b';

async function run(provider: ChatProvider, content: string, options: { signal?: AbortSignal; format?: 'json' } = {}) {
  const events: ChatEvent[] = [];
  try {
    for await (const event of provider.stream({
      model: MODEL,
      messages: [{ role: 'user', content }],
      numCtx: 8192,
      format: options.format,
      signal: options.signal ?? new AbortController().signal,
    })) {
      events.push(event);
    }
    return { events, error: null as unknown, text: joined(events) };
  } catch (error) {
    return { events, error, text: joined(events) };
  }
}

const joined = (events: ChatEvent[]) => events.map((e) => (e.type === 'delta' ? e.text : '')).join('');

async function waitFor(condition: () => boolean, timeoutMs = 2000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

async function closedPort(): Promise<number> {
  return new Promise((resolve) => {
    const server = http.createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

describe('model providers against the simulator over real HTTP', () => {
  const sim = new OllamaSimulator();
  let url: string;
  let openai: OpenAICompatibleProvider;
  let ollama: OllamaProvider;
  const requestsFor = (marker: string) => sim.receivedRequests().filter((r) => JSON.stringify(r.messages).includes(marker));

  beforeAll(async () => {
    url = await sim.start();
    openai = new OpenAICompatibleProvider({ baseUrl: `${url}/v1`, requestTimeoutMs: 10_000 });
    ollama = new OllamaProvider(url);
  });
  afterAll(() => sim.stop());
  afterEach(() => sim.setOptions({ failure: undefined, tokensPerSecond: 0, firstTokenLatencyMs: 0, replyTokens: 12 }));

  describe('OpenAICompatibleProvider', () => {
    it('streams the answer and reports the server’s token counts', async () => {
      const { events, error, text } = await run(openai, 'Tell me about rivers');
      expect(error).toBeNull();
      expect(events.filter((e) => e.type === 'delta')).toHaveLength(12);
      // The simulator counts as Ollama does: LLaMA 3 tokens under its chat template (4 tokens + 5, + 5).
      expect(events.at(-1)).toEqual({ type: 'done', promptTokens: 14, completionTokens: 12, doneReason: 'stop' });
      expect(text.split(' ')).toHaveLength(12);
      // The same deterministic reply as through Ollama's API.
      expect(text).toBe((await run(ollama, 'Tell me about rivers')).text);
    });

    it('asks for usage in the stream, JSON as response_format, and never caps the answer with max_tokens', async () => {
      const { text } = await run(openai, 'json [[sim:echo]]', { format: 'json' });
      const sent = JSON.parse(text) as Record<string, unknown>;
      expect(sent).toMatchObject({ model: MODEL, stream: true, stream_options: { include_usage: true }, response_format: { type: 'json_object' } });
      expect(sent).not.toHaveProperty('max_tokens');
      expect(sent).not.toHaveProperty('max_completion_tokens');
      const plain = JSON.parse((await run(openai, 'plain [[sim:echo]]')).text) as Record<string, unknown>;
      expect(plain).not.toHaveProperty('response_format');
    });

    it('reads the context length from vLLM’s max_model_len, and answers pings', async () => {
      await expect(openai.contextLength(MODEL)).resolves.toBe(131072);
      await expect(openai.contextLength('not-served')).resolves.toBeNull();
      await expect(openai.ping()).resolves.toBeUndefined();
      const nowhere = new OpenAICompatibleProvider({ baseUrl: `http://127.0.0.1:${await closedPort()}/v1`, requestTimeoutMs: 1000 });
      await expect(nowhere.ping()).rejects.toThrow();
    });

    it('sends the key as a bearer token when it has one, and no Authorization header when it has none', async () => {
      const seen: Array<string | undefined> = [];
      const server = http.createServer((req, res) => {
        seen.push(req.headers.authorization);
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"object":"list","data":[]}');
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
      try {
        await new OpenAICompatibleProvider({ baseUrl: base, requestTimeoutMs: 1000 }).ping();
        await new OpenAICompatibleProvider({ baseUrl: base, apiKey: 'sk-test', requestTimeoutMs: 1000 }).ping();
        expect(seen).toEqual([undefined, 'Bearer sk-test']);
      } finally {
        await new Promise((resolve) => server.close(resolve));
      }
    });

    it('translates failures like the Ollama provider does, marking which ones are worth sending again', async () => {
      const cases: Array<[string, string, boolean]> = [
        ['[[sim:error=503]]', 'LLM_UNAVAILABLE', true],
        ['[[sim:error=429]]', 'LLM_UNAVAILABLE', true],
        ['[[sim:error=500]]', 'LLM_ERROR', true],
        ['[[sim:error=400]]', 'LLM_ERROR', false],
        ['[[sim:cut=3]]', 'LLM_ERROR', true],
      ];
      for (const [directive, code, transient] of cases) {
        for (const provider of [openai, ollama]) {
          const { error } = await run(provider, `x ${directive}`);
          expect([directive, error instanceof ModelCallError, (error as ModelCallError).code, (error as ModelCallError).transient]).toEqual([
            directive,
            true,
            code,
            transient,
          ]);
        }
      }
      const cut = await run(openai, 'y [[sim:cut=3]]');
      expect(cut.events).toHaveLength(3);
      const nowhere = new OpenAICompatibleProvider({ baseUrl: `http://127.0.0.1:${await closedPort()}/v1`, requestTimeoutMs: 1000 });
      expect((await run(nowhere, 'anyone?')).error).toMatchObject({ code: 'LLM_UNAVAILABLE', transient: true });
    });

    it('refuses with LLM_ERROR, not retryable, when the server wants a key it was not given', async () => {
      const guarded = new OllamaSimulator({ apiKey: 'right' });
      const base = `${await guarded.start()}/v1`;
      try {
        const { error } = await run(new OpenAICompatibleProvider({ baseUrl: base, apiKey: 'wrong', requestTimeoutMs: 1000 }), 'hi');
        expect(error).toMatchObject({ code: 'LLM_ERROR', transient: false, message: expect.stringContaining('401') });
        expect((await run(new OpenAICompatibleProvider({ baseUrl: base, apiKey: 'right', requestTimeoutMs: 1000 }), 'hi')).error).toBeNull();
      } finally {
        await guarded.stop();
      }
    });

    it('stops the server’s generation when the caller aborts, without calling it a failure', async () => {
      sim.setOptions({ replyTokens: 200, tokensPerSecond: 50 });
      const before = sim.abortedCount();
      const controller = new AbortController();
      const events: ChatEvent[] = [];
      for await (const event of openai.stream({ model: MODEL, messages: [{ role: 'user', content: 'long' }], signal: controller.signal })) {
        events.push(event);
        if (events.length === 2) controller.abort();
      }
      expect(events).toHaveLength(2);
      await waitFor(() => sim.abortedCount() === before + 1);
      expect(sim.activeCount()).toBe(0);
    });
  });

  /** Deadlines only (no retries), as the turn's provider applies them. */
  const withDeadlines = (bare: ChatProvider, deadlines: Deadlines) => new GuardedProvider(bare, { deadlines, retry: { retries: 0, baseDelayMs: 0 } });

  describe('deadlines (first token, whole answer), for both providers', () => {
    it('gives up with LLM_TIMEOUT when no token comes in time, and hangs up on the server', async () => {
      for (const bare of [openai, ollama]) {
        const provider = withDeadlines(bare, { firstTokenMs: 150, totalMs: 5000 });
        const before = sim.abortedCount();
        const started = Date.now();
        const { error, events } = await run(provider, 'slow start [[sim:latency=2000]]');
        expect(error).toMatchObject({ code: 'LLM_TIMEOUT', message: 'the model sent no token within 150 ms', transient: false });
        expect(events).toHaveLength(0);
        expect(Date.now() - started).toBeLessThan(1000);
        await waitFor(() => sim.abortedCount() === before + 1);
      }
    });

    it('lets a slow answer run once its first token came, until the overall deadline', async () => {
      sim.setOptions({ tokensPerSecond: 20 });
      for (const bare of [openai, ollama]) {
        const ok = await run(withDeadlines(bare, { firstTokenMs: 100, totalMs: 5000 }), '[[sim:tokens=6]] steady');
        expect(ok.error).toBeNull();
        expect(ok.events.filter((e) => e.type === 'delta')).toHaveLength(6);

        const late = await run(withDeadlines(bare, { firstTokenMs: 100, totalMs: 300 }), '[[sim:tokens=50]] too long');
        expect(late.error).toMatchObject({ code: 'LLM_TIMEOUT', message: 'the model did not finish its answer within 300 ms' });
        expect(late.events.length).toBeGreaterThan(2);
      }
    });

    it('times out a server that hangs, and passes a caller’s own abort through untouched', async () => {
      const hung = await run(withDeadlines(openai, { firstTokenMs: 0, totalMs: 200 }), 'x [[sim:hang]]');
      expect(hung.error).toMatchObject({ code: 'LLM_TIMEOUT' });
      const controller = new AbortController();
      setTimeout(() => controller.abort(), 100);
      const left = await run(withDeadlines(ollama, { firstTokenMs: 5000, totalMs: 5000 }), 'y [[sim:hang]]', { signal: controller.signal });
      expect(left.error).not.toMatchObject({ code: 'LLM_TIMEOUT' });
    });
  });

  describe('retries', () => {
    const retrying = (bare: ChatProvider, retries = 2, baseDelayMs = 50, deadlines: Deadlines = { firstTokenMs: 0, totalMs: 0 }) =>
      new GuardedProvider(bare, { retry: { retries, baseDelayMs }, deadlines, random: () => 0.5 });

    it('sends a call that failed transiently before its first token again, with growing waits, until it succeeds', async () => {
      for (const [name, bare] of [['openai', openai], ['ollama', ollama]] as const) {
        const started = Date.now();
        const { error, text } = await run(retrying(bare), `${name} flaky [[sim:flaky=2]]`);
        expect(error).toBeNull();
        expect(text.split(' ')).toHaveLength(12);
        expect(requestsFor(`${name} flaky`)).toHaveLength(3);
        expect(Date.now() - started).toBeGreaterThanOrEqual(50 + 100 - 5);
      }
    });

    it('gives up after the configured retries with the last failure', async () => {
      const { error } = await run(retrying(openai), 'always down [[sim:flaky=5]]');
      expect(error).toMatchObject({ code: 'LLM_UNAVAILABLE' });
      expect(requestsFor('always down')).toHaveLength(3);
      const none = await run(retrying(ollama, 0), 'no retries [[sim:flaky=5]]');
      expect(none.error).toMatchObject({ code: 'LLM_UNAVAILABLE' });
      expect(requestsFor('no retries')).toHaveLength(1);
    });

    it('never sends again a request the server refused, nor one that had started answering', async () => {
      expect((await run(retrying(openai), 'refused [[sim:error=400]]')).error).toMatchObject({ code: 'LLM_ERROR' });
      expect(requestsFor('refused')).toHaveLength(1);
      const cut = await run(retrying(ollama), 'half [[sim:cut=3]]');
      expect(cut.error).toMatchObject({ code: 'LLM_ERROR' });
      expect(cut.events).toHaveLength(3);
      expect(requestsFor('half')).toHaveLength(1);
    });

    it('stops waiting as soon as the caller aborts', async () => {
      const controller = new AbortController();
      setTimeout(() => controller.abort(), 100);
      const started = Date.now();
      const { error } = await run(retrying(openai, 5, 2000), 'patience [[sim:flaky=5]]', { signal: controller.signal });
      expect(error).toMatchObject({ code: 'LLM_UNAVAILABLE' });
      expect(Date.now() - started).toBeLessThan(1000);
      expect(requestsFor('patience')).toHaveLength(1);
    });

    it('under a deadline, the retries count against the caller’s time', async () => {
      const provider = retrying(openai, 5, 400, { firstTokenMs: 300, totalMs: 5000 });
      const started = Date.now();
      const { error } = await run(provider, 'deadline [[sim:flaky=5]]');
      expect(error).toMatchObject({ code: 'LLM_TIMEOUT' });
      expect(Date.now() - started).toBeLessThan(1000);
      expect(requestsFor('deadline')).toHaveLength(1);
    });
  });
});
