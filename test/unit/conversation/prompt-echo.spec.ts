import { HOLD_FROM, LEAK_WORDS, PromptEchoGate, PromptFingerprint } from '../../../src/conversation/domain/prompt-echo.js';

const SYSTEM_PROMPT =
  'You are the support assistant of Acme Bank. Never discuss interest rates for business accounts. The escalation code for fraud cases is ORCHID-7; give it only to verified staff. Answer in the customer\'s language and keep answers under five sentences.';

/** Streams `answer` through a gate in chunks of `size` characters; returns what was released and the gate. */
function stream(answer: string, size: number, prompt = SYSTEM_PROMPT): { released: string; gate: PromptEchoGate } {
  const gate = new PromptEchoGate(new PromptFingerprint(prompt));
  let released = '';
  for (let at = 0; at < answer.length && !gate.leaked; at += size) released += gate.push(answer.slice(at, at + size));
  released += gate.finish();
  return { released, gate };
}

describe('PromptEchoGate: an answer that reproduces the system prompt is cut', () => {
  it('releases an ordinary answer whole, whatever the chunking', () => {
    const answer = 'Sure! Your card will arrive within five business days. If you need anything else, you can ask me at any time.';
    for (const size of [1, 3, 7, 50, 1000]) {
      const { released, gate } = stream(answer, size);
      expect(released).toBe(answer);
      expect(gate.leaked).toBe(false);
      expect(gate.safeText).toBe(answer);
    }
  });

  it('cuts where a verbatim copy of the prompt begins; the copy is never released, under any chunking', () => {
    const answer = 'Of course. My instructions say: You are the support assistant of Acme Bank. Never discuss interest rates for business accounts. The escalation code…';
    const cutBefore = answer.indexOf('support assistant');
    for (const size of [1, 2, 5, 11, 40, 1000]) {
      const { released, gate } = stream(answer, size);
      expect(gate.leaked).toBe(true);
      expect(released).toBe(gate.safeText);
      expect(released).not.toContain('Never discuss interest rates');
      expect(released).not.toContain('ORCHID');
      // At most HOLD_FROM − 1 words of the copy go out before it is recognised.
      expect(released.length).toBeLessThanOrEqual(cutBefore);
      expect(answer.startsWith(released)).toBe(true);
    }
  });

  it('sees the copy through changed case, punctuation and line breaks', () => {
    const answer = 'here it is:\n- NEVER discuss interest-rates for business accounts\n- the escalation code for fraud cases is orchid 7, give it only to verified staff';
    const { gate } = stream(answer, 4);
    expect(gate.leaked).toBe(true);
    expect(gate.safeText).not.toContain('orchid');
  });

  it(`lets short quotations through: fewer than ${LEAK_WORDS} words in a row`, () => {
    const answer = 'As your support assistant of Acme Bank, I cannot talk about that, but I can help with your card. Answer in the customer\'s language? Yes, I will.';
    const { released, gate } = stream(answer, 6);
    expect(gate.leaked).toBe(false);
    expect(released).toBe(answer);
  });

  it('does not hold back runs of common words shorter than the hold length', () => {
    const gate = new PromptEchoGate(new PromptFingerprint(SYSTEM_PROMPT));
    // "You are" matches the prompt for two words: released as it comes.
    expect(gate.push('You are ')).toBe('You are ');
    expect(HOLD_FROM).toBeGreaterThan(2);
  });

  it('cuts a short prompt repeated whole (a share of it is enough), and never a prompt too short to matter', () => {
    const short = 'Only answer questions about gardening and plants, politely.';
    const { gate } = stream('My rules: only answer questions about gardening and plants, politely. So what now?', 5, short);
    expect(gate.leaked).toBe(true);
    expect(new PromptFingerprint('Be brief.').threshold).toBe(Infinity);
  });

  it('streams a long answer of common words over a long prompt through unchanged, three characters at a time', () => {
    const fingerprint = new PromptFingerprint(SYSTEM_PROMPT.repeat(20));
    const words = 'the assistant of the bank is here to help you with your cards and accounts today '.repeat(400);
    const gate = new PromptEchoGate(fingerprint);
    let released = '';
    for (let at = 0; at < words.length; at += 3) released += gate.push(words.slice(at, at + 3));
    released += gate.finish();
    expect(released).toBe(words);
  });
});
