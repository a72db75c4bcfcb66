import { MAX_SCRUBBED_CHARS, luhnValid, redactText, redactValue } from '../../../libs/logging/redaction.js';
import { fastestRunMs } from '../support/fastest-run.js';

describe('redaction of secrets and personal data', () => {
  it('removes API keys, JWTs, bearer tokens and emails', () => {
    const text = 'key gus_AbCdEf0123456789abcdef0123 jwt eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjMifQ.c2lnbmF0dXJlLXZhbHVl mail Ada.Lovelace+x@example.co.uk auth Bearer abc.def.ghi';
    const out = redactText(text);
    for (const secret of ['gus_AbCdEf', 'eyJhbGci', 'Ada.Lovelace', 'abc.def.ghi']) expect(out).not.toContain(secret);
    expect(out).toContain('[REDACTED:api-key]');
    expect(out).toContain('[REDACTED:email]');
  });

  it('removes passwords written out in text', () => {
    expect(redactText('my password is hunter2!')).toBe('my password is [REDACTED:password]');
    expect(redactText('pw: s3cret, passcode=1234')).toBe('pw: [REDACTED:password] passcode=[REDACTED:password]') // the whole word after it goes, punctuation included;
  });

  it('removes Luhn-valid card numbers, grouped or not, but keeps other long numbers', () => {
    expect(luhnValid('4111111111111111')).toBe(true);
    expect(luhnValid('4111111111111112')).toBe(false);
    expect(redactText('card 4111 1111 1111 1111 end')).toBe('card [REDACTED:card] end');
    expect(redactText('card 5500-0000-0000-0004.')).toBe('card [REDACTED:card].');
    expect(redactText('order 4111111111111112 shipped')).toContain('4111111111111112');
  });

  it('removes phone numbers but not ids, timestamps or token counts', () => {
    expect(redactText('call +44 20 7946 0958 or (555) 123-4567 or +15551234567')).toBe('call [REDACTED:phone] or [REDACTED:phone] or [REDACTED:phone]');
    const ordinary = 'took 1234 ms, 2026-11-24T10:00:00Z, on 2026-11-24 used 8192 tokens, id 3f2b9c1e-0a4d-4c8e-9f1a-123456789abc, ts 1795522923778';
    expect(redactText(ordinary)).toBe(ordinary);
  });

  it('blanks secret fields and scrubs every string deep in objects', () => {
    const out = redactValue({ password: 'hunter2-hunter2', headers: { authorization: 'Bearer x' }, nested: [{ note: 'reach me at a@b.io' }], count: 3 }) as any;
    expect(out).toEqual({ password: '[REDACTED]', headers: { authorization: '[REDACTED]' }, nested: [{ note: 'reach me at [REDACTED:email]' }], count: 3 });
  });
});

describe('redaction cost', () => {
  /** Texts that made the old pattern-based scrubber rescan from every position. */
  const adversarial: Record<string, (n: number) => string> = {
    'one repeated letter': (n) => 'a'.repeat(n),
    'e-mail look-alikes without a domain': (n) => 'a.b+c@'.repeat(Math.ceil(n / 6)).slice(0, n),
    'api key prefixes': (n) => 'gus_'.repeat(Math.ceil(n / 4)).slice(0, n),
    'password cues': (n) => 'password '.repeat(Math.ceil(n / 9)).slice(0, n),
    'digit groups': (n) => '12 '.repeat(Math.ceil(n / 3)).slice(0, n),
    'dotted runs': (n) => 'a.'.repeat(Math.ceil(n / 2)).slice(0, n),
  };

  it('logs at most MAX_SCRUBBED_CHARS of a field, and says how much it left out', () => {
    const out = redactText('x'.repeat(MAX_SCRUBBED_CHARS + 500));
    expect(out.startsWith('x'.repeat(MAX_SCRUBBED_CHARS))).toBe(true);
    expect(out).toContain('500 more characters not logged');
  });

  it('scrubs 2 MB of adversarial text in well under a second', () => {
    const slow: Array<[string, number]> = [];
    for (const [name, make] of Object.entries(adversarial)) {
      const text = make(2_000_000);
      const started = performance.now();
      redactText(text);
      redactValue({ body: { content: text, nested: [text, { deeper: text }] } });
      const ms = performance.now() - started;
      if (ms >= 250) slow.push([name, ms]);
    }
    expect(slow).toEqual([]);
  });

  it('does work linear in the text it reads (uncapped: 4× the text costs about 4× the time, not 16×)', () => {
    const superlinear: Array<[string, number]> = [];
    for (const [name, make] of Object.entries(adversarial)) {
      const time = (n: number): number => {
        const text = make(n);
        redactText(text, Infinity); // warm
        return fastestRunMs(() => redactText(text, Infinity), 7);
      };
      const small = time(25_000);
      const large = time(100_000);
      // Linear growth is 4×; quadratic would be 16×. The factor is generous for a shared machine.
      const ratio = large / Math.max(small, 0.1);
      if (ratio >= 9) superlinear.push([name, ratio]);
    }
    expect(superlinear).toEqual([]);
  });

  it('walks values only so deep and so wide', () => {
    let deep: unknown = 'bottom';
    for (let i = 0; i < 10_000; i++) deep = [deep];
    expect(() => redactValue(deep)).not.toThrow();
    const wide = Object.fromEntries(Array.from({ length: 50_000 }, (_, i) => [`k${i}`, 'v']));
    const out = redactValue(wide) as Record<string, unknown>;
    expect(Object.keys(out).length).toBeLessThanOrEqual(33);
    expect(out['…']).toBe('more keys not logged');
  });
});
