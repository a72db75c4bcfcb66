import { QUEUE_NAMES } from '../../libs/queue/queues.js';
import { ApiClient } from './support/api-client.js';
import { startGus, type RunningGus } from './support/gus-harness.js';
import { OllamaSimulator } from '../../src/llm/simulator/ollama-simulator.js';

const get = (gus: RunningGus, path: string, token?: string) => fetch(gus.url + path, { headers: token ? { authorization: `Bearer ${token}` } : {} });

describe('queue dashboard at /admin/queues: Bull Board with BullMQ (PostgreSQL + Redis)', () => {
  const simulator = new OllamaSimulator();
  let gus: RunningGus;
  let admin: ApiClient;
  let user: ApiClient;

  beforeAll(async () => {
    gus = await startGus({ ollamaHost: await simulator.start() });
    const api = new ApiClient(gus.url);
    admin = await api.asAdmin();
    user = await api.newUser(admin);
  });
  afterAll(async () => {
    await gus?.stop();
    await simulator.stop();
  });

  it('shows Bull Board and every queue to an admin', async () => {
    const page = await get(gus, '/admin/queues', admin.token);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toContain('text/html');
    expect(await page.text()).toContain('gus queues');
    const queues = await get(gus, '/admin/queues/api/queues', admin.token);
    expect(queues.status).toBe(200);
    const names = ((await queues.json()) as { queues: Array<{ name: string }> }).queues.map((q) => q.name).sort();
    expect(names).toEqual([...QUEUE_NAMES].sort());
  });

  it('answers 403 to a user and 401 to anyone without credentials, on the page and on its API', async () => {
    for (const path of ['/admin/queues', '/admin/queues/api/queues', '/admin/queues/static/foo.js']) {
      const forbidden = await get(gus, path, user.token);
      expect(forbidden.status).toBe(403);
      expect(await forbidden.json()).toMatchObject({ statusCode: 403, code: 'FORBIDDEN' });
      const anonymous = await get(gus, path);
      expect(anonymous.status).toBe(401);
      expect(await anonymous.json()).toMatchObject({ statusCode: 401, code: 'UNAUTHENTICATED' });
      expect((await get(gus, path, 'not-a-token')).status).toBe(401);
    }
  });

  it('keeps queue depths, delayed and failed counts in /metrics', async () => {
    const metrics = await (await fetch(`${gus.url}/metrics`)).text();
    for (const state of ['waiting', 'active', 'delayed', 'failed']) expect(metrics).toMatch(new RegExp(`gus_queue_jobs\\{queue="usage-billing",state="${state}"\\} \\d+`));
  });
});

describe('queue dashboard on the embedded queue: a JSON status', () => {
  let gus: RunningGus;
  let admin: ApiClient;
  let user: ApiClient;

  beforeAll(async () => {
    gus = await startGus({ embedded: true });
    const api = new ApiClient(gus.url);
    admin = await api.asAdmin();
    user = await api.newUser(admin);
  });
  afterAll(() => gus?.stop());

  it('gives an admin the in-process queue status, a user 403 and anyone else 401', async () => {
    const status = await admin.get('/admin/queues');
    expect(status.status).toBe(200);
    expect(status.body.backend).toBe('in-process');
    expect(status.body.queues.map((q: { name: string }) => q.name).sort()).toEqual([...QUEUE_NAMES].sort());
    expect(status.body.queues[0]).toEqual({ name: expect.any(String), waiting: expect.any(Number), active: expect.any(Number), delayed: expect.any(Number), failed: expect.any(Number) });
    expect((await user.get('/admin/queues')).status).toBe(403);
    expect((await new ApiClient(gus.url).get('/admin/queues')).status).toBe(401);
  });
});
