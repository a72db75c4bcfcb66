import { PROMPT_OVERHEAD_TOKENS, TOKENS_PER_MESSAGE, fitContext, messageCost } from '../../../src/conversation/domain/context-window.js';
import type { Message } from '../../../src/conversation/domain/message.js';

const message = (id: string, role: 'user' | 'assistant', tokenCount: number, parentId: string | null = null): Message => ({
  id, conversationId: 'c', parentId, role, content: `content of ${id}`, status: 'complete', depth: 0, tokenCount,
  model: null, promptTokens: null, completionTokens: null, latencyMs: null, ttftMs: null, costMicros: null, errorCode: null,
  traceId: null, context: null, createdAt: new Date(0), completedAt: null,
});

describe('fitContext: the sliding window', () => {
  const branch = [
    message('m1', 'user', 100),
    message('m2', 'assistant', 100, 'm1'),
    message('m3', 'user', 100, 'm2'),
    message('m4', 'assistant', 100, 'm3'),
    message('m5', 'user', 10, 'm4'),
  ];

  it('keeps everything when it fits, system prompt first, in branch order, and counts every token', () => {
    const built = fitContext({ content: 'sys', tokens: 5 }, null, branch, 10_000);
    expect(built.messages.map((m) => m.role)).toEqual(['system', 'user', 'assistant', 'user', 'assistant', 'user']);
    expect(built.includedIds).toEqual(['m1', 'm2', 'm3', 'm4', 'm5']);
    expect(built.tokens).toBe(PROMPT_OVERHEAD_TOKENS + 5 + 410 + 6 * TOKENS_PER_MESSAGE);
    expect(built.leftOut).toBe(0);
    expect(built.summaryId).toBeNull();
  });

  it('drops the oldest whole messages first, never half of one', () => {
    const budget = PROMPT_OVERHEAD_TOKENS + messageCost(10) + 2 * messageCost(100) + 50; // m5, m4, m3 and half of m2
    const built = fitContext(null, null, branch, budget);
    expect(built.includedIds).toEqual(['m3', 'm4', 'm5']);
    expect(built.leftOut).toBe(2);
    expect(built.tokens).toBeLessThanOrEqual(budget);
  });

  it('always keeps the newest message, even when it alone exceeds the budget (the caller rejects it)', () => {
    const built = fitContext({ content: 'sys', tokens: 5 }, null, [message('big', 'user', 5000)], 100);
    expect(built.includedIds).toEqual(['big']);
    expect(built.tokens).toBeGreaterThan(100);
  });

  it('puts the summary after the system prompt when older messages are out, and makes room for it', () => {
    const summary = { id: 's1', content: 'they talked about m1 and m2', tokenCount: 20, coversMessageId: 'm2' };
    const budget = PROMPT_OVERHEAD_TOKENS + messageCost(10) + 2 * messageCost(100) + messageCost(20);
    const built = fitContext({ content: 'sys', tokens: 0 }, summary, branch, budget + messageCost(0));
    expect(built.summaryId).toBe('s1');
    expect(built.messages[1]).toEqual({ role: 'system', content: expect.stringContaining('they talked about m1 and m2') });
    expect(built.includedIds).toEqual(['m3', 'm4', 'm5']);
    expect(built.tokens).toBeLessThanOrEqual(budget + messageCost(0));
  });

  it('leaves the summary out when the whole branch fits', () => {
    const summary = { id: 's1', content: 'old', tokenCount: 3, coversMessageId: 'x' };
    const built = fitContext(null, summary, branch, 10_000);
    expect(built.summaryId).toBeNull();
    expect(built.messages).toHaveLength(5);
  });
});
