import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApiClient, parseSse } from './support/api-client.js';
import { eventually, startGus, type RunningGus } from './support/gus-harness.js';

/** The bare-machine defaults: PGlite in GUS_DATA_DIR, the in-process queue and the built-in simulator. */
describe('gus on its embedded defaults (no DATABASE_URL, REDIS_URL or OLLAMA_HOST)', () => {
  let gus: RunningGus;
  let api: ApiClient;
  const dataDir = mkdtempSync(join(tmpdir(), 'gus-embedded-'));

  beforeAll(async () => {
    gus = await startGus({ embedded: true, dataDir, env: { LOG_LEVEL: 'info' } });
    api = new ApiClient(gus.url);
  });
  afterAll(async () => {
    await gus?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('runs on PGlite with the in-process queue and the built-in simulator', async () => {
    expect(gus.config.databaseUrl).toBeUndefined();
    expect(gus.config.redisUrl).toBeUndefined();
    expect(gus.config.ollamaHost).toBeUndefined();
    const ready = await api.get('/health/ready');
    expect(ready.status).toBe(200);
    expect(ready.body.details).toMatchObject({ database: { status: 'up' }, redis: { detail: 'in-process' }, model: { status: 'up' } });
    // Each default is announced in the log.
    expect(gus.logs()).toContain(`embedded PostgreSQL (PGlite) in ${join(dataDir, 'pg')}`);
    expect(gus.logs()).toContain('IN-PROCESS job queue');
    expect(gus.logs()).toContain('BUILT-IN MODEL SIMULATOR');
  });

  it('serves a whole conversation: turns, a stream, a branch, and billing totals', async () => {
    const admin = await api.asAdmin();
    const user = await api.newUser(admin);
    const id = (await user.post('/v1/conversations', { title: 'embedded' })).body.id;
    const first = await user.post(`/v1/conversations/${id}/messages`, { content: 'hello' });
    expect(first.status).toBe(201);
    expect(first.body.assistantMessage).toMatchObject({ status: 'complete', completionTokens: 12 });

    const streamed = await fetch(`${gus.url}/v1/conversations/${id}/messages`, {
      method: 'POST',
      headers: { authorization: `Bearer ${user.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ content: 'stream it', stream: true }),
    });
    const events = parseSse(await streamed.text());
    expect(events[0]!.event).toBe('message.created');
    expect(events.at(-1)!.event).toBe('message.completed');

    const branch = await user.post(`/v1/conversations/${id}/messages`, { content: 'other way', parentId: first.body.assistantMessage.id });
    expect(branch.body.userMessage.parentId).toBe(first.body.assistantMessage.id);
    const tree = await user.get(`/v1/conversations/${id}/tree`);
    expect(tree.body.messages).toHaveLength(6);

    const totals = await eventually(async () => {
      const res = await user.get(`/v1/conversations/${id}`);
      expect(res.body.usage.turns).toBe(3);
      return res.body.usage;
    });
    expect(totals.totalTokens).toBeGreaterThan(36);

    // The data outlives the process: a restart on the same GUS_DATA_DIR finds it.
    await gus.stop();
    gus = await startGus({ embedded: true, dataDir });
    const again = await new ApiClient(gus.url).post('/v1/auth/login', { email: user.email, password: user.password });
    expect(again.status).toBe(200);
    const kept = await new ApiClient(gus.url, again.body.accessToken).get(`/v1/conversations/${id}/messages`);
    expect(kept.body.data).toHaveLength(4);
  });
});
