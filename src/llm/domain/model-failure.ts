import { DomainError } from '../../../libs/errors/domain-error.js';

/** What went wrong with a model server, as a provider observed it (whatever its client library). */
export type ModelFailure =
  /** The server answered with an error status. */
  | { kind: 'status'; status: number; detail: string }
  /** No response at all: refused, unresolvable, reset before the headers. */
  | { kind: 'unreachable'; detail: string }
  /** An answer was under way and broke off: connection dropped, stream ended early, error inside the stream. */
  | { kind: 'dropped'; detail: string }
  /** No answer (or no first token) in time. */
  | { kind: 'timeout'; detail: string };

/**
 * A failed model call: a DomainError (LLM_ERROR / LLM_UNAVAILABLE / LLM_TIMEOUT) that also says whether
 * the same request may succeed if sent again.
 */
export class ModelCallError extends DomainError {
  constructor(
    code: 'LLM_ERROR' | 'LLM_UNAVAILABLE' | 'LLM_TIMEOUT',
    message: string,
    /** A server hiccup (overload, 5xx, lost connection) rather than a request the server will refuse again. */
    readonly transient: boolean,
  ) {
    super(code, message);
  }
}

/**
 * One translation for every provider: 429 / 503 and no response → LLM_UNAVAILABLE, other statuses and
 * broken answers → LLM_ERROR, timeouts → LLM_TIMEOUT. 4xx (but 429) and timeouts are not transient: the
 * same request would be refused again, or would wait as long again.
 */
export function modelCallError(failure: ModelFailure): ModelCallError {
  switch (failure.kind) {
    case 'status': {
      const { status, detail } = failure;
      if (status === 429 || status === 503) return new ModelCallError('LLM_UNAVAILABLE', `the model server is unavailable (${status}): ${detail}`, true);
      return new ModelCallError('LLM_ERROR', `the model server answered ${status}: ${detail}`, status >= 500);
    }
    case 'unreachable':
      return new ModelCallError('LLM_UNAVAILABLE', `the model server could not be reached (${failure.detail})`, true);
    case 'dropped':
      return new ModelCallError('LLM_ERROR', `the model server broke off its answer (${failure.detail})`, true);
    case 'timeout':
      return new ModelCallError('LLM_TIMEOUT', failure.detail, false);
  }
}
