import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { OllamaSimulator } from '../../src/llm/simulator/ollama-simulator.js';
import { ApiClient } from './support/api-client.js';
import { eventually, startGus, type RunningGus } from './support/gus-harness.js';

interface ExportedSpan {
  traceId: string;
  spanId: string;
  name: string;
  kind: number;
  scope: string;
  attributes: Record<string, unknown>;
}

/** A tiny OTLP/HTTP collector (JSON protocol) that keeps every span it is sent. */
class TestCollector {
  readonly spans: ExportedSpan[] = [];
  private server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      if (req.url === '/v1/traces') this.collect(JSON.parse(body));
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });

  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  stop(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private collect(payload: any): void {
    for (const resourceSpans of payload.resourceSpans ?? []) {
      for (const scopeSpans of resourceSpans.scopeSpans ?? []) {
        for (const span of scopeSpans.spans ?? []) {
          const attributes: Record<string, unknown> = {};
          for (const { key, value } of span.attributes ?? []) attributes[key] = value.stringValue ?? value.intValue ?? value.boolValue ?? value.doubleValue;
          this.spans.push({ traceId: span.traceId, spanId: span.spanId, name: span.name, kind: span.kind, scope: scopeSpans.scope?.name ?? '', attributes });
        }
      }
    }
  }
}

describe('OpenTelemetry tracing (PostgreSQL + Redis, exported to an OTLP collector)', () => {
  const simulator = new OllamaSimulator();
  const collector = new TestCollector();
  let gus: RunningGus;

  beforeAll(async () => {
    const endpoint = await collector.start();
    gus = await startGus({
      ollamaHost: await simulator.start(),
      env: { OTEL_EXPORTER_OTLP_ENDPOINT: endpoint, OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json', OTEL_BSP_SCHEDULE_DELAY: '100' },
    });
  });
  afterAll(async () => {
    await gus?.stop();
    await simulator.stop();
    await collector.stop();
  });

  it('traces a chat turn across HTTP, Nest, PostgreSQL, Redis and the model call, with the ids on the spans', async () => {
    const api = new ApiClient(gus.url);
    const user = await api.newUser(await api.asAdmin());
    const id = (await user.post('/v1/conversations', {})).body.id;
    const turn = await user.post(`/v1/conversations/${id}/messages`, { content: 'trace me' });
    expect(turn.status).toBe(201);
    const traceId = turn.headers.get('x-trace-id')!;
    expect(traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(turn.body.assistantMessage.traceId).toBe(traceId);
    expect(turn.body.userMessage.traceId).toBe(traceId);

    const spans = await eventually(async () => {
      const ofTrace = collector.spans.filter((s) => s.traceId === traceId);
      // The server span ends last (after the response), so it may come in a later export batch.
      for (const scope of ['@opentelemetry/instrumentation-http', '@gus/nest-handlers', '@opentelemetry/instrumentation-pg', '@opentelemetry/instrumentation-undici']) {
        expect(ofTrace.some((s) => s.scope === scope)).toBe(true);
      }
      return ofTrace;
    }, 15_000);
    const scopes = new Set(spans.map((s) => s.scope));
    for (const scope of ['@opentelemetry/instrumentation-http', '@opentelemetry/instrumentation-pg', '@opentelemetry/instrumentation-ioredis', '@opentelemetry/instrumentation-undici']) {
      expect(scopes).toContain(scope);
    }
    // Nest: OpenTelemetry's Nest instrumentation stops at NestJS < 12, so gus opens a span per handler itself.
    const handler = spans.find((s) => s.scope === '@gus/nest-handlers');
    expect(handler).toMatchObject({ name: 'ConversationsController.send', attributes: { 'nestjs.controller': 'ConversationsController' } });
    const server = spans.find((s) => s.scope === '@opentelemetry/instrumentation-http' && s.kind === 2)!; // SERVER
    expect(server).toBeDefined();
    const annotated = spans.find((s) => s.attributes['gus.message_id'] === turn.body.assistantMessage.id);
    expect(annotated?.attributes['gus.conversation_id']).toBe(id);
    expect(spans.some((s) => s.attributes['db.system'] === 'postgresql' || s.attributes['db.system.name'] === 'postgresql')).toBe(true);
    const modelCall = spans.find((s) => s.scope === '@opentelemetry/instrumentation-undici');
    expect(JSON.stringify(modelCall?.attributes)).toContain('/api/chat');
  });
});

describe('without an exporter', () => {
  let gus: RunningGus;

  beforeAll(async () => {
    gus = await startGus({ embedded: true });
  });
  afterAll(() => gus?.stop());

  it('instruments nothing, yet names every request with a trace id: the caller’s traceparent, or a new one', async () => {
    expect(gus.logs()).toContain('tracing: no exporter configured');
    const api = new ApiClient(gus.url);
    const user = await api.newUser(await api.asAdmin());
    const id = (await user.post('/v1/conversations', {})).body.id;
    const turn = await user.post(`/v1/conversations/${id}/messages`, { content: 'no exporter' });
    expect(turn.status).toBe(201);
    const traceId = turn.headers.get('x-trace-id');
    expect(traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(turn.body.assistantMessage.traceId).toBe(traceId);

    const caller = '4bf92f3577b34da6a3ce929d0e0e4736';
    const followed = await user.post(`/v1/conversations/${id}/messages`, { content: 'follow my trace' }, { traceparent: `00-${caller}-00f067aa0ba902b7-01` });
    expect(followed.headers.get('x-trace-id')).toBe(caller);
    expect(followed.body.userMessage.traceId).toBe(caller);
    const again = await user.post(`/v1/conversations/${id}/messages`, { content: 'a malformed traceparent is ignored' }, { traceparent: '00-zzzz-00f067aa0ba902b7-01' });
    expect(again.headers.get('x-trace-id')).toMatch(/^[0-9a-f]{32}$/);
    expect(again.headers.get('x-trace-id')).not.toBe(caller);
  });
});
