import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { readMaxmemoryPolicy } from '../../libs/queue/redis-memory-policy.js';
import { REDIS_URL, startGus, type RunningGus } from './support/gus-harness.js';

/** At start gus checks that Redis will not evict BullMQ's keys (maxmemory-policy noeviction). */
describe('the Redis maxmemory-policy check (real Redis)', () => {
  const user = `gus-test-no-config-${randomBytes(4).toString('hex')}`;
  const password = randomBytes(12).toString('hex');
  let admin: Redis;
  let restricted: Redis;

  beforeAll(async () => {
    admin = new Redis(REDIS_URL);
    // A user that may do everything gus needs except CONFIG, as on many managed Redis services.
    await admin.call('ACL', 'SETUSER', user, 'on', `>${password}`, '~*', '&*', '+@all', '-config');
    restricted = new Redis(restrictedUrl());
  });
  afterAll(async () => {
    restricted?.disconnect();
    await admin?.call('ACL', 'DELUSER', user);
    await admin?.quit();
  });

  function restrictedUrl(): string {
    const url = new URL(REDIS_URL);
    url.username = user;
    url.password = password;
    return url.toString();
  }

  it('reads the policy of the test server', async () => {
    expect(await readMaxmemoryPolicy(admin)).toEqual({ policy: 'noeviction' });
  });

  it('reports, rather than throws, when the server forbids CONFIG', async () => {
    expect(await readMaxmemoryPolicy(restricted)).toEqual({ unreadable: expect.stringMatching(/NOPERM/) });
  });

  it('logs a warning at start only when it cannot vouch for noeviction', async () => {
    let checked: RunningGus | undefined;
    let unchecked: RunningGus | undefined;
    try {
      checked = await startGus();
      unchecked = await startGus({ redisUrl: restrictedUrl() });
      expect(checked.logs()).not.toMatch(/maxmemory-policy/);
      expect(unchecked.logs()).toMatch(/"level":"warn".*could not check Redis maxmemory-policy \(NOPERM/);
    } finally {
      await unchecked?.stop();
      await checked?.stop();
    }
  });
});
