import type { AppConfig } from '../../libs/config/app-config.js';
import { createRedis } from '../../libs/queue/redis.js';
import { OllamaSimulator } from '../../src/llm/simulator/ollama-simulator.js';
import { ApiClient } from './support/api-client.js';
import { DisposableRedisCluster } from './support/disposable-redis-cluster.js';
import { eventually, startGus, type RunningGus } from './support/gus-harness.js';

/**
 * gus on a three-node Redis Cluster (REDIS_CLUSTER_NODES): an API process and a worker share it. Turns,
 * rate limits, quotas and billing (BullMQ) work only if every multi-key script's keys share a slot
 * (a cross-slot script fails with CROSSSLOT) and BullMQ's keys do too (its `{prefix}` hash tag).
 * Plans: test/fixtures/plans-cluster.json (`five-a-minute`: 5 requests a minute; `metered`: 3,000 tokens a day).
 */
describe('Redis Cluster: turns, limits, quotas and billing on three nodes', () => {
  const simulator = new OllamaSimulator();
  const cluster = new DisposableRedisCluster();
  let api: RunningGus;
  let worker: RunningGus;

  beforeAll(async () => {
    await cluster.start();
    const ollamaHost = await simulator.start();
    const env = { GUS_PLANS_FILE: 'test/fixtures/plans-cluster.json' };
    api = await startGus({ ollamaHost, redisClusterNodes: cluster.nodes, env: { ...env, GUS_ROLE: 'api' } });
    worker = await startGus({
      ollamaHost,
      redisClusterNodes: cluster.nodes,
      databaseUrl: api.env.DATABASE_URL!,
      redisPrefix: api.env.GUS_REDIS_PREFIX!,
      jwtSecret: api.env.JWT_SECRET!,
      env: { ...env, GUS_ROLE: 'worker' },
    });
  });
  afterAll(async () => {
    await worker?.stop();
    await api?.stop();
    await simulator.stop();
    await cluster.stop();
  });

  it('says it is on the cluster and is ready', async () => {
    expect(api.logs()).toContain('Redis Cluster (127.0.0.1:');
    const ready = await (await fetch(`${api.url}/health/ready`)).json();
    expect(ready).toMatchObject({ status: 'ok', info: { redis: { status: 'up' } } });
  });

  it('runs turns and bills them through BullMQ on the cluster', async () => {
    const client = new ApiClient(api.url);
    const user = await client.newUser(await client.asAdmin(), 'free');
    const conversation = (await user.post('/v1/conversations', {})).body.id;
    for (let i = 0; i < 3; i++) expect((await user.post(`/v1/conversations/${conversation}/messages`, { content: `turn ${i}` })).status).toBe(201);
    const me = await eventually(async () => {
      const res = (await user.get('/v1/me')).body;
      expect(res.usage.today.turns).toBe(3);
      return res;
    }, 20_000);
    const [ledger] = await api.query<{ tokens: number }>('SELECT sum(prompt_tokens + completion_tokens)::int AS tokens FROM usage_events WHERE user_id = $1', [user.userId]);
    expect(me.usage.today.totalTokens).toBe(ledger!.tokens);
    const metrics = await (await fetch(`${worker.url}/metrics`)).text();
    expect(metrics).toMatch(/gus_jobs_processed_total\{queue="usage-billing",outcome="completed"\} [1-9]/);
  });

  it('enforces a rate limit from the cluster (one script over the minute, hour and day windows)', async () => {
    const client = new ApiClient(api.url);
    const user = await client.newUser(await client.asAdmin(), 'five-a-minute');
    const statuses: number[] = [];
    for (let i = 0; i < 7; i++) statuses.push((await user.get('/v1/conversations')).status);
    expect(statuses).toEqual([200, 200, 200, 200, 200, 429, 429]);
    expect(api.logs()).not.toMatch(/counting rate limits in this instance's memory/);
  });

  it('never passes a token quota under a burst of concurrent turns (reserve and settle scripts on the cluster)', async () => {
    const client = new ApiClient(api.url);
    const user = await client.newUser(await client.asAdmin(), 'metered');
    const conversations = await Promise.all(Array.from({ length: 40 }, () => user.post('/v1/conversations', {})));
    const answers = await Promise.all(conversations.map((c, i) => user.post(`/v1/conversations/${c.body.id}/messages`, { content: `burst ${i} [[sim:tokens=3000]]` })));
    const refused = answers.filter((a) => a.status === 429);
    expect(answers.filter((a) => a.status === 201).length).toBeGreaterThan(0);
    expect(refused.length).toBeGreaterThan(0);
    expect(refused.every((a) => a.body.code === 'QUOTA_EXCEEDED')).toBe(true);
    const [used] = await api.query<{ tokens: number }>('SELECT coalesce(sum(prompt_tokens + completion_tokens), 0)::int AS tokens FROM usage_events WHERE user_id = $1', [user.userId]);
    expect(used!.tokens).toBeLessThanOrEqual(3000);
    expect(api.logs()).not.toMatch(/CROSSSLOT/);
  });

  it('spreads its keys over the nodes (it really is a sharded cluster)', async () => {
    // Each caller's rate-limit counters hash to a slot of their own: with a dozen callers, the chance that all of
    // gus's keys sit on one of three nodes is under 1 in 10,000 (with the five of the cases above, about 1 in 100).
    const client = new ApiClient(api.url);
    const admin = await client.asAdmin();
    for (let i = 0; i < 8; i++) expect((await (await client.newUser(admin, 'free')).get('/v1/conversations')).status).toBe(200);
    const perNode = await cluster.keysPerNode();
    expect(perNode.filter((n) => n > 0).length).toBeGreaterThanOrEqual(2);
  });

  it('pipelines commands on the cluster only while earlier ones await their replies', async () => {
    const redis = createRedis({ redisClusterNodes: cluster.ports.map((port) => ({ host: '127.0.0.1', port })) } as AppConfig);
    try {
      await redis.set('{pipelining}:a', '1');
      const first = redis.get('{pipelining}:a');
      expect(redis.autoPipelineQueueSize).toBe(0);
      const second = redis.incr('{pipelining}:b');
      const third = redis.get('{pipelining}:b');
      expect(redis.autoPipelineQueueSize).toBe(2);
      expect(await Promise.all([first, second, third])).toEqual(['1', 1, '1']);
      await redis.del('{pipelining}:a', '{pipelining}:b');
    } finally {
      await redis.quit();
    }
  });
});
