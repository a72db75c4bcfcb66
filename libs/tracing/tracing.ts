import { randomUUID } from 'node:crypto';
import { register } from 'node:module';
import { trace, type Attributes } from '@opentelemetry/api';

let tracing = false;

/** Whether OpenTelemetry was started (an exporter is configured). */
export const tracingEnabled = (): boolean => tracing;

/**
 * OpenTelemetry for gus, only when spans go somewhere: with OTEL_EXPORTER_OTLP_ENDPOINT (or the
 * traces-specific variable) set, spans for HTTP (server, and the model server calls through undici), PostgreSQL
 * (pg), Redis (ioredis) and a span per Nest handler, exported over OTLP. Without an exporter nothing is
 * instrumented — recording spans nobody reads cost a third of a turn's CPU — and every request still has a
 * trace id: the caller's (W3C traceparent) or a new one. Started by main.ts before the application is
 * imported, so the instrumentations see those modules load. OTEL_SDK_DISABLED=true turns it off.
 */
export async function startTracing(env: NodeJS.ProcessEnv = process.env): Promise<string> {
  if (env.OTEL_SDK_DISABLED === 'true') return 'tracing: off (OTEL_SDK_DISABLED=true); trace ids from traceparent or generated';
  if (!env.OTEL_EXPORTER_OTLP_ENDPOINT && !env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) {
    return 'tracing: no exporter configured (set OTEL_EXPORTER_OTLP_ENDPOINT to export spans); trace ids from traceparent or generated';
  }
  // ESM modules (Nest, and CommonJS packages imported from ESM) are patched through import-in-the-middle.
  register('@opentelemetry/instrumentation/hook.mjs', import.meta.url);
  env.OTEL_LOGS_EXPORTER ??= 'none';
  env.OTEL_METRICS_EXPORTER ??= 'none';
  const [{ NodeSDK }, { OTLPTraceExporter }, http, pg, ioredis, undici] = await Promise.all([
    import('@opentelemetry/sdk-node'),
    import('@opentelemetry/exporter-trace-otlp-http'),
    import('@opentelemetry/instrumentation-http'),
    import('@opentelemetry/instrumentation-pg'),
    import('@opentelemetry/instrumentation-ioredis'),
    import('@opentelemetry/instrumentation-undici'),
  ]);
  const sdk = new NodeSDK({
    serviceName: env.OTEL_SERVICE_NAME || 'gus',
    traceExporter: new OTLPTraceExporter(),
    instrumentations: [
      new http.HttpInstrumentation({ ignoreIncomingRequestHook: (req) => req.url === '/metrics' || (req.url ?? '').startsWith('/health/') }),
      new pg.PgInstrumentation({ enhancedDatabaseReporting: false }),
      new ioredis.IORedisInstrumentation(),
      new undici.UndiciInstrumentation(),
    ],
  });
  sdk.start();
  tracing = true;
  const stop = () => void sdk.shutdown().catch(() => undefined);
  process.once('beforeExit', stop);
  return 'tracing: OpenTelemetry, exporting over OTLP';
}

const TRACEPARENT = /^[\da-f]{2}-([\da-f]{32})-[\da-f]{16}-[\da-f]{2}$/;
const INVALID_TRACE_ID = '0'.repeat(32);

/**
 * The trace id of the current request: the active span's when tracing, else the caller's W3C traceparent,
 * else a new random one. It names the request in X-Trace-Id, the logs and the stored messages.
 */
export function traceIdFor(traceparent: string | string[] | undefined): string {
  if (tracing) {
    const context = trace.getActiveSpan()?.spanContext();
    if (context && trace.isSpanContextValid(context)) return context.traceId;
  }
  if (typeof traceparent === 'string' && traceparent.length === 55) {
    const id = TRACEPARENT.exec(traceparent)?.[1];
    if (id && id !== INVALID_TRACE_ID) return id;
  }
  // A UUID's 32 hex digits (from Node's pool of random bytes, no system call per request).
  return randomUUID().replaceAll('-', '');
}

/** Adds attributes (e.g. gus.conversation_id) to the active span; nothing when not tracing. */
export function annotateActiveSpan(attributes: Attributes): void {
  if (tracing) trace.getActiveSpan()?.setAttributes(attributes);
}
