import http from 'node:http';
import { OllamaSimulator } from '../../src/llm/simulator/ollama-simulator.js';
import { ApiClient, parseSse } from './support/api-client.js';
import { eventually, startGus, type RunningGus } from './support/gus-harness.js';

describe('streamed turns and model failures (PostgreSQL + Redis)', () => {
  const simulator = new OllamaSimulator();
  let gus: RunningGus;
  let api: ApiClient;
  let user: ApiClient;

  beforeAll(async () => {
    gus = await startGus({ ollamaHost: await simulator.start(), env: { GUS_LLM_TIMEOUT_MS: '1500' } });
    api = new ApiClient(gus.url);
    user = await api.newUser(await api.asAdmin());
  });
  afterEach(() => simulator.setOptions({ tokensPerSecond: 0, firstTokenLatencyMs: 0, failure: undefined }));
  afterAll(async () => {
    await gus?.stop();
    await simulator.stop();
  });

  const newConversation = async (): Promise<string> => (await user.post('/v1/conversations', {})).body.id;
  const tree = async (id: string) => (await user.get(`/v1/conversations/${id}/tree`)).body.messages as Array<Record<string, any>>;

  it('streams message.created, then the deltas, then message.completed, in that order', async () => {
    const id = await newConversation();
    const res = await fetch(`${gus.url}/v1/conversations/${id}/messages`, {
      method: 'POST',
      headers: { authorization: `Bearer ${user.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ content: 'Tell me a story', stream: true }),
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/event-stream');
    const events = parseSse(await res.text());
    // Deltas may be coalesced (gus holds back what could be the start of its system-prompt canary).
    const names = events.map((e) => e.event);
    expect(names[0]).toBe('message.created');
    expect(names.at(-1)).toBe('message.completed');
    expect(names.slice(1, -1).length).toBeGreaterThan(0);
    expect(names.slice(1, -1).every((name) => name === 'message.delta')).toBe(true);
    const [created, ...rest] = events;
    const completed = rest.pop()!;
    expect(created!.data).toMatchObject({ role: 'user', content: 'Tell me a story', status: 'complete' });
    expect(completed.data).toMatchObject({ role: 'assistant', parentId: created!.data.id, status: 'complete', usage: { completionTokens: 12 } });
    expect(rest.every((e) => e.data.messageId === completed.data.id)).toBe(true);
    expect(rest.map((e) => e.data.delta).join('')).toBe(completed.data.content);
    const stored = await tree(id);
    expect(stored.map((m) => m.id)).toEqual([created!.data.id, completed.data.id]);
    expect(stored[1]!.content).toBe(completed.data.content);
  });

  it('keeps an interrupted assistant message with the text so far when the client disconnects mid-stream', async () => {
    simulator.setOptions({ tokensPerSecond: 50, replyTokens: 200 });
    const id = await newConversation();
    const received = await new Promise<string>((resolve, reject) => {
      const req = http.request(`${gus.url}/v1/conversations/${id}/messages`, {
        method: 'POST',
        headers: { authorization: `Bearer ${user.token}`, 'content-type': 'application/json' },
      });
      let text = '';
      req.on('response', (res) => {
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          text += chunk;
          if ((text.match(/event: message\.delta/g) ?? []).length >= 3) {
            req.destroy();
            resolve(text);
          }
        });
      });
      req.on('error', (error) => (text ? resolve(text) : reject(error)));
      req.end(JSON.stringify({ content: 'long answer please', stream: true }));
    });
    const streamed = parseSse(received.slice(0, received.lastIndexOf('\n\n') + 2)).filter((e) => e.event === 'message.delta').map((e) => e.data.delta).join('');
    const assistant = await eventually(async () => {
      const messages = await tree(id);
      expect(messages[1]?.status).toBe('interrupted');
      return messages[1]!;
    });
    expect(assistant.content.startsWith(streamed)).toBe(true);
    expect(assistant.content.length).toBeGreaterThan(0);
    expect(assistant.content.split(' ').length).toBeLessThan(200);
    expect((await user.get(`/v1/conversations/${id}`)).body.currentLeafId).toBe(assistant.id);
    await eventually(async () => expect(simulator.abortedCount()).toBeGreaterThan(0));
    simulator.setOptions({ replyTokens: 12 });
  });

  it('keeps the user message and answers 502 LLM_ERROR when the model server fails; the conversation goes on', async () => {
    const id = await newConversation();
    const failed = await user.post(`/v1/conversations/${id}/messages`, { content: 'break please [[sim:error=500]]' });
    expect(failed.status).toBe(502);
    expect(failed.body).toMatchObject({ statusCode: 502, code: 'LLM_ERROR' });
    const messages = await tree(id);
    expect(messages.map((m) => [m.role, m.status])).toEqual([['user', 'complete'], ['assistant', 'failed']]);
    expect(messages[1]!.errorCode).toBe('LLM_ERROR');
    const conversation = (await user.get(`/v1/conversations/${id}`)).body;
    expect(conversation.currentLeafId).toBe(messages[0]!.id);
    const branch = (await user.get(`/v1/conversations/${id}/messages`)).body.data;
    expect(branch.map((m: { content: string }) => m.content)).toEqual(['break please [[sim:error=500]]']);
    const next = await user.post(`/v1/conversations/${id}/messages`, { content: 'try again' });
    expect(next.status).toBe(201);
    expect(next.body.userMessage.parentId).toBe(messages[0]!.id);
  });

  it('maps a 503 from the model server to LLM_UNAVAILABLE and a hang to LLM_TIMEOUT', async () => {
    const id = await newConversation();
    const unavailable = await user.post(`/v1/conversations/${id}/messages`, { content: 'x [[sim:error=503]]' });
    expect(unavailable.status).toBe(503);
    expect(unavailable.body.code).toBe('LLM_UNAVAILABLE');
    const started = Date.now();
    const hung = await user.post(`/v1/conversations/${id}/messages`, { content: 'x [[sim:hang]]' });
    expect(hung.status).toBe(504);
    expect(hung.body.code).toBe('LLM_TIMEOUT');
    expect(Date.now() - started).toBeGreaterThanOrEqual(1400);
    expect((await tree(id)).filter((m) => m.role === 'user')).toHaveLength(2);
  });

  it('ends a stream cut by the model server with an error event and a failed message holding the text so far', async () => {
    const id = await newConversation();
    const res = await fetch(`${gus.url}/v1/conversations/${id}/messages`, {
      method: 'POST',
      headers: { authorization: `Bearer ${user.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ content: 'go [[sim:cut=3]]', stream: true }),
    });
    const text = await res.text();
    const events = parseSse(text);
    const names = events.map((e) => e.event);
    expect(names[0]).toBe('message.created');
    expect(names.at(-1)).toBe('error');
    expect(names.slice(1, -1).length).toBeGreaterThan(0);
    expect(names.slice(1, -1).every((name) => name === 'message.delta')).toBe(true);
    expect(events.at(-1)!.data).toMatchObject({ statusCode: 502, code: 'LLM_ERROR', requestId: res.headers.get('x-request-id') });
    const stored = await tree(id);
    expect(stored[1]).toMatchObject({ role: 'assistant', status: 'failed', errorCode: 'LLM_ERROR' });
    expect(stored[1]!.content).toBe(events.slice(1, -1).map((e) => e.data.delta).join(''));
    expect(stored[1]!.content.split(' ')).toHaveLength(3); // the three words sent before the cut
  });
});
