import { createHash } from 'node:crypto';
import {
  IDEMPOTENCY_STALE_MS,
  IDEMPOTENCY_TTL_MS,
  assertSameRequest,
  assertValidKey,
  fingerprint,
} from '../../../src/conversation/domain/idempotency.js';
import { DomainError } from '../../../libs/errors/domain-error.js';

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

describe('idempotency keys', () => {
  it('are kept a day, and a request running five minutes is presumed dead', () => {
    expect(IDEMPOTENCY_TTL_MS).toBe(86_400_000);
    expect(IDEMPOTENCY_STALE_MS).toBe(300_000);
  });

  it('are 1 to 255 printable ASCII characters', () => {
    for (const key of ['a', '!', '~', 'x'.repeat(255), 'order-42_retry#1', '!"#$%&()*+,-./:;<=>?@[\\]^_`{|}~']) {
      expect(() => assertValidKey(key)).not.toThrow();
    }
  });

  it('refuse an empty or too long key, spaces, control and non-ASCII characters, anywhere in the key', () => {
    const refused = new DomainError('INVALID_REQUEST', 'Idempotency-Key must be 1–255 printable ASCII characters');
    for (const key of ['', 'x'.repeat(256), 'a b', ' abc', 'abc ', 'abc\n', '\tabc', 'abc\x7f', 'clé', 'key😀']) {
      expect(() => assertValidKey(key)).toThrow(refused);
      expect(() => assertValidKey(key)).toThrow(expect.objectContaining({ code: 'INVALID_REQUEST' }));
    }
  });
});

describe('fingerprint', () => {
  it('is the SHA-256 of the route, a newline and the body as canonical JSON', () => {
    const body = { model: 'm', content: 'hé "quoted"\n', n: 2.5, stream: false, tags: ['b', 'a'], extra: null };
    expect(fingerprint('POST /v1/conversations/c1/messages', body)).toBe(
      sha256('POST /v1/conversations/c1/messages\n{"content":"hé \\"quoted\\"\\n","extra":null,"model":"m","n":2.5,"stream":false,"tags":["b","a"]}'),
    );
  });

  it('sorts keys at every depth and leaves out undefined values', () => {
    const body = { z: { y: 1, b: [{ d: 1, c: undefined, a: null }], a: 'x' }, a: undefined, m: true };
    expect(fingerprint('R', body)).toBe(sha256('R\n{"m":true,"z":{"a":"x","b":[{"a":null,"d":1}],"y":1}}'));
  });

  it('is the same whatever the key order, and differs with the route, a value or the order of an array', () => {
    const base = fingerprint('POST /a', { a: 1, b: 2, c: 3 });
    expect(fingerprint('POST /a', { c: 3, a: 1, b: 2 })).toBe(base);
    expect(fingerprint('POST /a', { b: 2, c: 3, a: 1, d: undefined })).toBe(base);
    expect(fingerprint('POST /b', { a: 1, b: 2, c: 3 })).not.toBe(base);
    expect(fingerprint('POST /a', { a: 1, b: 2, c: 4 })).not.toBe(base);
    expect(fingerprint('POST /a', [1, 2])).not.toBe(fingerprint('POST /a', [2, 1]));
  });

  it('writes a missing body, null and scalars as JSON', () => {
    expect(fingerprint('R', undefined)).toBe(sha256('R\nnull'));
    expect(fingerprint('R', null)).toBe(sha256('R\nnull'));
    expect(fingerprint('R', 'text')).toBe(sha256('R\n"text"'));
    expect(fingerprint('R', 0)).toBe(sha256('R\n0'));
    expect(fingerprint('R', [undefined, null, {}, []])).toBe(sha256('R\n[null,null,{},[]]'));
  });
});

describe('assertSameRequest', () => {
  it('accepts the same fingerprint and refuses another with IDEMPOTENCY_KEY_REUSED', () => {
    expect(() => assertSameRequest('abc', 'abc')).not.toThrow();
    expect(() => assertSameRequest('abc', 'abd')).toThrow(
      new DomainError('IDEMPOTENCY_KEY_REUSED', 'this Idempotency-Key was used with a different request body'),
    );
    expect(() => assertSameRequest('abc', 'abd')).toThrow(expect.objectContaining({ code: 'IDEMPOTENCY_KEY_REUSED' }));
  });
});
