import http from 'node:http';
import { randomUUID } from 'node:crypto';
import { OllamaSimulator } from '../../src/llm/simulator/ollama-simulator.js';
import { ApiClient } from './support/api-client.js';
import { eventually, startGus, type RunningGus } from './support/gus-harness.js';

interface Event {
  id: number;
  event: string;
  data: any;
}

interface Read {
  status: number;
  events: Event[];
}

function parse(text: string): Event[] {
  return text
    .split('\n\n')
    .filter((block) => block.includes('data: '))
    .map((block) => ({
      id: Number(/^id: (\d+)$/m.exec(block)?.[1] ?? NaN),
      event: /^event: (.*)$/m.exec(block)?.[1] ?? 'message',
      data: ((data) => (data === '[DONE]' ? data : JSON.parse(data)))(block.split('\n').filter((line) => line.startsWith('data: ')).map((line) => line.slice(6)).join('\n')),
    }));
}

/**
 * Reads a text/event-stream: to its end, or until `leaveAfterDeltas` deltas have come (then the connection is
 * dropped, as a client that goes away mid-answer). Only whole events count.
 */
function read(url: string, token: string, options: { method?: string; body?: unknown; lastEventId?: number; leaveAfterDeltas?: number; headers?: Record<string, string> }): Promise<Read> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { authorization: `Bearer ${token}`, ...options.headers };
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    if (options.lastEventId !== undefined) headers['last-event-id'] = String(options.lastEventId);
    const req = http.request(url, { method: options.method ?? 'GET', headers });
    let text = '';
    let status = 0;
    const whole = () => parse(text.slice(0, text.lastIndexOf('\n\n') + 2));
    req.on('response', (res) => {
      status = res.statusCode ?? 0;
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        text += chunk;
        const deltas = whole().filter((e) => e.event === 'message.delta' || e.data?.choices?.[0]?.delta?.content).length;
        if (options.leaveAfterDeltas !== undefined && deltas >= options.leaveAfterDeltas) {
          req.destroy();
          resolve({ status, events: whole() });
        }
      });
      res.on('end', () => resolve({ status, events: status === 200 ? whole() : [] }));
    });
    req.on('error', (error) => (status ? resolve({ status, events: whole() }) : reject(error)));
    req.end(options.body === undefined ? undefined : JSON.stringify(options.body));
  });
}

const deltasOf = (events: Event[]) => events.filter((e) => e.event === 'message.delta').map((e) => e.data.delta).join('');
const SLOW = '[[sim:tps=25]] [[sim:tokens=50]]';

