import { luhnValid, redactText, redactValue } from '../../../libs/logging/redaction.js';

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
