import { createHash } from 'node:crypto';
import { DomainError } from '../../../libs/errors/domain-error.js';

/** Keys are kept this long; after that the same key starts a new request. */
export const IDEMPOTENCY_TTL_MS = 24 * 3600 * 1000;
/** A request still running after this long is presumed dead (its process crashed) and may be taken over. */
export const IDEMPOTENCY_STALE_MS = 5 * 60 * 1000;

const KEY = /^[\x21-\x7e]{1,255}$/;

export function assertValidKey(key: string): void {
  if (!KEY.test(key)) throw new DomainError('INVALID_REQUEST', 'Idempotency-Key must be 1–255 printable ASCII characters');
}

/** What makes two requests "the same": route and body, whatever the JSON key order. */
export function fingerprint(route: string, body: unknown): string {
  return createHash('sha256').update(route).update('\n').update(canonicalJson(body)).digest('hex');
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

export interface StoredResponse {
  status: number;
  body: unknown;
}

export type IdempotencyClaim = { kind: 'new' } | { kind: 'replay'; response: StoredResponse };

/** The same key with another body is a client bug: refuse it rather than guess. */
export function assertSameRequest(stored: string, incoming: string): void {
  if (stored !== incoming) throw new DomainError('IDEMPOTENCY_KEY_REUSED', 'this Idempotency-Key was used with a different request body');
}
