import { randomUUID } from 'node:crypto';
import { STATUS_CODES, type IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import helmet from 'helmet';
import type { Logger } from 'pino';
import { DomainError } from '../errors/domain-error.js';
import { httpRequestDuration } from '../metrics/metrics.js';
import { traceIdFor } from '../tracing/tracing.js';
import { INPUT_LIMITS } from './input-limits.js';
import { checkJsonBody, unstorableText, type JsonBodyProblem } from './json-guard.js';

const VALID_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;
/** Answered without a request log line: probes and scrapes every few seconds would drown the rest. */
const QUIET_PATHS = new Set(['/metrics', '/health/live', '/health/ready']);

declare module 'fastify' {
  interface FastifyRequest {
    /** The W3C trace id of this request (also X-Trace-Id and the one stored with its messages). */
    traceId: string;
  }
}

/**
 * The HTTP server: Fastify under Nest (a third of Express's cost per request in our measurement), with no
 * proxy trusted (X-Forwarded-For is ignored), request ids that are the caller's X-Request-Id when sane, and
 * bodies limited to 2 MB. Fastify's own logger stays off: gus logs one line per request itself.
 */
export function createHttpAdapter(): FastifyAdapter {
  return new FastifyAdapter({
    bodyLimit: INPUT_LIMITS.body.maxBytes,
    trustProxy: false,
    logger: false,
    requestIdHeader: false,
    genReqId: (req: IncomingMessage) => {
      const incoming = req.headers['x-request-id'];
      return typeof incoming === 'string' && VALID_REQUEST_ID.test(incoming) ? incoming : randomUUID();
    },
    // gus uses no Express-style middleware: middie's hook would run on every request for nothing.
    skipMiddie: true,
    clientErrorHandler: answerUnparsableRequest,
  });
}

/**
 * A request Node's HTTP parser refuses (headers over 16 KB, a malformed request line) never reaches Fastify's
 * routes: it is answered here, in gus's error shape, and the connection is closed.
 */
function answerUnparsableRequest(error: Error & { code?: string }, socket: Duplex): void {
  if (socket.destroyed || !socket.writable) return;
  const [status, code, message] =
    error.code === 'HPE_HEADER_OVERFLOW'
      ? [431, 'REQUEST_HEADERS_TOO_LARGE', 'the request headers are larger than 16 KB']
      : error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? [408, 'INVALID_REQUEST', 'the request did not arrive in time']
        : [400, 'INVALID_REQUEST', 'the request is not valid HTTP'];
  const body = JSON.stringify({ statusCode: status, code, message, requestId: randomUUID() });
  socket.end(`HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
}

/**
 * JSON is the only body gus reads. The text is checked (depth, U+0000, lone surrogates) in one linear pass
 * before Fastify's JSON parser (which refuses __proto__ and constructor keys) ever runs on it.
 */
export function registerBodyParser(fastify: FastifyInstance): void {
  const parseJson = fastify.getDefaultJsonParser('error', 'error');
  fastify.removeAllContentTypeParsers();
  fastify.addContentTypeParser('application/json', { parseAs: 'string', bodyLimit: INPUT_LIMITS.body.maxBytes }, (req, body, done) => {
    const text = body as string;
    const problem = checkJsonBody(text, INPUT_LIMITS.body);
    if (problem === null) return parseJson(req, text, done);
    done(new DomainError('INVALID_REQUEST', describeProblem(problem)), undefined);
  });
}

function describeProblem(problem: JsonBodyProblem): string {
  switch (problem.kind) {
    case 'too-deep':
      return `the JSON body is nested more than ${problem.limit} levels deep`;
    case 'too-many-keys':
      return `an object of the JSON body has more than ${problem.limit} keys`;
    case 'too-many-items':
      return `an array of the JSON body has more than ${problem.limit} items`;
    case 'nul':
      return 'text may not contain NUL (U+0000) characters';
    case 'lone-surrogate':
      return 'text may not contain unpaired UTF-16 surrogates';
  }
}

/** The headers gus sends that a browser script may read (CORS exposes nothing else by default). */
const EXPOSED_HEADERS = [
  'X-Request-Id',
  'X-Trace-Id',
  'X-Conversation-Id',
  'X-RateLimit-Limit',
  'X-RateLimit-Remaining',
  'X-RateLimit-Reset',
  'X-RateLimit-Warning',
  'Retry-After',
  'Idempotent-Replayed',
];

/** What NestFastifyApplication.enableCors takes (kept structural so that libs/ need not import the app type). */
export interface CorsOptions {
  origin: string[] | boolean;
  methods: string[];
  allowedHeaders: string[];
  exposedHeaders: string[];
  maxAge: number;
}

/**
 * CORS only when GUS_CORS_ORIGINS names origins (web chat front ends on another origin); otherwise no CORS
 * header at all, so that a browser refuses cross-origin reads. Credentials are bearer tokens, never cookies.
 */
export function corsOptions(origins: string[]): CorsOptions | undefined {
  if (origins.length === 0) return undefined;
  return {
    origin: origins.includes('*') ? true : origins,
    methods: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'],
    allowedHeaders: ['Authorization', 'Content-Type', 'Idempotency-Key', 'X-Request-Id', 'Last-Event-ID', 'traceparent'],
    exposedHeaders: EXPOSED_HEADERS,
    maxAge: 600,
  };
}

const STRICT_CSP = {
  defaultSrc: ["'self'"],
  baseUri: ["'self'"],
  connectSrc: ["'self'"],
  fontSrc: ["'self'"],
  formAction: ["'self'"],
  frameAncestors: ["'none'"],
  imgSrc: ["'self'", 'data:'],
  objectSrc: ["'none'"],
  scriptSrc: ["'self'"],
  scriptSrcAttr: ["'none'"],
  styleSrc: ["'self'"],
  upgradeInsecureRequests: null,
};

/**
 * Security headers (helmet's defaults, no X-Powered-By) on every answer. The CSP is strict everywhere except
 * Swagger UI at /docs and Bull Board at /admin/queues, whose pages have inline styles. Both middlewares are built once: helmet's per-request
 * work is then a dozen setHeader calls.
 */
export function registerSecurityHeaders(fastify: FastifyInstance): void {
  const strict = helmet({ contentSecurityPolicy: { useDefaults: false, directives: STRICT_CSP } });
  const docs = helmet({ contentSecurityPolicy: { useDefaults: false, directives: { ...STRICT_CSP, styleSrc: ["'self'", "'unsafe-inline'"] } } });
  fastify.addHook('onRequest', (req: FastifyRequest, reply: FastifyReply, done) => {
    const middleware = req.url.startsWith('/docs') || req.url.startsWith('/admin/queues') ? docs : strict;
    middleware(req.raw, reply.raw, (error?: unknown) => done(error as Error | undefined));
  });
}

/**
 * Per request, in one hook: X-Request-Id and X-Trace-Id on every answer; once it is sent, the route's
 * latency histogram and one JSON log line (id, method, route pattern, status, duration — never bodies).
 */
export function registerRequestHooks(fastify: FastifyInstance, logger: Logger): void {
  fastify.addHook('onRequest', (req: FastifyRequest, reply: FastifyReply, done) => {
    req.traceId = traceIdFor(req.headers.traceparent);
    reply.header('X-Request-Id', req.id);
    reply.header('X-Trace-Id', req.traceId);
    done();
  });
  // Query values end up in SQL parameters too: the same rule as for bodies (the URL is at most 16 KB).
  fastify.addHook('preValidation', (req: FastifyRequest, _reply: FastifyReply, done) => {
    const query = req.query as Record<string, unknown> | undefined;
    for (const key in query) {
      const value = query[key];
      const values = Array.isArray(value) ? value : [value];
      for (const text of [key, ...values]) {
        if (typeof text === 'string' && unstorableText(text)) return done(new DomainError('INVALID_REQUEST', 'query values may not contain NUL (U+0000) characters or unpaired surrogates'));
      }
    }
    done();
  });
  const logRequests = logger.isLevelEnabled('info');
  fastify.addHook('onResponse', (req: FastifyRequest, reply: FastifyReply, done) => {
    const route = req.routeOptions.url ?? 'unmatched';
    const status = reply.statusCode;
    const seconds = reply.elapsedTime / 1000;
    httpRequestDuration.observe({ method: req.method, route, status: String(status) }, seconds);
    if (logRequests && !QUIET_PATHS.has(route)) {
      logger.info({ req: { id: req.id, method: req.method, url: route }, res: { statusCode: status }, responseTime: Math.round(reply.elapsedTime * 10) / 10 }, 'request completed');
    }
    done();
  });
}

/** What a worker process (GUS_ROLE=worker) answers over HTTP: its probes and its metrics, nothing else. */
export const WORKER_PATHS = new Set(['/health/live', '/health/ready', '/metrics']);

/** A worker serves no API: every other path is 404 before any guard or handler runs. */
export function serveOnlyHealth(fastify: FastifyInstance): void {
  fastify.addHook('onRequest', (req: FastifyRequest, reply: FastifyReply, done) => {
    if (WORKER_PATHS.has(req.url.split('?')[0]!)) return done();
    void reply
      .code(404)
      .type('application/json')
      .send({ statusCode: 404, code: 'NOT_FOUND', message: 'this is a worker process (GUS_ROLE=worker): it serves only /health/live, /health/ready and /metrics', requestId: req.id });
  });
}
