import { checkMessage } from '../../../src/moderation/domain/message-policy.js';

describe('message policy', () => {
  it.each(['', '   ', '\n\t '])('rejects an empty or blank message (%j)', (content) => {
    expect(() => checkMessage(content, { maxChars: 10 })).toThrow(expect.objectContaining({ code: 'EMPTY_MESSAGE' }));
  });

  it('rejects a message over the character limit and says what the limit is', () => {
    expect(() => checkMessage('x'.repeat(11), { maxChars: 10 })).toThrow(/limit is 10/);
    expect(() => checkMessage('x'.repeat(10), { maxChars: 10 })).not.toThrow();
  });
});
