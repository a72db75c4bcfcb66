import { OllamaSimulator } from '../../src/llm/simulator/ollama-simulator.js';
import { ApiClient, parseSse } from './support/api-client.js';
import { createTestDatabase, eventually, startGus, type RunningGus } from './support/gus-harness.js';
import { TcpProxy } from './support/tcp-proxy.js';

/** What a dead process or a dead database leaves behind, and how gus recovers (PostgreSQL + Redis). */
describe('crash recovery', () => {
  const simulator = new OllamaSimulator();
  let ollamaHost: string;
  beforeAll(async () => {
    ollamaHost = await simulator.start();
  });
  afterAll(async () => {
    await simulator.stop();
  });

  it('closes the questions of turns that died with their process (kill -9) with a failed answer the branch continues from', async () => {
    const db = await createTestDatabase();
    // Turns last at most 3 s here, so a question open for 4 s has no live turn.
    const env = { GUS_LLM_TIMEOUT_MS: '3000', GUS_ABANDONED_TURN_MS: '4000', GUS_ABANDONED_TURN_SWEEP_MS: '300' };
    const crashing = await startGus({ ollamaHost, databaseUrl: db.url, env });
    let restarted: RunningGus | undefined;
    try {
      const user = await new ApiClient(crashing.url).newUser(await new ApiClient(crashing.url).asAdmin());
      const conversation = (await user.post('/v1/conversations', {})).body;
      // Four turns in flight, each stored its question and is streaming slowly when the process dies.
      simulator.setOptions({ tokensPerSecond: 2 });
      const questions = await Promise.all(
        [1, 2, 3, 4].map(async (i) => {
          const target = i === 1 ? conversation.id : (await user.post('/v1/conversations', {})).body.id;
          return { conversationId: target as string, questionId: await questionOfSlowTurn(crashing.url, user.token!, target, `question ${i}`) };
        }),
      );
      await crashing.kill();
      simulator.setOptions({ tokensPerSecond: 0 });
      const open = await crashing.query('SELECT count(*)::int AS n FROM messages m WHERE m.role = $1 AND NOT EXISTS (SELECT 1 FROM messages c WHERE c.parent_id = m.id)', ['user']);
      expect(open[0].n).toBe(4); // what the crash leaves: questions without answers

      restarted = await startGus({ ollamaHost, databaseUrl: db.url, redisPrefix: crashing.config.redisPrefix, jwtSecret: crashing.env.JWT_SECRET, env });
      const again = new ApiClient(restarted.url).withToken(user.token!);
      for (const { conversationId, questionId } of questions) {
        const branch = await eventually(async () => {
          const res = await again.get(`/v1/conversations/${conversationId}/messages`);
          const last = res.body.data.at(-1);
          if (last?.parentId !== questionId) throw new Error(`not closed yet: ${JSON.stringify(last)}`);
          return res.body.data;
        }, 15_000);
        expect(branch.at(-1)).toMatchObject({ role: 'assistant', status: 'failed', errorCode: 'TURN_ABANDONED', parentId: questionId, content: '' });
      }
      // The branch continues from the failed answer: no two questions in a row.
      const next = await again.post(`/v1/conversations/${conversation.id}/messages`, { content: 'are you there?' });
      expect(next.status).toBe(201);
      const closed = (await again.get(`/v1/conversations/${conversation.id}/messages`)).body.data;
      expect(closed.map((m: { role: string }) => m.role)).toEqual(['user', 'assistant', 'user', 'assistant']);
      expect(next.body.userMessage.parentId).toBe(closed[1].id);
      // Regenerating the abandoned answer works like after any failure.
      const regenerated = await again.post(`/v1/conversations/${questions[1]!.conversationId}/messages/${questions[1]!.questionId}/regenerate`, {});
      expect(regenerated.status).toBe(201);
      expect(regenerated.body.assistantMessage.status).toBe('complete');
      expect(await restarted.query('SELECT count(*)::int AS n FROM open_questions')).toEqual([{ n: 0 }]);
      const metrics = await (await fetch(restarted.url + '/metrics')).text();
      expect(metrics).toMatch(/^gus_abandoned_turns_closed_total 4$/m);
    } finally {
      await restarted?.stop();
      await crashing.stop();
      await db.drop();
    }
  });

  it('answers 503 SERVICE_UNAVAILABLE with Retry-After, never 401, while the database is unreachable', async () => {
    const db = await createTestDatabase();
    const proxy = await TcpProxy.to('127.0.0.1', Number(new URL(db.url).port || 5432));
    const gus = await startGus({ ollamaHost, databaseUrl: proxy.rewrite(db.url) });
    try {
      const api = new ApiClient(gus.url);
      const user = await api.newUser(await api.asAdmin());
      expect((await user.get('/v1/me')).status).toBe(200);
      await proxy.cut();
      await new Promise((resolve) => setTimeout(resolve, 2100)); // past the 2 s principal cache: authentication must read
      const statuses = new Set<number>();
      for (let i = 0; i < 5; i++) {
        const res = await user.get('/v1/conversations');
        statuses.add(res.status);
        expect(res.body).toMatchObject({ statusCode: 503, code: 'SERVICE_UNAVAILABLE' });
        expect(res.headers.get('retry-after')).toBe('5');
      }
      expect([...statuses]).toEqual([503]);
      const login = await api.post('/v1/auth/login', { email: user.email, password: user.password });
      expect(login.status).toBe(503);
      await proxy.restore();
      await eventually(async () => expect((await user.get('/v1/conversations')).status).toBe(200), 15_000);
    } finally {
      await gus.stop();
      await proxy.close();
      await db.drop();
    }
  });
});

/** Starts a streamed turn and returns its stored question's id once `message.created` arrives (the turn goes on). */
async function questionOfSlowTurn(baseUrl: string, token: string, conversationId: string, content: string): Promise<string> {
  const res = await fetch(`${baseUrl}/v1/conversations/${conversationId}/messages`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ content, stream: true }),
  });
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let text = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`the stream ended before message.created: ${text}`);
    text += decoder.decode(value, { stream: true });
    const created = parseSse(text.slice(0, text.lastIndexOf('\n\n') + 2)).find((event) => event.event === 'message.created');
    if (created) {
      void reader.read().catch(() => undefined); // keep the socket open; the process dies under it
      return created.data.id as string;
    }
  }
}
