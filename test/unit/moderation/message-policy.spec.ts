import { checkMessage, checkSystemPrompt } from '../../../src/moderation/domain/message-policy.js';

describe('message policy', () => {
  it.each(['', '   ', '\n\t '])('rejects an empty or blank message (%j)', (content) => {
    expect(() => checkMessage(content, { maxChars: 10 })).toThrow(expect.objectContaining({ code: 'EMPTY_MESSAGE' }));
  });

  it('rejects a message over the character limit and says what the limit is', () => {
    expect(() => checkMessage('x'.repeat(11), { maxChars: 10 })).toThrow(/limit is 10/);
    expect(() => checkMessage('x'.repeat(10), { maxChars: 10 })).not.toThrow();
  });

  it("rejects a message over the plan's token limit, counted by the caller", () => {
    const limits = { maxChars: 1000, maxTokens: 5 };
    expect(() => checkMessage('hello there', limits, { tokens: 6 })).toThrow(expect.objectContaining({ code: 'MESSAGE_TOO_LONG', message: expect.stringMatching(/6 tokens.*limit.*5/) }));
    expect(() => checkMessage('hello there', limits, { tokens: 5 })).not.toThrow();
    expect(() => checkMessage('hello there', { maxChars: 1000 }, { tokens: 1_000_000 })).not.toThrow(); // plan without a token limit
    expect(() => checkMessage('hello there', limits)).not.toThrow(); // nothing measured
  });

  it('lets a system prompt be blank, but not too long', () => {
    expect(() => checkSystemPrompt('', { maxChars: 10 })).not.toThrow();
    expect(() => checkSystemPrompt('x'.repeat(11), { maxChars: 10 })).toThrow(expect.objectContaining({ code: 'MESSAGE_TOO_LONG', message: expect.stringMatching(/system prompt/) }));
  });
});
