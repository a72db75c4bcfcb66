import pg from 'pg';
import { OllamaSimulator } from '../../src/llm/simulator/ollama-simulator.js';
import { ApiClient } from './support/api-client.js';
import { createTestDatabase, startGus, type RunningGus } from './support/gus-harness.js';

/** Every process migrates at start: on an empty database, processes started together must not race (a rollout of several replicas). */
describe('several processes starting at once on an empty database', () => {
  const simulator = new OllamaSimulator();
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let processes: RunningGus[] = [];

  beforeAll(async () => {
    const ollamaHost = await simulator.start();
    database = await createTestDatabase();
    const jwtSecret = 'test-secret-concurrent-first-start';
    const started = await Promise.allSettled([1, 2, 3].map(() => startGus({ ollamaHost, databaseUrl: database.url, jwtSecret })));
    processes = started.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));
    for (const result of started) if (result.status === 'rejected') console.error(result.reason);
  });
  afterAll(async () => {
    await Promise.all(processes.map((gus) => gus.stop()));
    await database?.drop();
    await simulator.stop();
  });

  it('all become ready, each migration is applied once, and the first admin exists once', async () => {
    expect(processes).toHaveLength(3);
    // None had to fail a migration and start again (@nestjs/typeorm retries a failed start after 3 s).
    for (const gus of processes) expect(gus.logs()).not.toMatch(/already exists|Migration .* failed|Unable to connect/);
    for (const gus of processes) expect((await fetch(`${gus.url}/health/ready`)).status).toBe(200);
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    try {
      const applied = (await client.query<{ name: string; n: number }>('SELECT name, count(*)::int AS n FROM migrations GROUP BY name')).rows;
      expect(applied.length).toBeGreaterThan(0);
      expect(applied.filter((row) => row.n !== 1)).toEqual([]);
      const admins = (await client.query<{ n: number }>(`SELECT count(*)::int AS n FROM users WHERE role = 'admin'`)).rows[0]!.n;
      expect(admins).toBe(1);
    } finally {
      await client.end();
    }
    // And they serve one database: a user made through one process logs in through another.
    const user = await new ApiClient(processes[0]!.url).newUser(await new ApiClient(processes[0]!.url).asAdmin());
    expect((await new ApiClient(processes[2]!.url).post('/v1/auth/login', { email: user.email, password: user.password })).status).toBe(200);
  });
});
