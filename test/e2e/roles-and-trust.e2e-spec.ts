import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { OllamaSimulator } from '../../src/llm/simulator/ollama-simulator.js';
import { ApiClient } from './support/api-client.js';
import { eventually, startGus, type RunningGus } from './support/gus-harness.js';
import { keyTag } from '../../libs/queue/redis.js';

const claims = (jwt: string) => JSON.parse(Buffer.from(jwt.split('.')[1]!, 'base64url').toString()) as { iat: number; exp: number };

describe('GUS_ROLE=api and GUS_ROLE=worker split the work (PostgreSQL + Redis)', () => {
  const simulator = new OllamaSimulator();
  let api: RunningGus;
  let worker: RunningGus | undefined;

  beforeAll(async () => {
    api = await startGus({ ollamaHost: await simulator.start(), env: { GUS_ROLE: 'api' } });
  });
  afterAll(async () => {
    await worker?.stop();
    await api?.stop();
    await simulator.stop();
  });

  it('the api instance serves turns but bills nothing; a worker on the same database and Redis bills them, serving no API route', async () => {
    const client = new ApiClient(api.url);
    const user = await client.newUser(await client.asAdmin());
    const id = (await user.post('/v1/conversations', {})).body.id;
    for (let i = 0; i < 2; i++) expect((await user.post(`/v1/conversations/${id}/messages`, { content: `turn ${i}` })).status).toBe(201);

    // The relay queued the billing job, and no one takes it: the api role runs no worker.
    const billing = new Queue('usage-billing', { connection: { url: api.env.REDIS_URL! }, prefix: keyTag(api.env.GUS_REDIS_PREFIX!) });
    try {
      await eventually(async () => expect((await billing.getJobCounts('waiting')).waiting).toBeGreaterThan(0));
      const pending = await api.query<{ n: number; applied: number }>('SELECT count(*)::int AS n, count(applied_at)::int AS applied FROM usage_events');
      expect(pending[0]).toEqual({ n: 2, applied: 0 });

      worker = await startGus({ env: { GUS_ROLE: 'worker' }, ollamaHost: simulator.url, databaseUrl: api.env.DATABASE_URL, redisPrefix: api.env.GUS_REDIS_PREFIX, jwtSecret: api.env.JWT_SECRET });
      // A worker answers only its health checks and metrics (for probes and scraping), no API route.
      expect((await fetch(`${worker.url}/health/live`)).status).toBe(200);
      expect((await fetch(`${worker.url}/v1/models`)).status).toBe(404);
      await eventually(async () => {
        const rows = await api.query<{ n: number; applied: number }>('SELECT count(*)::int AS n, count(applied_at)::int AS applied FROM usage_events');
        expect(rows[0]).toEqual({ n: 2, applied: 2 });
      }, 20_000);
      expect((await user.get(`/v1/conversations/${id}`)).body.usage.turns).toBe(2);
    } finally {
      await billing.close();
    }
  });
});

describe('X-Forwarded-For is not trusted (PostgreSQL + Redis)', () => {
  let gus: RunningGus;

  beforeAll(async () => {
    gus = await startGus({ env: { GUS_PUBLIC_RATE_LIMIT_PER_MINUTE: '3' } });
  });
  afterAll(() => gus?.stop());

  it('counts a client that makes up a new address for each request as the one client it is', async () => {
    const api = new ApiClient(gus.url);
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) statuses.push((await api.request('POST', '/v1/auth/guest', {}, { 'x-forwarded-for': `203.0.113.${i + 1}` })).status);
    expect(statuses).toEqual([201, 201, 201, 429]);
  });
});

describe('token lifetimes (PostgreSQL + Redis)', () => {
  let gus: RunningGus;

  beforeAll(async () => {
    gus = await startGus({ env: { GUS_JWT_TTL_SECONDS: '3', GUS_GUEST_TTL_SECONDS: '2' } });
  });
  afterAll(() => gus?.stop());

  it('a login token lives GUS_JWT_TTL_SECONDS and a guest token GUS_GUEST_TTL_SECONDS, then both are 401', async () => {
    const api = new ApiClient(gus.url);
    const user = await api.newUser(await api.asAdmin());
    const guest = api.withToken((await api.post('/v1/auth/guest', {})).body.accessToken);
    expect(claims(user.token!)).toEqual(expect.objectContaining({ exp: claims(user.token!).iat + 3 }));
    expect(claims(guest.token!)).toEqual(expect.objectContaining({ exp: claims(guest.token!).iat + 2 }));
    for (const client of [user, guest]) {
      await eventually(async () => {
        const res = await client.get('/v1/me');
        expect(res.status).toBe(401);
        expect(res.body.code).toBe('UNAUTHENTICATED');
      }, 10_000);
    }
  });
});

describe('a catalogue entry whose apiKeyEnv is unset', () => {
  it('keeps gus from starting, naming the variable', async () => {
    const models = join(tmpdir(), `gus-models-unset-key-${process.pid}.json`);
    writeFileSync(models, JSON.stringify({
      defaultModel: 'llama3.2:1b',
      models: [
        { id: 'llama3.2:1b', provider: 'ollama', contextWindow: 8192, tier: 'standard', pricePerMillionInput: 0.05, pricePerMillionOutput: 0.1 },
        { id: 'served-elsewhere', provider: 'openai', baseUrl: 'http://127.0.0.1:9/v1', apiKeyEnv: 'GUS_TEST_KEY_NEVER_SET', contextWindow: 8192, tier: 'standard', pricePerMillionInput: 0.2, pricePerMillionOutput: 0.4 },
      ],
    }));
    const started = startGus({ env: { GUS_MODELS_FILE: models } });
    void started.then((gus) => gus.stop(), () => undefined); // should it start after all, it must not outlive the test
    await expect(started).rejects.toThrow(/gus exited with code [1-9]\d* while starting[\s\S]*GUS_TEST_KEY_NEVER_SET, which is not set/);
  });
});
