import { ApiHeader } from '@nestjs/swagger';
import type { OpenAPIObject } from '@nestjs/swagger';

/** On the routes that honour it only (sends, regenerate, chat completions): never on GET or DELETE. */
export const IdempotencyKeyHeader = (): MethodDecorator =>
  ApiHeader({
    name: 'Idempotency-Key',
    required: false,
    description: 'a retry with the same key and body gets the first response (24 h); another body → 422 IDEMPOTENCY_KEY_REUSED',
  });

const ERROR_SCHEMA = {
  type: 'object',
  required: ['statusCode', 'code', 'message', 'requestId'],
  properties: {
    statusCode: { type: 'integer', example: 400 },
    code: { type: 'string', description: 'stable machine-readable error code', example: 'INVALID_REQUEST' },
    message: { type: 'string' },
    requestId: { type: 'string', description: 'also in the X-Request-Id header; quote it when reporting a problem' },
  },
};

/** The error answers every route can give, by status: the codes of the error table (libs/errors). */
const ERRORS: Record<string, { description: string; when: (op: Operation, method: string) => boolean }> = {
  '400': { description: 'INVALID_REQUEST (wrong types, unknown fields, bad ids), or a domain rule such as EMPTY_MESSAGE or MESSAGE_TOO_LONG', when: (op, method) => method !== 'get' || (op.parameters?.length ?? 0) > 0 },
  '401': { description: 'UNAUTHENTICATED: missing, invalid or expired bearer token', when: (op) => (op.security?.length ?? 0) > 0 },
  '403': { description: 'FORBIDDEN (role), ACCOUNT_SUSPENDED, or MODEL_NOT_ALLOWED', when: (op) => (op.security?.length ?? 0) > 0 },
  '429': { description: 'RATE_LIMITED or QUOTA_EXCEEDED, with Retry-After', when: () => true },
  '503': { description: 'SERVICE_UNAVAILABLE: a dependency (database, Redis, model server) is down; retry after Retry-After', when: () => true },
};

interface Operation {
  parameters?: unknown[];
  security?: unknown[];
  responses?: Record<string, unknown>;
}

/** Adds the shared error schema and each route's error answers to the generated document. */
export function completeOpenApi(document: OpenAPIObject): OpenAPIObject {
  document.components ??= {};
  document.components.schemas = { ...document.components.schemas, Error: ERROR_SCHEMA as never };
  for (const item of Object.values(document.paths)) {
    for (const [method, value] of Object.entries(item)) {
      if (!['get', 'post', 'put', 'patch', 'delete'].includes(method)) continue;
      const operation = value as Operation;
      operation.responses ??= {};
      for (const [status, error] of Object.entries(ERRORS)) {
        if (operation.responses[status] || !error.when(operation, method)) continue;
        operation.responses[status] = { description: error.description, content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } };
      }
    }
  }
  return document;
}
