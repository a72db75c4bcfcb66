import { register } from 'node:module';
import { trace, type Attributes } from '@opentelemetry/api';
import type { NextFunction, Request, Response } from 'express';

/**
 * OpenTelemetry for gus: spans for HTTP (server, and the model server calls through undici), Express and
 * Nest, PostgreSQL (pg) and Redis (ioredis). Started by main.ts before the application is imported, so
 * the instrumentations see those modules load. OTLP export when OTEL_EXPORTER_OTLP_ENDPOINT (or the
 * traces-specific variable) is set; otherwise spans are created — every request still has a trace id —
 * and not exported. OTEL_SDK_DISABLED=true turns it off.
 */
export async function startTracing(env: NodeJS.ProcessEnv = process.env): Promise<string> {
  if (env.OTEL_SDK_DISABLED === 'true') return 'tracing: off (OTEL_SDK_DISABLED=true)';
  // ESM modules (Nest, and CommonJS packages imported from ESM) are patched through import-in-the-middle.
  register('@opentelemetry/instrumentation/hook.mjs', import.meta.url);
  env.OTEL_LOGS_EXPORTER ??= 'none';
  env.OTEL_METRICS_EXPORTER ??= 'none';
  const [{ NodeSDK }, { OTLPTraceExporter }, http, express, nest, pg, ioredis, undici] = await Promise.all([
    import('@opentelemetry/sdk-node'),
    import('@opentelemetry/exporter-trace-otlp-http'),
    import('@opentelemetry/instrumentation-http'),
    import('@opentelemetry/instrumentation-express'),
    import('@opentelemetry/instrumentation-nestjs-core'),
    import('@opentelemetry/instrumentation-pg'),
    import('@opentelemetry/instrumentation-ioredis'),
    import('@opentelemetry/instrumentation-undici'),
  ]);
  const exporting = Boolean(env.OTEL_EXPORTER_OTLP_ENDPOINT || env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT);
  const sdk = new NodeSDK({
    serviceName: env.OTEL_SERVICE_NAME || 'gus',
    ...(exporting ? { traceExporter: new OTLPTraceExporter() } : { spanProcessors: [NO_EXPORT] }),
    instrumentations: [
      new http.HttpInstrumentation({ ignoreIncomingRequestHook: (req) => req.url === '/metrics' || (req.url ?? '').startsWith('/health/') }),
      new express.ExpressInstrumentation(),
      new nest.NestInstrumentation(), // inactive on NestJS 12 (it supports < 12): see handler-span.interceptor.ts
      new pg.PgInstrumentation({ enhancedDatabaseReporting: false }),
      new ioredis.IORedisInstrumentation(),
      new undici.UndiciInstrumentation(),
    ],
  });
  sdk.start();
  const stop = () => void sdk.shutdown().catch(() => undefined);
  process.once('beforeExit', stop);
  return exporting ? 'tracing: OpenTelemetry, exporting over OTLP' : 'tracing: OpenTelemetry, trace ids only (set OTEL_EXPORTER_OTLP_ENDPOINT to export)';
}

/** Spans are recorded (so ids propagate) but go nowhere. */
const NO_EXPORT = {
  onStart: () => undefined,
  onEnd: () => undefined,
  forceFlush: () => Promise.resolve(),
  shutdown: () => Promise.resolve(),
};

/** The trace id of the active span, or null when tracing is off. */
export function currentTraceId(): string | null {
  const context = trace.getActiveSpan()?.spanContext();
  return context && trace.isSpanContextValid(context) ? context.traceId : null;
}

/** Adds attributes (e.g. gus.conversation_id) to the active span; a no-op without one. */
export function annotateActiveSpan(attributes: Attributes): void {
  trace.getActiveSpan()?.setAttributes(attributes);
}

/** Every response names its trace: X-Trace-Id (also the id stored with the turn's messages). */
export function traceIdMiddleware(req: Request & { traceId?: string; id?: string }, res: Response, next: NextFunction): void {
  const traceId = currentTraceId();
  req.traceId = traceId ?? req.id;
  if (traceId) res.setHeader('X-Trace-Id', traceId);
  next();
}
