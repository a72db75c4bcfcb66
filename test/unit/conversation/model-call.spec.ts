import { getEventListeners } from 'node:events';
import { callModel, type ModelCallRequest } from '../../../src/conversation/service/model-call.js';
import type { LlmFacade, ModelSpec } from '../../../src/llm/llm.facade.js';
import type { ChatEvent } from '../../../src/llm/domain/chat-provider.js';

/** A model that sends `tokens` one by one, then its done line; with `hangAfterFirst` it calls that after the first token and waits until its signal aborts. */
function fakeModel(tokens: string[], options: { hangAfterFirst?: () => void } = {}) {
  const signals: AbortSignal[] = [];
  const llm = {
    async *stream(call: { signal: AbortSignal }): AsyncIterable<ChatEvent> {
      signals.push(call.signal);
      for (const [i, text] of tokens.entries()) {
        yield { type: 'delta', text };
        if (options.hangAfterFirst && i === 0) {
          const aborted = new Promise((_, reject) => call.signal.addEventListener('abort', () => reject(call.signal.reason), { once: true }));
          options.hangAfterFirst();
          await aborted;
        }
      }
      yield { type: 'done', promptTokens: 7, completionTokens: tokens.length, doneReason: 'stop' };
    },
    countTokens: (text: string) => text.length,
    price: () => 0,
  } as unknown as LlmFacade;
  return { llm, signals };
}

const request = (signal: AbortSignal, extra: Partial<ModelCallRequest> = {}): ModelCallRequest => ({
  model: { id: 'test-model' } as ModelSpec,
  messages: [{ role: 'user', content: 'hi' }],
  window: 4096,
  promptTokensEstimate: 3,
  signal,
  canary: 'CANARY-0000',
  ...extra,
});

describe('callModel: the caller’s signal and the stop controller', () => {
  it('leaves no listener on the caller’s signal, however many calls share it (a worker’s long-lived signal)', async () => {
    const caller = new AbortController();
    const { llm } = fakeModel(['Hello', ' there']);
    for (let i = 0; i < 50; i++) {
      const outcome = await callModel(llm, request(caller.signal));
      expect(outcome).toMatchObject({ status: 'complete', text: 'Hello there' });
    }
    expect(getEventListeners(caller.signal, 'abort')).toHaveLength(0);
  });

  it('stops the model call when the caller goes away mid-answer, and keeps what came: interrupted', async () => {
    const caller = new AbortController();
    const { llm, signals } = fakeModel(['Partial', ' answer'], { hangAfterFirst: () => caller.abort(new Error('client left')) });
    const outcome = await callModel(llm, request(caller.signal));
    expect(signals[0]!.aborted).toBe(true);
    expect(outcome).toMatchObject({ status: 'interrupted', text: 'Partial', failure: null });
    expect(getEventListeners(caller.signal, 'abort')).toHaveLength(0);
  });

  it('stops the model call through `stop` (the question could not be stored) without touching the caller’s signal', async () => {
    const caller = new AbortController();
    const stop = new AbortController();
    const { llm, signals } = fakeModel(['One', ' two'], { hangAfterFirst: () => stop.abort() });
    const outcome = await callModel(llm, request(caller.signal, { stop }));
    expect(signals[0]!.aborted).toBe(true);
    expect(caller.signal.aborted).toBe(false);
    expect(outcome.status).toBe('failed'); // not the caller's doing: the turn fails
  });

  it('a call whose caller already left never reaches the model as a live request', async () => {
    const caller = new AbortController();
    caller.abort();
    const { llm, signals } = fakeModel(['x']);
    await callModel(llm, request(caller.signal));
    expect(signals[0]!.aborted).toBe(true);
  });
});
