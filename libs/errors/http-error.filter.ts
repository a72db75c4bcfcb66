import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { errorsByCode } from '../metrics/metrics.js';
import { DEPENDENCY_RETRY_AFTER_SECONDS, isDependencyFailure } from './dependency-failure.js';
import { DomainError, ERROR_STATUS, type ErrorCode } from './domain-error.js';

export interface ErrorBody {
  statusCode: number;
  code: ErrorCode;
  message: string;
  requestId: string;
}

/** Maps any thrown value to the one error shape of PRODUCT.md §3. Never leaks internals in a 500. */
@Catch()
export class HttpErrorFilter implements ExceptionFilter {
  private readonly logger = new Logger('HttpErrorFilter');

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const req = http.getRequest<FastifyRequest>();
    const reply = http.getResponse<FastifyReply>();
    if (exception instanceof HttpException && req.url.startsWith('/health/')) {
      // Terminus reports which dependency is down in its own body; keep it for orchestrators.
      void reply.status(exception.getStatus()).send(exception.getResponse());
      return;
    }
    const error = toDomainError(exception);
    errorsByCode.inc({ code: error.code });
    if (error.code === 'INTERNAL_ERROR') {
      this.logger.error({ msg: 'unhandled error', requestId: req.id, error: describe(exception) });
    } else if (error.code === 'SERVICE_UNAVAILABLE' && !(exception instanceof DomainError)) {
      this.logger.warn({ msg: 'a dependency did not answer', requestId: req.id, error: describe(exception) });
    }
    if (reply.sent || reply.raw.headersSent) {
      // A streamed response already started: the stream writer reports errors itself.
      if (!reply.raw.writableEnded) reply.raw.end();
      return;
    }
    for (const [name, value] of Object.entries(error.headers)) void reply.header(name, value);
    const body: ErrorBody = {
      statusCode: error.status,
      code: error.code,
      message: error.message,
      requestId: req.id ?? '',
    };
    void reply.status(error.status).send(req.url.startsWith(OPENAI_COMPATIBLE_PREFIX) ? toOpenAiError(error) : body);
  }
}

/** Routes that answer errors in OpenAI's shape, so that OpenAI's client libraries understand them. */
const OPENAI_COMPATIBLE_PREFIX = '/v1/chat/';

const OPENAI_ERROR_TYPES: Record<number, string> = {
  400: 'invalid_request_error',
  401: 'authentication_error',
  403: 'permission_error',
  404: 'not_found_error',
  409: 'invalid_request_error',
  422: 'invalid_request_error',
  429: 'rate_limit_error',
};

export function toOpenAiError(error: DomainError) {
  return { error: { message: error.message, type: OPENAI_ERROR_TYPES[error.status] ?? 'api_error', param: null, code: error.code } };
}

const HTTP_STATUS_CODES: Partial<Record<number, ErrorCode>> = {
  400: 'INVALID_REQUEST',
  401: 'UNAUTHENTICATED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  409: 'CONFLICT',
  413: 'PAYLOAD_TOO_LARGE',
  415: 'UNSUPPORTED_MEDIA_TYPE',
  429: 'RATE_LIMITED',
};

export function toDomainError(exception: unknown): DomainError {
  if (exception instanceof DomainError) return exception;
  if (isDependencyFailure(exception)) return serviceUnavailable();
  if (exception instanceof HttpException) {
    const status = exception.getStatus();
    const code = HTTP_STATUS_CODES[status] ?? (status < 500 ? 'INVALID_REQUEST' : 'INTERNAL_ERROR');
    if (status === 415) return new DomainError(code, FASTIFY_ERRORS.FST_ERR_CTP_INVALID_MEDIA_TYPE![1]);
    return new DomainError(code, status === 404 ? 'route not found' : messageOf(exception));
  }
  // Fastify's own errors (body parsing, content types, limits) carry a code and a status.
  const e = exception as { code?: string; statusCode?: number; message?: string };
  const fastifyError = typeof e?.code === 'string' ? FASTIFY_ERRORS[e.code] : undefined;
  if (fastifyError) return new DomainError(fastifyError[0], fastifyError[1]);
  if (typeof e?.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500) return new DomainError('INVALID_REQUEST', e.message ?? 'bad request');
  return new DomainError('INTERNAL_ERROR', 'internal error');
}

/** Fastify's error codes that reach the filter, as gus's codes and messages. */
const FASTIFY_ERRORS: Record<string, [ErrorCode, string]> = {
  FST_ERR_CTP_INVALID_MEDIA_TYPE: ['UNSUPPORTED_MEDIA_TYPE', 'request bodies must be JSON (Content-Type: application/json)'],
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: ['INVALID_REQUEST', 'the Content-Length does not match the body'],
  FST_ERR_CTP_BODY_TOO_LARGE: ['PAYLOAD_TOO_LARGE', 'the request body is larger than 2 MB'],
  FST_ERR_CTP_EMPTY_JSON_BODY: ['INVALID_REQUEST', 'the JSON body is empty'],
  FST_ERR_CTP_INVALID_JSON_BODY: ['INVALID_REQUEST', 'malformed JSON body'],
  FST_ERR_BAD_URL: ['INVALID_REQUEST', 'malformed URL'],
};

/** 503 SERVICE_UNAVAILABLE: a dependency such as the database does not answer; worth retrying shortly. */
export function serviceUnavailable(): DomainError {
  return new DomainError('SERVICE_UNAVAILABLE', 'a service gus depends on is not available right now; try again shortly', {
    'Retry-After': String(DEPENDENCY_RETRY_AFTER_SECONDS),
  });
}

function messageOf(exception: HttpException): string {
  const response = exception.getResponse();
  if (typeof response === 'string') return response;
  const message = (response as { message?: unknown }).message;
  if (Array.isArray(message)) return message.join('; ');
  return typeof message === 'string' ? message : exception.message;
}

function describe(exception: unknown): unknown {
  return exception instanceof Error ? { name: exception.name, message: exception.message, stack: exception.stack } : exception;
}

export { ERROR_STATUS };
