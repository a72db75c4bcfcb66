import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApiClient } from './support/api-client.js';
import { startGus, type RunningGus } from './support/gus-harness.js';
import { documentedFields, operationsOf, successProblems, topLevelFields } from './support/openapi-document.js';

/** A newcomer's first `npm start`: no GUS_ADMIN_* set, the embedded defaults. */
describe('first run without GUS_ADMIN_EMAIL: a one-time admin credential', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'gus-first-run-'));
  const noAdminEnv = { GUS_ADMIN_EMAIL: '', GUS_ADMIN_PASSWORD: '' };
  let gus: RunningGus;

  beforeAll(async () => {
    gus = await startGus({ embedded: true, dataDir, env: noAdminEnv });
  });
  afterAll(async () => {
    await gus?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('prints an admin email and password once, and they log in as an admin', async () => {
    const printed = /email: +(\S+)\n +password: +(\S+)/.exec(gus.logs());
    expect(printed).not.toBeNull();
    const [, email, password] = printed!;
    const login = await new ApiClient(gus.url).post('/v1/auth/login', { email, password });
    expect(login.status).toBe(200);
    const me = await new ApiClient(gus.url, login.body.accessToken).get('/v1/me');
    expect(me.body.role).toBe('admin');
  });

  it('prints nothing at the next start on the same data: the admin exists', async () => {
    await gus.stop();
    gus = await startGus({ embedded: true, dataDir, env: noAdminEnv });
    expect(gus.logs()).not.toMatch(/password: /);
  });
});

describe('OpenAPI document', () => {
  let gus: RunningGus;
  let doc: any;

  beforeAll(async () => {
    gus = await startGus({ embedded: true });
    doc = (await new ApiClient(gus.url).get('/docs-json')).body;
  });
  afterAll(() => gus?.stop());

  const operations = () => operationsOf(doc);

  it('lists Idempotency-Key exactly on the routes that honour it', () => {
    const withKey = operations()
      .filter(({ op }) => (op.parameters ?? []).some((p: any) => p.in === 'header' && p.name === 'Idempotency-Key'))
      .map(({ route }) => route)
      .sort();
    expect(withKey).toEqual(['POST /v1/chat/completions', 'POST /v1/conversations/{id}/messages', 'POST /v1/conversations/{id}/messages/{messageId}/regenerate']);
  });

  it('gives every route a summary', () => {
    expect(operations().filter(({ op }) => !op.summary).map(({ route }) => route)).toEqual([]);
  });

  it('describes what every route answers on success, the embedded queue status included', async () => {
    const all = operations();
    expect(all.map(({ route }) => route)).toContain('GET /admin/queues');
    expect(all.flatMap((operation) => successProblems(doc, operation))).toEqual([]);
    const send = doc.paths['/v1/conversations/{id}/messages'].post.responses;
    expect(send['201'].content['application/json'].schema.properties.assistantMessage.properties.content).toEqual({ type: 'string' });
    expect(Object.keys(send['200'].content)).toEqual(['text/event-stream']);
    const queues = await (await new ApiClient(gus.url).asAdmin()).get('/admin/queues');
    expect(queues.status).toBe(200);
    expect(Object.keys(queues.body).sort()).toEqual(documentedFields(doc, 'GET /admin/queues', '200'));
    expect(queues.body.queues.length).toBeGreaterThan(0);
    expect(Object.keys(queues.body.queues[0]).sort()).toEqual(topLevelFields(doc, doc.components.schemas.QueueStatsResponse));
  });

  it('gives every authenticated route its 401/403 and every route 429/503, in the shared error shape', () => {
    expect(doc.components.schemas.Error.required).toEqual(['statusCode', 'code', 'message', 'requestId']);
    const all = operations();
    expect(all.length).toBeGreaterThan(25);
    expect(doc.paths['/health/ready'].get.responses['503']).toBeDefined();
    // /v1 routes; /health/ready keeps terminus's own 503 body.
    for (const { route, op } of all.filter(({ route }) => route.includes(' /v1/'))) {
      const errorRef = (status: string) => [route, status, op.responses[status]?.content?.['application/json']?.schema?.$ref];
      for (const status of ['429', '503']) expect(errorRef(status)).toEqual([route, status, '#/components/schemas/Error']);
      if (op.security?.length) for (const status of ['401', '403']) expect(errorRef(status)).toEqual([route, status, '#/components/schemas/Error']);
    }
  });
});
