import { detectBotTiming, detectRepeatedViolations, detectRepeats, normaliseForRepeat, seen, shouldSuspend, similarity } from '../../../src/moderation/domain/abuse.js';

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

  it('draws each window inclusively, to the millisecond', () => {
    const copies = [seen('same', 0), seen('same', 1)];
    expect(detectRepeats(copies, seen('same', 600_000))).toMatchObject({ kind: 'repeated_message' }); // 10 min after the first: still in
    expect(detectRepeats(copies, seen('same', 600_001))).toBeNull();
    expect(detectRepeatedViolations([0, 1, 2], 3_600_000)).toMatchObject({ evidence: { violations: 3 } });
    expect(detectRepeatedViolations([0, 1, 2], 3_600_001)).toBeNull();
  });

  it('compares messages by normalised text and three-word shingles', () => {
    expect(normaliseForRepeat('  Ｈｅｌｌｏ\n\tWORLD  ')).toBe('hello world');
    expect([...seen('one two', 0).shingles]).toEqual(['one two']); // under three words: the text itself
    expect([...seen('One two  three four', 0).shingles]).toEqual(['one two three', 'two three four']);
    expect(seen('a b c', 0).shingles).toEqual(new Set(['a b c']));
    expect(similarity(new Set(['x y z', 'y z w']), new Set(['x y z', 'q r s']))).toBeCloseTo(1 / 3);
    expect(similarity(new Set(), new Set())).toBe(0);
    expect(similarity(new Set(['a']), new Set())).toBe(0);
  });

  it('counts a near-duplicate from a similarity of 0.8 on, and reports it', () => {
    const words = (n: number, last: string) => [...Array.from({ length: n }, (_, i) => `w${i}`), last].join(' ');
    // 10 words against 10 sharing the first 9: 7 of their 8 shingles shared, 7 / (8 + 8 − 7) = 0.78, just under.
    const under = [seen(words(9, 'a'), 0), seen(words(9, 'b'), 1)];
    expect(similarity(under[0]!.shingles, seen(words(9, 'c'), 2).shingles)).toBeLessThan(0.8);
    expect(detectRepeats(under, seen(words(9, 'c'), 2))).toBeNull();
    // 15 words sharing the first 14: 12 of 13 shingles shared, 12 / 14 = 0.857.
    const over = [seen(words(14, 'a'), 0), seen(words(14, 'b'), 1)];
    expect(detectRepeats(over, seen(words(14, 'c'), 2))).toEqual({ kind: 'near_duplicate_message', evidence: { similarMessages: 3, minSimilarity: 0.8 } });
  });

  it('times only the last nine messages, at most a minute apart on average, and reports the intervals', () => {
    const every = (ms: number, n: number, from = 0) => Array.from({ length: n }, (_, i) => seen(`m${i}`, from + i * ms));
    // Irregular long ago, regular lately: the old ones are not looked at.
    const history = [...[0, 3_000, 11_000, 12_000].map((t, i) => seen(`old${i}`, t)), ...every(5_000, 8, 100_000)];
    expect(detectBotTiming(history, seen('now', 140_000))).toEqual({
      kind: 'bot_timing',
      evidence: { intervalsMs: [5000, 5000, 5000, 5000, 5000, 5000, 5000, 5000], meanMs: 5000, variation: 0 },
    });
    expect(detectBotTiming(every(60_000, 8), seen('now', 480_000))).toMatchObject({ kind: 'bot_timing' }); // a minute exactly
    expect(detectBotTiming(every(60_001, 8), seen('now', 8 * 60_001))).toBeNull();
    expect(detectBotTiming(every(0, 8), seen('now', 0))).toBeNull(); // all at once is a burst, not timing
    // Slightly irregular: the variation is reported to three decimals, and 0.1 or more is a person.
    const jitter = [0, 5000, 10_100, 15_000, 20_100, 25_000, 30_100, 35_000].map((t, i) => seen(`j${i}`, t));
    const found = detectBotTiming(jitter, seen('now', 40_100));
    expect(found?.evidence).toMatchObject({ meanMs: 5013, variation: 0.018 });
    const loose = [0, 5000, 9000, 15_000, 19_000, 25_000, 29_000, 35_000].map((t, i) => seen(`l${i}`, t));
    expect(detectBotTiming(loose, seen('now', 39_000))).toBeNull(); // intervals 5,4,6,4,6,4,6,4 s: variation 0.18
  });
});
