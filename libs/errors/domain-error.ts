/**
 * The stable, machine-readable error codes of the API (PRODUCT.md §3).
 * Domain and service code throws DomainError; one global filter maps code → HTTP status.
 */
export const ERROR_STATUS = {
  INVALID_REQUEST: 400,
  EMPTY_MESSAGE: 400,
  MESSAGE_TOO_LONG: 400,
  FORBIDDEN_CONTENT: 400,
  PROMPT_INJECTION: 400,
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  MODEL_NOT_ALLOWED: 403,
  ACCOUNT_SUSPENDED: 403,
  NOT_FOUND: 404,
  CONVERSATION_NOT_ACTIVE: 409,
  CONFLICT: 409,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  REQUEST_HEADERS_TOO_LARGE: 431,
  IDEMPOTENCY_KEY_REUSED: 422,
  RATE_LIMITED: 429,
  QUOTA_EXCEEDED: 429,
  INTERNAL_ERROR: 500,
  LLM_ERROR: 502,
  LLM_UNAVAILABLE: 503,
  LLM_TIMEOUT: 504,
  SERVICE_UNAVAILABLE: 503,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;

export class DomainError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    /** Extra response headers, e.g. Retry-After for 429. */
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'DomainError';
  }

  get status(): number {
    return ERROR_STATUS[this.code];
  }
}

export const notFound = (what: string): DomainError => new DomainError('NOT_FOUND', `${what} not found`);
export const invalid = (message: string): DomainError => new DomainError('INVALID_REQUEST', message);
