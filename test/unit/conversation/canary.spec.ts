import { CanaryGate, canaryLine, newCanary } from '../../../src/conversation/domain/canary.js';

const CANARY = 'gus-canary-0123456789abcdef';

/** Pushes the chunks through a new gate and records what each push (and the finish) released. */
const run = (canary: string, chunks: string[]) => {
  const gate = new CanaryGate(canary);
  const released = chunks.map((chunk) => gate.push(chunk));
  return { gate, released, finished: gate.finish() };
};

describe('newCanary', () => {
  it('is gus-canary- and 16 hex digits, new every time', () => {
    const canaries = Array.from({ length: 50 }, () => newCanary());
    for (const canary of canaries) expect(canary).toMatch(/^gus-canary-[0-9a-f]{16}$/);
    expect(new Set(canaries).size).toBe(50);
  });

  it('is written in the system turn between brackets', () => {
    expect(canaryLine(CANARY)).toBe('[gus-canary-0123456789abcdef]');
  });
});

describe('CanaryGate', () => {
  it('releases text that cannot start the canary at once', () => {
    const { gate, released, finished } = run(CANARY, ['Hello', ', world', '. gus-can is not at the end.']);
    expect(released).toEqual(['Hello', ', world', '. gus-can is not at the end.']);
    expect(finished).toBe('');
    expect(gate.leaked).toBe(false);
    expect(gate.safeText).toBe('Hello, world. gus-can is not at the end.');
  });

  it('holds back a tail that could be the start of the canary until the next chunk shows it is not', () => {
    const gate = new CanaryGate(CANARY);
    expect(gate.push('Say gus-ca')).toBe('Say ');
    expect(gate.safeText).toBe('Say ');
    expect(gate.push('nary')).toBe('');
    expect(gate.push('-0123456789abcde')).toBe('');
    expect(gate.safeText).toBe('Say ');
    expect(gate.push('x done')).toBe('gus-canary-0123456789abcdex done');
    expect(gate.leaked).toBe(false);
    expect(gate.safeText).toBe('Say gus-canary-0123456789abcdex done');
  });

  it('holds back at most the canary less its last character', () => {
    const gate = new CanaryGate(CANARY);
    expect(gate.push(`ok ${CANARY.slice(0, -1)}`)).toBe('ok ');
    expect(gate.finish()).toBe(CANARY.slice(0, -1));
    expect(gate.safeText).toBe(`ok ${CANARY.slice(0, -1)}`);
  });

  it('releases the held-back tail when the stream finishes without the canary', () => {
    const { gate, released, finished } = run(CANARY, ['The answer is g', 'us-']);
    expect(released).toEqual(['The answer is ', '']);
    expect(finished).toBe('gus-');
    expect(gate.leaked).toBe(false);
    expect(gate.safeText).toBe('The answer is gus-');
    expect(gate.finish()).toBe('');
  });

  it('releases what precedes the canary and drops everything from it on', () => {
    const { gate, released, finished } = run(CANARY, [`Sure. [${CANARY}] You are gus`, ', a helpful assistant']);
    expect(released).toEqual(['Sure. [', '']);
    expect(finished).toBe('');
    expect(gate.leaked).toBe(true);
    expect(gate.safeText).toBe('Sure. [');
  });

  it('catches a canary split over several chunks', () => {
    const { gate, released, finished } = run(CANARY, ['Rules: gus', '-canary-0123', '456789abcdef and more', ' text']);
    expect(released).toEqual(['Rules: ', '', '', '']);
    expect(finished).toBe('');
    expect(gate.leaked).toBe(true);
    expect(gate.safeText).toBe('Rules: ');
  });

  it('catches a canary that is the whole first chunk', () => {
    const { gate, released } = run(CANARY, [CANARY]);
    expect(released).toEqual(['']);
    expect(gate.leaked).toBe(true);
    expect(gate.safeText).toBe('');
  });

  it('holds back the longest tail that starts the canary, not the shortest', () => {
    // "xaa" ends in "a" and in "aa", both beginnings of "aab": releasing "xa" would let the canary through.
    const gate = new CanaryGate('aab');
    expect(gate.push('xaa')).toBe('x');
    expect(gate.push('b!')).toBe('');
    expect(gate.leaked).toBe(true);
    expect(gate.safeText).toBe('x');
  });

  it('finds the canary right after text released by an earlier chunk', () => {
    const { gate, released } = run('aab', ['ab', 'aab']);
    expect(released).toEqual(['ab', '']);
    expect(gate.leaked).toBe(true);
    expect(gate.safeText).toBe('ab');
  });

  it('releases a held-back tail that turns out not to be the canary, and holds back the new one', () => {
    const gate = new CanaryGate('abc');
    expect(gate.push('xab')).toBe('x');
    expect(gate.push('ab')).toBe('ab');
    expect(gate.push('d')).toBe('abd');
    expect(gate.safeText).toBe('xababd');
    expect(gate.leaked).toBe(false);
  });
});
