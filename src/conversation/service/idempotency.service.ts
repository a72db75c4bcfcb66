import { Injectable } from '@nestjs/common';
import { DomainError, type ErrorCode } from '../../../libs/errors/domain-error.js';
import {
  IDEMPOTENCY_STALE_MS,
  IDEMPOTENCY_TTL_MS,
  assertSameRequest,
  assertValidKey,
  fingerprint,
  type IdempotencyClaim,
  type StoredResponse,
} from '../domain/idempotency.js';
import { IdempotencyRepository } from '../repository/idempotency.repository.js';

const POLL_MS = 25;
/** How long a retry waits for the first request with its key to finish. */
const WAIT_MS = 120_000;

/**
 * Idempotency-Key for sends: the first request with a key runs; a retry with the same key and body
 * gets the first result (waiting for it if it is still running) without a second model call,
 * message or usage event; the same key with another body is 422.
 */
@Injectable()
export class IdempotencyService {
  constructor(private readonly keys: IdempotencyRepository) {}

  async claim(userId: string, key: string, route: string, body: unknown): Promise<IdempotencyClaim> {
    assertValidKey(key);
    const print = fingerprint(route, body);
    const deadline = Date.now() + WAIT_MS;
    for (;;) {
      const now = Date.now();
      if (await this.keys.claim(userId, key, print, new Date(now - IDEMPOTENCY_TTL_MS), new Date(now - IDEMPOTENCY_STALE_MS))) {
        if (Math.random() < 0.01) void this.keys.deleteExpired(new Date(now - IDEMPOTENCY_TTL_MS)).catch(() => undefined);
        return { kind: 'new' };
      }
      const existing = await this.keys.find(userId, key);
      if (existing) {
        assertSameRequest(existing.fingerprint, print);
        if (existing.response) return { kind: 'replay', response: existing.response };
      }
      if (Date.now() > deadline) throw new DomainError('CONFLICT', 'a request with this Idempotency-Key is still running; try again later');
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
  }

  /**
   * Runs `execute` once per key: a repeat gets `replay` of the stored first response instead. A coded
   * failure (e.g. the model was down) is stored and replayed too; an unexpected one frees the key.
   */
  async run(request: { userId: string; key: string | undefined; route: string; body: unknown }, execute: () => Promise<StoredResponse>, replay: (response: StoredResponse) => void): Promise<void> {
    const { userId, key } = request;
    if (key === undefined) {
      await execute();
      return;
    }
    const claim = await this.claim(userId, key, request.route, request.body);
    if (claim.kind === 'replay') {
      if (claim.response.status >= 400) {
        const error = claim.response.body as { code: ErrorCode; message: string };
        throw new DomainError(error.code, error.message);
      }
      replay(claim.response);
      return;
    }
    try {
      await this.complete(userId, key, await execute());
    } catch (error) {
      if (error instanceof DomainError) await this.complete(userId, key, { status: error.status, body: { code: error.code, message: error.message } });
      else await this.release(userId, key);
      throw error;
    }
  }

  complete(userId: string, key: string, response: StoredResponse): Promise<void> {
    return this.keys.complete(userId, key, response);
  }

  release(userId: string, key: string): Promise<void> {
    return this.keys.release(userId, key);
  }
}
