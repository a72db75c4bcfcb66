import { createHash } from 'node:crypto';
import { API_KEY_PREFIX, generateApiKey, hashApiKey, looksLikeApiKey } from '../../../src/identity/domain/api-key.js';

describe('API keys', () => {
  it('are gus_ and 32 random bytes in base64url, shown by their first 12 characters, stored as their SHA-256', () => {
    expect(API_KEY_PREFIX).toBe('gus_');
    const key = generateApiKey();
    expect(key.plaintext).toMatch(/^gus_[A-Za-z0-9_-]{43}$/);
    expect(key.prefix).toBe(key.plaintext.slice(0, 12));
    expect(key.prefix).toHaveLength(12);
    expect(key.hash).toBe(createHash('sha256').update(key.plaintext).digest('hex'));
    expect(generateApiKey().plaintext).not.toBe(key.plaintext);
  });

  it('hash to the hex SHA-256 of the whole key', () => {
    expect(hashApiKey('gus_abc')).toBe(createHash('sha256').update('gus_abc').digest('hex'));
    expect(hashApiKey('gus_abc')).toMatch(/^[0-9a-f]{64}$/);
  });

  it('are told from a JWT by their gus_ prefix', () => {
    expect(looksLikeApiKey('gus_anything')).toBe(true);
    expect(looksLikeApiKey('gus_')).toBe(true);
    expect(looksLikeApiKey('eyJhbGciOiJIUzI1NiJ9.e30.sig')).toBe(false);
    expect(looksLikeApiKey('GUS_abc')).toBe(false);
    expect(looksLikeApiKey('x gus_abc')).toBe(false);
    expect(looksLikeApiKey('')).toBe(false);
  });
});
