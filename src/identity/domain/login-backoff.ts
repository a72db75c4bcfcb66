/** Failed logins an account may have before each further attempt must wait. */
export const FREE_LOGIN_FAILURES = 5;
/** Failures are forgotten this long after the last one. */
export const LOGIN_FAILURE_WINDOW_MS = 15 * 60_000;
const MAX_LOCK_MS = 15 * 60_000;

/**
 * How long an account is locked after its `failures`-th failed login in a row: nothing for the first few, then
 * 1 s, 2 s, 4 s … up to 15 minutes. Doubling keeps guessing hopeless while the owner, who knows the password,
 * waits seconds at most after a handful of typos.
 */
export function loginLockMs(failures: number): number {
  if (failures < FREE_LOGIN_FAILURES) return 0;
  return Math.min(MAX_LOCK_MS, 1000 * 2 ** Math.min(30, failures - FREE_LOGIN_FAILURES));
}