describe('resumable streams across two instances (PostgreSQL + Redis Streams)', () => {
  const simulator = new OllamaSimulator();
  let one: RunningGus;
  let two: RunningGus;
  let alice: ApiClient & { userId: string };
  let bob: ApiClient & { userId: string };
  let carol: ApiClient & { userId: string };

  beforeAll(async () => {
    const ollamaHost = await simulator.start();
    // pro: 60 s of grace; free: 1 s.
    one = await startGus({ ollamaHost, env: { GUS_PLANS_FILE: 'test/fixtures/plans-streams.json' } });
    two = await startGus({ ollamaHost, databaseUrl: one.env.DATABASE_URL, redisPrefix: one.env.GUS_REDIS_PREFIX, jwtSecret: one.env.JWT_SECRET, env: { GUS_PLANS_FILE: 'test/fixtures/plans-streams.json' } });
    const api = new ApiClient(one.url);
    const admin = await api.asAdmin();
    alice = await api.newUser(admin, 'pro');
    bob = await api.newUser(admin, 'pro');
    carol = await api.newUser(admin, 'free');
  });
  afterAll(async () => {
    await two?.stop();
    await one?.stop();
    await simulator.stop();
  });

  const conversationOf = async (user: ApiClient) => (await user.post('/v1/conversations', {})).body.id as string;
  const send = (gus: RunningGus, user: ApiClient, conversationId: string, content: string, leaveAfterDeltas?: number) =>
    read(`${gus.url}/v1/conversations/${conversationId}/messages`, user.token!, { method: 'POST', body: { content, stream: true, resumable: true }, leaveAfterDeltas });
  const resume = (gus: RunningGus, user: ApiClient, conversationId: string, messageId: string, lastEventId?: number) =>
    read(`${gus.url}/v1/conversations/${conversationId}/messages/${messageId}/stream`, user.token!, { lastEventId });

  it.each([
    ['the same instance', () => one],
    ['another instance', () => two],
  ])('mid-answer: a client that left gets exactly the events it missed, then the live rest, from %s', async (_where, instance) => {
    const conversationId = await conversationOf(alice);
    const first = await send(one, alice, conversationId, `tell me a story ${SLOW}`, 3);
    expect(first.events.map((e) => e.id)).toEqual(first.events.map((_, i) => i + 1));
    const last = first.events.at(-1)!;
    const answerId = last.data.messageId as string;
    const rest = await resume(instance(), alice, conversationId, answerId, last.id);
    expect(rest.status).toBe(200);
    expect(rest.events[0]!.id).toBe(last.id + 1);
    expect(rest.events.map((e) => e.id)).toEqual(rest.events.map((_, i) => last.id + 1 + i));
    const completed = rest.events.at(-1)!;
    expect(completed).toMatchObject({ event: 'message.completed', data: { id: answerId, status: 'complete' } });
    expect(deltasOf(first.events) + deltasOf(rest.events)).toBe(completed.data.content);
    // Kept generating without its client: the answer is stored whole.
    const stored = (await alice.get(`/v1/conversations/${conversationId}/tree`)).body.messages.find((m: any) => m.id === answerId);
    expect(stored).toMatchObject({ status: 'complete', content: completed.data.content });
  });

  it('after completion: the whole stream replays for a few minutes, by the answer\'s id or the question\'s, on any instance', async () => {
    const conversationId = await conversationOf(alice);
    const first = await send(one, alice, conversationId, `short one ${SLOW}`, 1);
    const questionId = first.events.find((e) => e.event === 'message.created')!.data.id as string;
    const answerId = first.events.find((e) => e.event === 'message.delta')!.data.messageId as string;
    await eventually(async () => {
      const answer = (await alice.get(`/v1/conversations/${conversationId}/tree`)).body.messages.find((m: any) => m.id === answerId);
      expect(answer?.status).toBe('complete');
    });
    const byQuestion = await resume(two, alice, conversationId, questionId);
    expect(byQuestion.events.map((e) => e.event)).toEqual(['message.created', ...Array(byQuestion.events.length - 2).fill('message.delta'), 'message.completed']);
    expect(byQuestion.events.map((e) => e.id)).toEqual(byQuestion.events.map((_, i) => i + 1));
    expect(deltasOf(byQuestion.events)).toBe(byQuestion.events.at(-1)!.data.content);
    const byAnswer = await resume(one, alice, conversationId, answerId, 2);
    expect(byAnswer.events).toEqual(byQuestion.events.slice(2));
  });

  it('answers 404 for an unknown id, another user\'s stream, a stream under another conversation, and a stream that was not resumable', async () => {
    const conversationId = await conversationOf(alice);
    const first = await send(one, alice, conversationId, 'hello');
    const answerId = first.events.at(-1)!.data.id as string;
    expect((await resume(one, alice, conversationId, answerId)).status).toBe(200);
    expect((await resume(one, alice, conversationId, randomUUID())).status).toBe(404);
    expect((await resume(two, bob, conversationId, answerId)).status).toBe(404);
    expect((await resume(two, bob, await conversationOf(bob), answerId)).status).toBe(404);
    expect((await resume(one, alice, await conversationOf(alice), answerId)).status).toBe(404);
    expect((await alice.request('GET', `/v1/conversations/${conversationId}/messages/${answerId}/stream`, undefined, { 'last-event-id': 'x' })).status).toBe(400);
    const plain = await read(`${one.url}/v1/conversations/${conversationId}/messages`, alice.token!, { method: 'POST', body: { content: 'not resumable', stream: true } });
    expect(plain.events.every((e) => Number.isInteger(e.id))).toBe(true); // every event has an id all the same
    expect((await resume(one, alice, conversationId, plain.events.at(-1)!.data.id)).status).toBe(404);
  });

  it('the OpenAI-compatible route resumes too (X-Resumable with X-Conversation-Id): the missed chunks, then the rest and [DONE]', async () => {
    const conversationId = await conversationOf(alice);
    const url = `${one.url}/v1/chat/completions`;
    const body = { model: 'llama3.2:1b', stream: true, messages: [{ role: 'user', content: `a tale ${SLOW}` }] };
    const first = await read(url, alice.token!, { method: 'POST', body, headers: { 'x-conversation-id': conversationId, 'x-resumable': 'true' }, leaveAfterDeltas: 3 });
    expect(first.events.map((e) => e.id)).toEqual(first.events.map((_, i) => i + 1));
    const last = first.events.at(-1)!;
    const answerId = (last.data.id as string).replace('chatcmpl-', '');
    const rest = await resume(two, alice, conversationId, answerId, last.id);
    expect(rest.events[0]!.id).toBe(last.id + 1);
    expect(rest.events.at(-1)!.data).toBe('[DONE]');
    const text = [...first.events, ...rest.events].map((e) => e.data?.choices?.[0]?.delta?.content ?? '').join('');
    const stored = (await alice.get(`/v1/conversations/${conversationId}/tree`)).body.messages.find((m: any) => m.id === answerId);
    expect(stored).toMatchObject({ status: 'complete', content: text });
    // Resumable needs a conversation to keep the stream under.
    expect((await alice.request('POST', '/v1/chat/completions', body, { 'x-resumable': 'true' })).status).toBe(400);
  });

  it('past the grace period with no one reconnected, the answer is interrupted; a later reconnect replays up to there', async () => {
    const conversationId = await conversationOf(carol); // free: 1 s of grace
    const first = await send(one, carol, conversationId, 'a long story [[sim:tps=10]] [[sim:tokens=300]]', 2);
    const answerId = first.events.at(-1)!.data.messageId as string;
    const interrupted = await eventually(async () => {
      const answer = (await carol.get(`/v1/conversations/${conversationId}/tree`)).body.messages.find((m: any) => m.id === answerId);
      expect(answer?.status).toBe('interrupted');
      return answer;
    }, 20_000);
    const later = await resume(two, carol, conversationId, answerId, first.events.at(-1)!.id);
    expect(later.events.at(-1)).toMatchObject({ event: 'message.completed', data: { id: answerId, status: 'interrupted' } });
    expect(deltasOf(first.events) + deltasOf(later.events)).toBe(interrupted.content);
    expect(interrupted.content.split(' ').length).toBeLessThan(300);
  });
});

describe('resumable streams on the embedded default (in-process buffer)', () => {
  let gus: RunningGus;

  beforeAll(async () => {
    gus = await startGus({ embedded: true });
  });
  afterAll(async () => {
    await gus?.stop();
  });

  it('replays the missed events and the live rest after a disconnect mid-answer', async () => {
    const api = new ApiClient(gus.url);
    const user = await api.newUser(await api.asAdmin(), 'pro');
    const conversationId = (await user.post('/v1/conversations', {})).body.id as string;
    const first = await read(`${gus.url}/v1/conversations/${conversationId}/messages`, user.token!, { method: 'POST', body: { content: `go on ${SLOW}`, stream: true, resumable: true }, leaveAfterDeltas: 2 });
    const last = first.events.at(-1)!;
    const rest = await read(`${gus.url}/v1/conversations/${conversationId}/messages/${last.data.messageId}/stream`, user.token!, { lastEventId: last.id });
    expect(rest.events[0]!.id).toBe(last.id + 1);
    const completed = rest.events.at(-1)!;
    expect(completed).toMatchObject({ event: 'message.completed', data: { status: 'complete' } });
    expect(deltasOf(first.events) + deltasOf(rest.events)).toBe(completed.data.content);
  });
});
