import { TOKENS_PER_MESSAGE, fitContext } from '../../../src/conversation/domain/context-window.js';
import type { Message } from '../../../src/conversation/domain/message.js';

const message = (id: string, role: 'user' | 'assistant', tokenCount: number): Message => ({
  id, conversationId: 'c', parentId: null, role, content: `content of ${id}`, status: 'complete', depth: 0, tokenCount,
  model: null, promptTokens: null, completionTokens: null, latencyMs: null, ttftMs: null, costMicros: null, errorCode: null,
  traceId: null, createdAt: new Date(0), completedAt: null,
});

describe('fitContext: the sliding window', () => {
  const branch = [message('m1', 'user', 100), message('m2', 'assistant', 100), message('m3', 'user', 100), message('m4', 'assistant', 100), message('m5', 'user', 10)];

  it('keeps everything when it fits, system prompt first, in branch order', () => {
    const built = fitContext({ content: 'sys', tokens: 5 }, branch, 10_000);
    expect(built.messages.map((m) => m.role)).toEqual(['system', 'user', 'assistant', 'user', 'assistant', 'user']);
    expect(built.includedIds).toEqual(['m1', 'm2', 'm3', 'm4', 'm5']);
    expect(built.tokens).toBe(5 + 410 + 6 * TOKENS_PER_MESSAGE);
    expect(built.leftOut).toBe(0);
  });

  it('drops the oldest whole messages first, never half of one', () => {
    const budget = 10 + 100 + 100 + 3 * TOKENS_PER_MESSAGE + 50; // room for m5, m4, m3 and half of m2
    const built = fitContext(null, branch, budget);
    expect(built.includedIds).toEqual(['m3', 'm4', 'm5']);
    expect(built.leftOut).toBe(2);
    expect(built.tokens).toBeLessThanOrEqual(budget);
  });

  it('always keeps the newest message, even when it alone exceeds the budget (the caller rejects it)', () => {
    const built = fitContext({ content: 'sys', tokens: 5 }, [message('big', 'user', 5000)], 100);
    expect(built.includedIds).toEqual(['big']);
    expect(built.tokens).toBeGreaterThan(100);
  });
});
