import { DomainError } from '../../../libs/errors/domain-error.js';
import { modelCallError, ModelCallError } from '../../../src/llm/domain/model-failure.js';
import { MAX_RETRY_DELAY_MS, retryDelay, type AttemptOutcome } from '../../../src/llm/domain/retry-policy.js';

const policy = { retries: 2, baseDelayMs: 100 };
const unavailable = modelCallError({ kind: 'status', status: 503, detail: 'busy' });
const outcome = (overrides: Partial<AttemptOutcome> = {}): AttemptOutcome => ({
  error: unavailable,
  retriesSoFar: 0,
  yielded: false,
  aborted: false,
  ...overrides,
});

describe('model failures', () => {
  it('maps what went wrong to the API code, and says whether sending it again may help', () => {
    const cases: Array<[Parameters<typeof modelCallError>[0], string, boolean]> = [
      [{ kind: 'status', status: 503, detail: '' }, 'LLM_UNAVAILABLE', true],
      [{ kind: 'status', status: 429, detail: '' }, 'LLM_UNAVAILABLE', true],
      [{ kind: 'status', status: 500, detail: '' }, 'LLM_ERROR', true],
      [{ kind: 'status', status: 502, detail: '' }, 'LLM_ERROR', true],
      [{ kind: 'status', status: 400, detail: '' }, 'LLM_ERROR', false],
      [{ kind: 'status', status: 401, detail: '' }, 'LLM_ERROR', false],
      [{ kind: 'status', status: 404, detail: '' }, 'LLM_ERROR', false],
      [{ kind: 'unreachable', detail: 'ECONNREFUSED' }, 'LLM_UNAVAILABLE', true],
      [{ kind: 'dropped', detail: 'terminated' }, 'LLM_ERROR', true],
      [{ kind: 'timeout', detail: 'no token within 10 ms' }, 'LLM_TIMEOUT', false],
    ];
    for (const [failure, code, transient] of cases) {
      const error = modelCallError(failure);
      expect([failure, error.code, error.transient]).toEqual([failure, code, transient]);
      expect(error).toBeInstanceOf(DomainError);
    }
    expect(modelCallError({ kind: 'timeout', detail: 'no token within 10 ms' }).message).toBe('no token within 10 ms');
    expect(modelCallError({ kind: 'status', status: 503, detail: 'busy' }).status).toBe(503);
  });
});

describe('retry policy', () => {
  it('retries a transient failure before the first token, with exponential backoff', () => {
    expect(retryDelay(outcome({ retriesSoFar: 0 }), policy, 0.5)).toBe(100);
    expect(retryDelay(outcome({ retriesSoFar: 1 }), policy, 0.5)).toBe(200);
    expect(retryDelay(outcome({ retriesSoFar: 1, error: modelCallError({ kind: 'dropped', detail: '' }) }), policy, 0.5)).toBe(200);
    expect(retryDelay(outcome({ error: modelCallError({ kind: 'unreachable', detail: '' }) }), policy, 0.5)).toBe(100);
  });

  it('jitters each delay within ±20 %', () => {
    expect(retryDelay(outcome({ retriesSoFar: 1 }), policy, 0)).toBe(160);
    expect(retryDelay(outcome({ retriesSoFar: 1 }), policy, 0.999999)).toBe(240);
  });

  it('stops after the configured number of retries', () => {
    expect(retryDelay(outcome({ retriesSoFar: 2 }), policy, 0.5)).toBeNull();
    expect(retryDelay(outcome(), { ...policy, retries: 0 }, 0.5)).toBeNull();
  });

  it('never retries once a token has been passed on, or when the caller has gone', () => {
    expect(retryDelay(outcome({ yielded: true }), policy, 0.5)).toBeNull();
    expect(retryDelay(outcome({ aborted: true }), policy, 0.5)).toBeNull();
  });

  it('never retries a request the server refuses, a timeout, or an error that is not a model failure', () => {
    expect(retryDelay(outcome({ error: modelCallError({ kind: 'status', status: 400, detail: '' }) }), policy, 0.5)).toBeNull();
    expect(retryDelay(outcome({ error: modelCallError({ kind: 'timeout', detail: '' }) }), policy, 0.5)).toBeNull();
    expect(retryDelay(outcome({ error: new DomainError('LLM_UNAVAILABLE', 'no transient flag') }), policy, 0.5)).toBeNull();
    expect(retryDelay(outcome({ error: new TypeError('a bug') }), policy, 0.5)).toBeNull();
    expect(retryDelay(outcome({ error: new ModelCallError('LLM_ERROR', 'not transient', false) }), policy, 0.5)).toBeNull();
  });

  it('caps a single wait', () => {
    expect(retryDelay(outcome({ retriesSoFar: 30 }), { retries: 50, baseDelayMs: 1000 }, 0.5)).toBe(MAX_RETRY_DELAY_MS);
  });
});
