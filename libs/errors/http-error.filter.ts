import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import type { Request, Response } from 'express';
import { errorsByCode } from '../metrics/metrics.js';
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
    const req = http.getRequest<Request & { id?: string }>();
    const res = http.getResponse<Response>();
    if (exception instanceof HttpException && req.path.startsWith('/health/')) {
      // Terminus reports which dependency is down in its own body; keep it for orchestrators.
      res.status(exception.getStatus()).json(exception.getResponse());
      return;
    }
    const error = toDomainError(exception);
    errorsByCode.inc({ code: error.code });
    if (error.code === 'INTERNAL_ERROR') {
      this.logger.error({ msg: 'unhandled error', requestId: req.id, error: describe(exception) });
    }
    if (res.headersSent) {
      // A streamed response already started: the stream writer reports errors itself.
      res.end();
      return;
    }
    for (const [name, value] of Object.entries(error.headers)) res.setHeader(name, value);
    const body: ErrorBody = {
      statusCode: error.status,
      code: error.code,
      message: error.message,
      requestId: req.id ?? '',
    };
    res.status(error.status).json(req.path.startsWith(OPENAI_COMPATIBLE_PREFIX) ? toOpenAiError(error) : body);
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
  429: 'RATE_LIMITED',
};

export function toDomainError(exception: unknown): DomainError {
  if (exception instanceof DomainError) return exception;
  if (exception instanceof HttpException) {
    const status = exception.getStatus();
    const code = HTTP_STATUS_CODES[status] ?? (status === 413 ? 'INVALID_REQUEST' : status < 500 ? 'INVALID_REQUEST' : 'INTERNAL_ERROR');
    return new DomainError(code, status === 404 ? 'route not found' : messageOf(exception));
  }
  // body-parser errors (malformed JSON, payload too large) carry a status and a type
  const e = exception as { status?: number; type?: string; message?: string };
  if (typeof e?.status === 'number' && e.status >= 400 && e.status < 500) {
    const message = e.type === 'entity.parse.failed' ? 'malformed JSON body' : e.message ?? 'bad request';
    return new DomainError('INVALID_REQUEST', message);
  }
  return new DomainError('INTERNAL_ERROR', 'internal error');
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
