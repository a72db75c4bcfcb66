import { FREE_LOGIN_FAILURES, loginLockMs } from '../../../src/identity/domain/login-backoff.js';

describe('login backoff', () => {
  it('lets a few typos through, then doubles the wait from one second up to fifteen minutes', () => {
    expect(Array.from({ length: FREE_LOGIN_FAILURES - 1 }, (_, i) => loginLockMs(i + 1))).toEqual([0, 0, 0, 0]);
    expect([5, 6, 7, 8].map(loginLockMs)).toEqual([1000, 2000, 4000, 8000]);
    expect(loginLockMs(15)).toBe(15 * 60_000);
    expect(loginLockMs(10_000)).toBe(15 * 60_000);
  });
});
