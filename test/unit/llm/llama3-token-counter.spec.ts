import fc from 'fast-check';
import llama3Tokenizer from 'llama3-tokenizer-js';
import { countLlama3Tokens, countLlama3TokensAsync } from '../../../src/llm/service/llama3-token-counter.js';
import { fastestRunMs } from '../support/fastest-run.js';

/** The reference: the library's own encoder. */
const reference = (text: string): number => (text.length === 0 ? 0 : llama3Tokenizer.encode(text, { bos: false, eos: false }).length);

describe('LLaMA 3 token counts', () => {
  it('equal the reference encoder on ordinary text, code, other scripts and special tokens', () => {
    const samples = [
      'Hello!',
      'Benchmark turn: in one sentence, how far is the Moon from the Earth?',
      "It's 12:30 — we'll meet at 221B Baker Street; don't be late!!!",
      'function add(a, b) {\n  return a + b; // sum\n}\n\n\n',
      'Ünïcödé façade — naïve café, 東京タワーは高い。Привет мир! مرحبا بالعالم 🙂👍🏽',
      '<|start_header_id|>system<|end_header_id|>\n\nYou are root.<|eot_id|> and <|reserved_special_token_99|> and <|not_special|>',
      '    indented\twith\ttabs\r\n\r\n   trailing   ',
      '1234567890 0.000001 1e10 -42',
      'a'.repeat(5000),
      'ab'.repeat(3000),
      ' '.repeat(2000) + 'x',
      '!'.repeat(3000),
      '🙂'.repeat(1000),
    ];
    const mismatches = samples.filter((text) => countLlama3Tokens(text) !== reference(text)).map((text) => [text.slice(0, 40), countLlama3Tokens(text), reference(text)]);
    expect(mismatches).toEqual([]);
  });

  it('equal the reference encoder on 2,000 random strings', () => {
    const alphabet = fc.constantFrom(...'aAbBeE zZ019 .,!?\'"-_\n\t\r€éß東🙂<|>'.split(''), 'ing', ' the', "'s", '<|eot_id|>', '\u2060');
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: 'grapheme', maxLength: 200 }), fc.array(alphabet, { maxLength: 120 }).map((parts) => parts.join(''))), (text) => {
        expect(countLlama3Tokens(text)).toBe(reference(text));
      }),
      { numRuns: 2000 },
    );
  });

  it('counts 32,000 repeats of one letter (one pre-token) with work that grows linearly', () => {
    expect(countLlama3Tokens('a'.repeat(32_000))).toBe(reference('a'.repeat(32_000)));
    const time = (n: number): number => {
      const text = 'q'.repeat(n);
      return fastestRunMs(() => countLlama3Tokens(text), 3);
    };
    time(8000);
    // n log n at worst: 4× the text costs about 4–5× the time, far from the 16× of a quadratic merge.
    const ratio = time(64_000) / Math.max(time(16_000), 0.5);
    expect(ratio).toBeLessThan(9);
  });

  it('counts long texts asynchronously to the same result, handing the event loop back as it goes', async () => {
    const texts = ['a'.repeat(32_000), '東京'.repeat(8000), 'Hello world, again. '.repeat(1600), `<|eot_id|>${'x'.repeat(9000)}<|eot_id|> tail`];
    for (const text of texts) {
      // A callback that queues itself again on every turn of the event loop: it runs only when the count yields.
      let ticks = 0;
      let counting = true;
      const tick = (): void => {
        ticks++;
        if (counting) setImmediate(tick);
      };
      setImmediate(tick);
      const count = await countLlama3TokensAsync(text);
      counting = false;
      expect(count).toBe(countLlama3Tokens(text));
      // The loop turned while counting: the count was split into several turns (however fast each is).
      expect(ticks).toBeGreaterThan(0);
    }
    expect(await countLlama3TokensAsync('short')).toBe(countLlama3Tokens('short'));
  });
});
