import { scryptSync } from 'node:crypto';
import { hashPassword, verifyAgainstNoPassword, verifyPassword } from '../../../src/identity/domain/password.js';

describe('passwords', () => {
  it('are stored as scrypt$<16-byte salt>$<32-byte hash> in base64url, salted anew each time', async () => {
    const stored = await hashPassword('correct horse');
    expect(stored).toMatch(/^scrypt\$[A-Za-z0-9_-]{22}\$[A-Za-z0-9_-]{43}$/);
    const [, salt, hash] = stored.split('$');
    expect(hash).toBe(scryptSync('correct horse', Buffer.from(salt!, 'base64url'), 32).toString('base64url'));
    expect(await hashPassword('correct horse')).not.toBe(stored);
  });

  it('verify the password they were made from and no other', async () => {
    const stored = await hashPassword('correct horse');
    expect(await verifyPassword('correct horse', stored)).toBe(true);
    expect(await verifyPassword('correct horse ', stored)).toBe(false);
    expect(await verifyPassword('', stored)).toBe(false);
  });

  it('verify a hash written elsewhere in the same format', async () => {
    const salt = Buffer.from('0123456789abcdef');
    const stored = `scrypt$${salt.toString('base64url')}$${scryptSync('pw', salt, 32).toString('base64url')}`;
    expect(await verifyPassword('pw', stored)).toBe(true);
  });

  it('refuse a stored value of another scheme, or with a missing salt or hash', async () => {
    const [, salt, hash] = (await hashPassword('pw')).split('$');
    for (const stored of [`bcrypt$${salt}$${hash}`, `SCRYPT$${salt}$${hash}`, `scrypt$$${hash}`, `scrypt$${salt}$`, `scrypt$${salt}`, 'garbage', '']) {
      expect(await verifyPassword('pw', stored)).toBe(false);
    }
  });

  it('refuse a stored hash that does not decode to 32 bytes, whatever the password', async () => {
    const salt = Buffer.from('0123456789abcdef');
    const short = scryptSync('pw', salt, 1).toString('base64url');
    for (const hash of ['!!!', short]) {
      for (const password of ['pw', 'anything']) expect(await verifyPassword(password, `scrypt$${salt.toString('base64url')}$${hash}`)).toBe(false);
    }
  });

  it('without an account password, cost a check and always fail', async () => {
    expect(await verifyAgainstNoPassword('correct horse')).toBe(false);
    expect(await verifyAgainstNoPassword('')).toBe(false);
  });
});
