import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import { Queue } from 'bullmq';
import { OllamaSimulator } from '../../src/llm/simulator/ollama-simulator.js';
import { ApiClient } from './support/api-client.js';
import { eventually, startGus, type RunningGus } from './support/gus-harness.js';
import { keyTag } from '../../libs/queue/redis.js';

/** A Redis of this test's own, so that stopping it disturbs nothing else on the machine. */
class DisposableRedis {
  private process: ChildProcess | null = null;
  constructor(readonly port: number) {}

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    this.process = spawn('redis-server', ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
    await eventually(() => ping(this.port), 5000);
  }

  async stop(): Promise<void> {
    const child = this.process;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
  }
}

function ping(port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => socket.write('PING\r\n'));
    socket.once('data', (data) => (socket.end(), data.toString().includes('PONG') ? resolve() : reject(new Error('no PONG'))));
    socket.once('error', reject);
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

describe('usage survives Redis going down (PostgreSQL + a Redis of its own)', () => {
  const simulator = new OllamaSimulator();
  let redis: DisposableRedis;
  let gus: RunningGus;

  beforeAll(async () => {
    redis = new DisposableRedis(await freePort());
    await redis.start();
    gus = await startGus({ ollamaHost: await simulator.start(), redisUrl: redis.url });
  });
  afterAll(async () => {
    await gus?.stop();
    await redis?.stop();
    await simulator.stop();
  });

  it('keeps serving turns while Redis is down and ends with exact totals once it is back', async () => {
    const api = new ApiClient(gus.url);
    const user = await api.newUser(await api.asAdmin());
    const id = (await user.post('/v1/conversations', {})).body.id;
    const turn = async (content: string) => {
      const res = await user.post(`/v1/conversations/${id}/messages`, { content });
      expect(res.status).toBe(201);
      return res.body.usage.totalTokens as number;
    };
    let expected = 0;
    for (let i = 0; i < 3; i++) expected += await turn(`before ${i}`);

    await redis.stop();
    for (let i = 0; i < 5; i++) expected += await turn(`during ${i}`);
    const pending = await gus.query<{ n: number }>('SELECT count(*)::int AS n FROM usage_events WHERE applied_at IS NULL');
    expect(pending[0]!.n).toBeGreaterThan(0); // recorded in the ledger, waiting for the queue

    await redis.start();
    const totals = await eventually(async () => {
      const res = (await user.get(`/v1/conversations/${id}`)).body.usage;
      expect(res.turns).toBe(8);
      return res;
    }, 30_000).catch(async (error: unknown) => {
      if (process.env.DEBUG_OUTAGE) console.log(gus.logs().split('\n').filter((l) => /warn|error|Usage|relay|queue/i.test(l)).join('\n'), await gus.query('SELECT id, occurred_at, applied_at FROM usage_events ORDER BY occurred_at'));
      throw error;
    });
    expect(totals.totalTokens).toBe(expected);
    const events = await gus.query<{ n: number; applied: number }>('SELECT count(*)::int AS n, count(applied_at)::int AS applied FROM usage_events');
    expect(events[0]).toEqual({ n: 8, applied: 8 });

    // Redelivery changes nothing: the billing job is delivered twice more (as a queue does after a worker died
    // before acknowledging it), both run to completion, and every event stays applied once.
    const billing = new Queue('usage-billing', { connection: { url: redis.url }, prefix: keyTag(gus.env.GUS_REDIS_PREFIX!) });
    try {
      const jobs = [await billing.add('usage-billing', {}, { jobId: 'redelivered-1' }), await billing.add('usage-billing', {}, { jobId: 'redelivered-2' })];
      await eventually(async () => {
        for (const job of jobs) expect(await billing.getJobState(job.id!)).toBe('completed');
      }, 15_000);
    } finally {
      await billing.close();
    }
    expect((await user.get(`/v1/conversations/${id}`)).body.usage).toMatchObject({ turns: 8, totalTokens: expected });
    expect((await user.get('/v1/usage')).body.byModel).toEqual([expect.objectContaining({ turns: 8, totalTokens: expected })]);
  });
});
