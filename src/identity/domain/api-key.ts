import { createHash, randomBytes } from 'node:crypto';

export const API_KEY_PREFIX = 'gus_';

export interface ApiKey {
  id: string;
  userId: string;
  name: string;
  keyHash: string;
  /** The first characters, safe to show in listings. */
  keyPrefix: string;
  createdAt: Date;
  revokedAt: Date | null;
}

/** A new key: the plaintext is shown once; only its SHA-256 is stored (keys are random, so no salt is needed). */
export function generateApiKey(): { plaintext: string; hash: string; prefix: string } {
  const plaintext = API_KEY_PREFIX + randomBytes(32).toString('base64url');
  return { plaintext, hash: hashApiKey(plaintext), prefix: plaintext.slice(0, 12) };
}

export function hashApiKey(plaintext: string): string {
  return createHash('sha256').update(plaintext).digest('hex');
}

export function looksLikeApiKey(token: string): boolean {
  return token.startsWith(API_KEY_PREFIX);
}
