import { assertValidEvent, type UsageEvent } from '../../../src/usage/domain/usage-event.js';

const event = (overrides: Partial<UsageEvent> = {}): UsageEvent => ({
  id: 'e', userId: 'u', conversationId: 'c', model: 'm', promptTokens: 10, completionTokens: 5, costMicros: 3, latencyMs: 40, ttftMs: 10,
  occurredAt: new Date('2026-11-24T23:59:59.999Z'), ...overrides,
});

describe('usage events', () => {
  it('accepts whole non-negative numbers only', () => {
    expect(() => assertValidEvent(event())).not.toThrow();
    expect(() => assertValidEvent(event({ promptTokens: -1 }))).toThrow(/promptTokens/);
    expect(() => assertValidEvent(event({ costMicros: 1.5 }))).toThrow(/costMicros/);
  });
});
