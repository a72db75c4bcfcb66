import { Redis } from 'ioredis';
import { OllamaSimulator } from '../../src/llm/simulator/ollama-simulator.js';
import { ApiClient } from './support/api-client.js';
import { DisposableRedis } from './support/disposable-redis.js';
import { eventually, ledgerTokens, startGus, type RunningGus } from './support/gus-harness.js';

const PLANS = { GUS_PLANS_FILE: 'test/fixtures/plans-quotas.json' };
const MODEL = 'llama3.2:1b';

/**
 * A turn's answer is stored and counted in the ledger before its reservation is settled, so the response does not
 * wait for Redis's reply to the settlement. Proved by holding Redis's writes (CLIENT PAUSE WRITE, on a Redis of
 * the test's own) from the moment the model has the request: the answer still arrives, the counter then still
 * holds the reservation, and once Redis takes writes again it holds exactly what the ledger says.
 */
describe('a turn answers without waiting for Redis to settle its token reservation (PostgreSQL + a Redis of its own)', () => {
  const simulator = new OllamaSimulator();
  let redis: DisposableRedis;
  let probe: Redis;
  let gus: RunningGus;

  beforeAll(async () => {
    redis = await DisposableRedis.onFreePort();
    await redis.start();
    probe = new Redis(redis.url);
    gus = await startGus({ ollamaHost: await simulator.start(), redisUrl: redis.url, env: PLANS });
  });
  afterAll(async () => {
    await probe?.call('CLIENT', 'UNPAUSE').catch(() => undefined);
    probe?.disconnect();
    await gus?.stop();
    await redis?.stop();
    await simulator.stop();
  });

  it.each([
    ['POST /v1/conversations/:id/messages', 'messages'],
    ['POST /v1/chat/completions', 'chat'],
  ])('%s', async (_route, kind) => {
    const api = new ApiClient(gus.url);
    const user = await api.newUser(await api.asAdmin(), 'metered-month');
    const day = `${gus.env.GUS_REDIS_PREFIX}:quota:{${user.userId}}:${new Date().toISOString().slice(0, 10)}`;
    const conversationId = kind === 'messages' ? (await user.post('/v1/conversations', {})).body.id : null;
    const send = (content: string) =>
      conversationId
        ? user.post(`/v1/conversations/${conversationId}/messages`, { content })
        : user.post('/v1/chat/completions', { model: MODEL, messages: [{ role: 'user', content }] });
    expect((await send('warm-up [[sim:tokens=10]]')).status).toBe(kind === 'messages' ? 201 : 200);
    await eventually(async () => expect(Number(await probe.get(day))).toBe(await ledgerTokens(gus, user.userId)));

    const content = `held ${kind} [[sim:tokens=10]] [[sim:latency=3000]]`;
    const turn = send(content);
    // The reservation is taken before the model is called: from here on, Redis's writes wait.
    await eventually(async () => expect(simulator.receivedRequests().some((r) => r.messages?.at(-1)?.content === content)).toBe(true));
    const reserved = Number(await probe.get(day));
    await probe.call('CLIENT', 'PAUSE', '120000', 'WRITE');
    try {
      const res = await turn;
      expect(res.status).toBe(kind === 'messages' ? 201 : 200);
      const used = await ledgerTokens(gus, user.userId);
      // The answer is in the ledger, and the counter still holds the reservation: the settlement has not landed.
      expect(reserved).toBeGreaterThan(used);
      expect(Number(await probe.get(day))).toBe(reserved);
    } finally {
      await probe.call('CLIENT', 'UNPAUSE');
    }
    // Then it lands, once: the counter is exactly the ledger.
    await eventually(async () => expect(Number(await probe.get(day))).toBe(await ledgerTokens(gus, user.userId)));
  }, 60_000);
});
