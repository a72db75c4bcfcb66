import { countsAsHistory, draftMessage, type Message } from '../../../src/conversation/domain/message.js';

const at = new Date('2026-11-24T10:00:00.000Z');
const fields = { role: 'user' as const, content: 'Hello', tokenCount: 2, traceId: 't1' };

describe('draftMessage', () => {
  it('makes a root message at depth 0, complete, with no measurements yet', () => {
    expect(draftMessage('m1', 'c1', null, fields, at)).toEqual({
      id: 'm1',
      conversationId: 'c1',
      parentId: null,
      depth: 0,
      role: 'user',
      content: 'Hello',
      tokenCount: 2,
      traceId: 't1',
      status: 'complete',
      model: null,
      promptTokens: null,
      completionTokens: null,
      latencyMs: null,
      ttftMs: null,
      costMicros: null,
      errorCode: null,
      context: null,
      createdAt: at,
      completedAt: at,
    });
  });

  it('puts a reply one level below its parent', () => {
    const reply = draftMessage('m2', 'c1', { id: 'm1', depth: 4 }, { ...fields, role: 'assistant', content: 'Hi' }, at);
    expect(reply).toMatchObject({ id: 'm2', parentId: 'm1', depth: 5, role: 'assistant', content: 'Hi' });
  });

  it('is sent and received now when no time is given', () => {
    const before = Date.now();
    const message = draftMessage('m1', 'c1', null, fields);
    const after = Date.now();
    expect(message.createdAt.getTime()).toBeGreaterThanOrEqual(before);
    expect(message.createdAt.getTime()).toBeLessThanOrEqual(after);
    expect(message.completedAt).toEqual(message.createdAt);
  });
});

describe('countsAsHistory', () => {
  const message = (status: Message['status'], content: string) => ({ ...draftMessage('m', 'c', null, fields, at), status, content });

  it('counts complete and interrupted messages with content', () => {
    expect(countsAsHistory(message('complete', 'x'))).toBe(true);
    expect(countsAsHistory(message('interrupted', 'partial answer'))).toBe(true);
  });

  it('leaves out failed attempts and empty messages', () => {
    expect(countsAsHistory(message('failed', 'an error text'))).toBe(false);
    expect(countsAsHistory(message('interrupted', ''))).toBe(false);
    expect(countsAsHistory(message('complete', ''))).toBe(false);
  });
});
