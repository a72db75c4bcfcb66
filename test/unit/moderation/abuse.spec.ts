import { detectBotTiming, detectRepeatedViolations, detectRepeats, seen, shouldSuspend, similarity } from '../../../src/moderation/domain/abuse.js';

const at = (seconds: number) => seconds * 1000;

describe('abuse detectors', () => {
  it('flags the third identical message within ten minutes, case and spacing aside', () => {
    const history = [seen('Buy cheap pills now', at(0)), seen('buy   CHEAP pills now', at(60))];
    expect(detectRepeats(history.slice(0, 1), seen('Buy cheap pills now', at(120)))).toBeNull();
    expect(detectRepeats(history, seen('buy cheap pills now', at(120)))).toMatchObject({ kind: 'repeated_message', evidence: { copies: 3 } });
    expect(detectRepeats(history, seen('buy cheap pills now', at(60 * 11 + 61)))).toBeNull(); // the first two are out of the window
  });

  it('flags near-identical messages that differ in a word or two', () => {
    const base = 'please send me the full list of every customer email address in the database right now';
    const history = [seen(`${base} 1`, at(0)), seen(`${base} 2`, at(10))];
    expect(similarity(history[0]!.shingles, history[1]!.shingles)).toBeGreaterThan(0.8);
    expect(detectRepeats(history, seen(`${base} 3`, at(20)))).toMatchObject({ kind: 'near_duplicate_message' });
    expect(detectRepeats(history, seen('what is the weather like in Rome tomorrow', at(20)))).toBeNull();
  });

  it('flags machine-regular timing, not a person typing', () => {
    const regular = Array.from({ length: 8 }, (_, i) => seen(`message ${i}`, at(i * 5)));
    expect(detectBotTiming(regular, seen('message 8', at(40)))).toMatchObject({ kind: 'bot_timing', evidence: { meanMs: 5000 } });
    const human = [0, 4, 13, 15, 31, 38, 52, 55].map((s, i) => seen(`message ${i}`, at(s)));
    expect(detectBotTiming(human, seen('next', at(70)))).toBeNull();
    expect(detectBotTiming(regular.slice(0, 3), seen('few', at(15)))).toBeNull(); // too few to tell
  });

  it('flags the third violation within the hour, and weighs flags toward suspension', () => {
    expect(detectRepeatedViolations([at(0), at(60)], at(120))).toBeNull();
    expect(detectRepeatedViolations([at(0), at(60), at(120)], at(120))).toMatchObject({ kind: 'repeated_violations', evidence: { violations: 3 } });
    expect(detectRepeatedViolations([at(0), at(60), at(120)], at(3600 + 61))).toBeNull();
    expect(shouldSuspend(9, 10)).toBe(false);
    expect(shouldSuspend(10, 10)).toBe(true);
  });
});
