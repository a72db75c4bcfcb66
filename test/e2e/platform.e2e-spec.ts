import { OllamaSimulator } from '../../src/llm/simulator/ollama-simulator.js';
import { ApiClient } from './support/api-client.js';
import { routerRoutes, startGus, type RunningGus } from './support/gus-harness.js';
import { documentedFields, operationsOf, successProblems, topLevelFields } from './support/openapi-document.js';

describe('health, metrics, OpenAPI and request ids (PostgreSQL + Redis)', () => {
  const simulator = new OllamaSimulator();
  let gus: RunningGus;
  let api: ApiClient;

  beforeAll(async () => {
    gus = await startGus({ ollamaHost: await simulator.start() });
    api = new ApiClient(gus.url);
  });
  afterAll(async () => {
    await gus?.stop();
    await simulator.stop();
  });

  it('is live, and ready when PostgreSQL, Redis and the model server answer', async () => {
    expect((await api.get('/health/live')).body).toEqual({ status: 'ok' });
    const ready = await api.get('/health/ready');
    expect(ready.status).toBe(200);
    expect(ready.body.details).toMatchObject({ database: { status: 'up' }, redis: { status: 'up', detail: 'redis' }, model: { status: 'up' } });
  });

  it('reports not ready when the model server stops answering', async () => {
    simulator.setOptions({ failure: { mode: 'hang' } });
    const stopped = new OllamaSimulator();
    const url = await stopped.start();
    await stopped.stop();
    // The readiness probe pings /api/version, which a hanging chat does not affect: point at a dead server instead.
    const dead = await startGus({ ollamaHost: url, databaseUrl: gus.config.databaseUrl, redisPrefix: gus.config.redisPrefix }).finally(() =>
      simulator.setOptions({ failure: undefined }),
    );
    try {
      const ready = await new ApiClient(dead.url).get('/health/ready');
      expect(ready.status).toBe(503);
      expect(ready.body.error).toHaveProperty('model');
      expect(ready.body.details.database.status).toBe('up');
    } finally {
      await dead.stop();
    }
  });

  it('serves Prometheus metrics with HTTP latency by route and status', async () => {
    await api.get('/v1/me');
    const metrics = await api.get('/metrics');
    expect(metrics.status).toBe(200);
    expect(metrics.headers.get('content-type')).toContain('text/plain');
    expect(metrics.body).toContain('gus_http_request_duration_seconds_bucket');
    expect(metrics.body).toMatch(/gus_http_request_duration_seconds_count\{method="GET",route="\/v1\/me",status="401"\} [1-9]/);
    expect(metrics.body).toContain('process_cpu_seconds_total');
  });

  it('serves the OpenAPI document for every route the router has, and for nothing else', async () => {
    const doc = await api.get('/docs-json');
    expect(doc.status).toBe(200);
    // The router's own list (its start-up log), so that a new route is checked without a change here.
    const routed = routerRoutes(gus.logs())
      .map((r) => `${r.method} ${r.path.replace(/:(\w+)/g, '{$1}')}`)
      .sort();
    expect(routed.filter((r) => r.includes(' /v1/')).length).toBeGreaterThanOrEqual(27);
    const documented = Object.entries(doc.body.paths as Record<string, Record<string, unknown>>)
      .flatMap(([path, operations]) => Object.keys(operations).map((method) => `${method.toUpperCase()} ${path}`))
      .sort();
    expect(documented).toEqual(routed);
    expect((await api.get('/docs')).status).toBe(200);
  });

  it('documents a success answer for every routed operation, and real answers have the documented fields', async () => {
    const doc = (await api.get('/docs-json')).body;
    // Every route the router has is in the document (the test above): so this covers every route.
    const operations = operationsOf(doc);
    expect(operations.length).toBe(routerRoutes(gus.logs()).length);
    expect(operations.flatMap((operation) => successProblems(doc, operation))).toEqual([]);
    const fields = (body: object) => Object.keys(body).sort();
    const admin = await api.asAdmin();
    const user = await api.newUser(admin);
    // One route per context, each answer compared with its schema's top-level fields.
    const samples: Array<[route: string, client: ApiClient, path: string]> = [
      ['GET /health/ready', api, '/health/ready'],
      ['GET /health/live', api, '/health/live'],
      ['GET /v1/me', user, '/v1/me'],
      ['GET /v1/usage', user, '/v1/usage'],
      ['GET /v1/models', user, '/v1/models'],
      ['GET /v1/admin/users', admin, '/v1/admin/users'],
      ['GET /v1/admin/plans', admin, '/v1/admin/plans'],
      ['GET /v1/admin/usage', admin, '/v1/admin/usage'],
      ['GET /v1/admin/flags', admin, '/v1/admin/flags'],
      ['GET /v1/admin/retention/runs', admin, '/v1/admin/retention/runs'],
    ];
    for (const [route, client, path] of samples) {
      const answer = await client.get(path);
      expect([route, answer.status]).toEqual([route, 200]);
      expect([route, fields(answer.body)]).toEqual([route, documentedFields(doc, route, '200')]);
    }
    const guest = await api.post('/v1/auth/guest', {});
    expect(guest.status).toBe(201);
    expect(fields(guest.body)).toEqual(documentedFields(doc, 'POST /v1/auth/guest', '201'));
    // One level down where the list is never empty: a model and a plan.
    const models = await user.get('/v1/models');
    const modelSchema = doc.paths['/v1/models'].get.responses['200'].content['application/json'].schema;
    const modelItem = doc.components.schemas[modelSchema.$ref.split('/').pop()].properties.data.items;
    expect(models.body.data.length).toBeGreaterThan(0);
    expect(fields(models.body.data[0])).toEqual(topLevelFields(doc, modelItem));
    const plans = await admin.get('/v1/admin/plans');
    expect(fields(plans.body.data[0])).toEqual(topLevelFields(doc, doc.components.schemas.PlanResponse));
    // Streams and text name their content type instead of a JSON schema.
    expect(Object.keys(doc.paths['/metrics'].get.responses['200'].content)).toEqual(['text/plain']);
    expect(Object.keys(doc.paths['/v1/chat/completions'].post.responses['200'].content).sort()).toEqual(['application/json', 'text/event-stream']);
    expect(doc.paths['/v1/me'].delete.responses['204'].content).toBeUndefined();
  });

  it('puts a request id on every response, keeps a sane incoming one, and uses it in errors', async () => {
    const fresh = await api.get('/health/live');
    expect(fresh.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    const kept = await api.get('/v1/me');
    expect(kept.body.requestId).toBe(kept.headers.get('x-request-id'));
    const echoed = await api.request<{ requestId: string }>('GET', '/v1/me', undefined, { 'x-request-id': 'client-chosen-42' });
    expect(echoed.headers.get('x-request-id')).toBe('client-chosen-42');
    expect(echoed.body.requestId).toBe('client-chosen-42');
    const hostile = await api.request('GET', '/v1/me', undefined, { 'x-request-id': 'bad id with spaces' });
    expect(hostile.headers.get('x-request-id')).not.toBe('bad id with spaces');
  });

  it('answers an unknown route and a malformed body in the one error shape', async () => {
    const missing = await api.get('/v1/nothing-here');
    expect(missing.status).toBe(404);
    expect(missing.body).toEqual({ statusCode: 404, code: 'NOT_FOUND', message: expect.any(String), requestId: missing.headers.get('x-request-id') });
    const malformed = await api.post('/v1/auth/login', '{"email": "a@b.c", ');
    expect(malformed.status).toBe(400);
    expect(malformed.body).toMatchObject({ statusCode: 400, code: 'INVALID_REQUEST', requestId: malformed.headers.get('x-request-id') });
  });
});
