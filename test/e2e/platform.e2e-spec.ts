import { OllamaSimulator } from '../../src/llm/simulator/ollama-simulator.js';
import { ApiClient } from './support/api-client.js';
import { routerRoutes, startGus, type RunningGus } from './support/gus-harness.js';

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
