import { maxmemoryPolicyWarning } from '../../../libs/queue/redis-memory-policy.js';

describe('the Redis maxmemory-policy check', () => {
  it('is quiet on noeviction, the policy BullMQ requires', () => {
    expect(maxmemoryPolicyWarning({ policy: 'noeviction' })).toBeNull();
  });

  it('warns on any evicting policy', () => {
    expect(maxmemoryPolicyWarning({ policy: 'allkeys-lru' })).toMatch(/"allkeys-lru", not "noeviction".*evict/);
    expect(maxmemoryPolicyWarning({ policy: 'volatile-ttl' })).toMatch(/not "noeviction"/);
  });

  it('says so when the server would not tell', () => {
    expect(maxmemoryPolicyWarning({ unreadable: "NOPERM this user has no permissions to run the 'config|get' command" })).toMatch(
      /could not check Redis maxmemory-policy \(NOPERM .*\).*noeviction/,
    );
  });
});
