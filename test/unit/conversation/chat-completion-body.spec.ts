import { parseChatCompletionBody } from '../../../src/conversation/controller/dto/chat-completion.body.js';

const problemOf = (body: unknown): string => {
  try {
    parseChatCompletionBody(body);
  } catch (error) {
    expect(error).toMatchObject({ code: 'INVALID_REQUEST' });
    return (error as Error).message;
  }
  throw new Error('accepted');
};

describe('chat completions body', () => {
  const valid = { model: 'm', messages: [{ role: 'system', content: 's' }, { role: 'user', content: 'hi', name: 'ann' }] };

  it('accepts what OpenAI clients send, unchanged', () => {
    const full = { ...valid, stream: true, stream_options: { include_usage: true }, response_format: { type: 'json_object' }, temperature: 0.2, top_p: 1, max_tokens: 5, max_completion_tokens: 4, user: 'u' };
    expect(parseChatCompletionBody(full)).toBe(full);
  });

  it('refuses unknown fields at every level, as the other routes do', () => {
    expect(problemOf({ ...valid, extra: 1 })).toBe('property extra should not exist');
    expect(problemOf({ ...valid, messages: [{ role: 'user', content: 'x', tools: [] }] })).toBe('property messages.0.tools should not exist');
    expect(problemOf({ ...valid, response_format: { type: 'text', schema: {} } })).toBe('property response_format.schema should not exist');
    expect(problemOf(JSON.parse('{"model":"m","messages":[{"role":"user","content":"x","__proto__":{}}]}'))).toBe('property messages.0.__proto__ should not exist');
  });

  it('says what is wrong with each field', () => {
    expect(problemOf([])).toBe('the body must be a JSON object');
    expect(problemOf({ messages: valid.messages })).toBe('model must be a string of 1 to 200 characters');
    expect(problemOf({ model: 'm', messages: [] })).toBe('messages must contain at least 1 elements');
    expect(problemOf({ model: 'm', messages: [{ role: 'robot', content: 1 }] })).toBe('messages.0.role must be one of the following values: system, user, assistant, tool; messages.0.content must be a string');
    expect(problemOf({ model: 'm', messages: ['hi'] })).toBe('messages.0 must be an object');
    expect(problemOf({ ...valid, stream: 'yes', max_tokens: 0, temperature: 'hot' })).toBe('stream must be a boolean value; temperature must be a number; max_tokens must be an integer of at least 1');
    expect(problemOf({ ...valid, response_format: { type: 'xml' } })).toBe('response_format.type must be one of the following values: text, json_object');
  });

  it('bounds the messages and what it reports', () => {
    const many = Array.from({ length: 1001 }, () => ({ role: 'user', content: 'x' }));
    expect(problemOf({ model: 'm', messages: many })).toBe('messages must contain no more than 1000 elements');
    const bad = Array.from({ length: 1000 }, () => ({ role: 'nobody', content: 'x' }));
    expect(problemOf({ model: 'm', messages: bad }).split('; ')).toHaveLength(10);
    expect(problemOf({ model: 'm', messages: [{ role: 'user', content: 'x'.repeat(1_000_001) }] })).toBe('messages.0.content must be shorter than or equal to 1000000 characters');
  });
});
