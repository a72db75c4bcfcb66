/**
 * Whether an error means a dependency (the database, Redis) could not be reached or is going away, rather than
 * a fault of the request or of gus: answered 503 SERVICE_UNAVAILABLE with Retry-After, never 401 or 500.
 */
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN']);
/** PostgreSQL SQLSTATE classes 08 (connection exception), 53 (insufficient resources), 57P (operator intervention: shutdown). */
const POSTGRES_STATES = /^(08|53|57P)/;
const MESSAGES = /connection terminated|timeout exceeded when trying to connect|connection is closed|the database system is (starting up|shutting down)|stream isn't writeable|connection lost|client has encountered a connection error|cannot use a pool after calling end/i;

export function isDependencyFailure(error: unknown): boolean {
  for (let current = error, depth = 0; current && depth < 4; current = (current as { cause?: unknown }).cause, depth++) {
    const e = current as { code?: unknown; message?: unknown; name?: unknown };
    if (typeof e.code === 'string' && (NETWORK_CODES.has(e.code) || POSTGRES_STATES.test(e.code))) return true;
    if (typeof e.message === 'string' && MESSAGES.test(e.message)) return true;
    if (e.name === 'MaxRetriesPerRequestError') return true;
  }
  return false;
}

/** Seconds a client is told to wait when a dependency is down. */
export const DEPENDENCY_RETRY_AFTER_SECONDS = 5;
