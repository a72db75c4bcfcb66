import { OllamaSimulator } from '../../src/llm/simulator/ollama-simulator.js';
import { ApiClient } from './support/api-client.js';
import { ADMIN_EMAIL, ADMIN_PASSWORD, startGus, type RunningGus } from './support/gus-harness.js';

const CHAT_ORIGIN = 'https://chat.example.com';

/** Security headers, CORS, login hardening and strict query parsing; two instances share one database and Redis. */
describe('hardening (PostgreSQL + Redis, two instances)', () => {
  const simulator = new OllamaSimulator();
  let first: RunningGus;
  let second: RunningGus;
  let api: ApiClient;
  let other: ApiClient;
  let admin: ApiClient;

  beforeAll(async () => {
    const ollamaHost = await simulator.start();
    const env = { GUS_PUBLIC_RATE_LIMIT_PER_MINUTE: '0' }; // many logins from one address
    first = await startGus({ ollamaHost, env: { ...env, GUS_CORS_ORIGINS: CHAT_ORIGIN } });
    second = await startGus({ ollamaHost, env, databaseUrl: first.env.DATABASE_URL, redisPrefix: first.config.redisPrefix, jwtSecret: first.env.JWT_SECRET });
    api = new ApiClient(first.url);
    other = new ApiClient(second.url);
    admin = await api.asAdmin();
  });
  afterAll(async () => {
    await second?.stop();
    await first?.stop();
    await simulator.stop();
  });

  it('sends security headers and no X-Powered-By, with a strict CSP outside /docs', async () => {
    for (const path of ['/v1/me', '/health/live', '/nowhere']) {
      const res = await fetch(first.url + path);
      expect(res.headers.get('x-powered-by')).toBeNull();
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(res.headers.get('x-frame-options')).toBe('SAMEORIGIN');
      expect(res.headers.get('referrer-policy')).toBe('no-referrer');
      expect(res.headers.get('strict-transport-security')).toMatch(/max-age=\d+/);
      const csp = (res.headers.get('content-security-policy') ?? '').split(';');
      expect(csp).toEqual(expect.arrayContaining(["default-src 'self'", "frame-ancestors 'none'", "object-src 'none'", "script-src 'self'", "style-src 'self'"]));
    }
    const docs = await fetch(first.url + '/docs');
    expect(docs.status).toBe(200);
    expect(docs.headers.get('content-security-policy')?.split(';')).toContain("style-src 'self' 'unsafe-inline'");
  });

  it('answers CORS only for the configured origins, and sends no CORS headers at all by default', async () => {
    const preflight = (url: string, origin: string) =>
      fetch(url + '/v1/conversations', { method: 'OPTIONS', headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization,content-type' } });
    const allowed = await preflight(first.url, CHAT_ORIGIN);
    expect(allowed.status).toBe(204);
    expect(allowed.headers.get('access-control-allow-origin')).toBe(CHAT_ORIGIN);
    expect(allowed.headers.get('access-control-allow-headers')?.toLowerCase()).toContain('authorization');
    const simple = await fetch(first.url + '/health/live', { headers: { origin: CHAT_ORIGIN } });
    expect(simple.headers.get('access-control-allow-origin')).toBe(CHAT_ORIGIN);
    expect(simple.headers.get('access-control-expose-headers')).toContain('X-RateLimit-Remaining');

    const stranger = await preflight(first.url, 'https://evil.example.com');
    expect(stranger.headers.get('access-control-allow-origin')).toBeNull();
    // The second instance has no GUS_CORS_ORIGINS: CORS is off.
    const off = await preflight(second.url, CHAT_ORIGIN);
    expect(off.headers.get('access-control-allow-origin')).toBeNull();
    expect((await fetch(second.url + '/health/live', { headers: { origin: CHAT_ORIGIN } })).headers.get('access-control-allow-origin')).toBeNull();
  });

  it('takes as long to refuse an unknown email as a wrong password', async () => {
    // One wrong password per account (the backoff below starts after five), so each attempt does full work.
    const accounts = await Promise.all(Array.from({ length: 6 }, () => api.newUser(admin)));
    const timed = async (email: string) => {
      const started = performance.now();
      const res = await api.post('/v1/auth/login', { email, password: 'not-the-password' });
      expect(res.status).toBe(401);
      return performance.now() - started;
    };
    const wrongPassword: number[] = [];
    const unknownEmail: number[] = [];
    for (const account of accounts) {
      wrongPassword.push(await timed(account.email));
      unknownEmail.push(await timed(`nobody-${Math.random().toString(36).slice(2)}@gus.test`));
    }
    const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
    // Before: 22 ms against 267 ms (no scrypt for an unknown email). Both now run one scrypt.
    expect(median(unknownEmail)).toBeGreaterThan(0.5 * median(wrongPassword));
  });

  it('backs failed logins off per account on every instance, the same for unknown emails', async () => {
    const user = await api.newUser(admin);
    for (let i = 0; i < 5; i++) expect((await api.post('/v1/auth/login', { email: user.email, password: `wrong-${i}` })).status).toBe(401);
    // The sixth attempt waits, even with the right password and on the other instance.
    for (const client of [api, other]) {
      const locked = await client.post('/v1/auth/login', { email: user.email.toUpperCase(), password: user.password });
      expect(locked.status).toBe(429);
      expect(locked.body).toMatchObject({ code: 'RATE_LIMITED', message: expect.stringMatching(/too many failed logins for this account/) });
      expect(Number(locked.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    }
    // Another account is not affected; once the wait is over the right password works and clears the record.
    expect((await other.post('/v1/auth/login', { email: ADMIN_EMAIL, password: ADMIN_PASSWORD })).status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 1100));
    expect((await other.post('/v1/auth/login', { email: user.email, password: user.password })).status).toBe(200);
    expect((await api.post('/v1/auth/login', { email: user.email, password: 'wrong-again' })).status).toBe(401);

    // An unknown email backs off exactly alike: the lock says nothing about which accounts exist.
    const unknown = `nobody-${Math.random().toString(36).slice(2)}@gus.test`;
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) statuses.push((await api.post('/v1/auth/login', { email: unknown, password: 'whatever-password' })).status);
    expect(statuses).toEqual([401, 401, 401, 401, 401, 429]);
  });

  it('takes a suspension, a role change and a key revocation into account on every instance at once', async () => {
    // Each instance trusts a looked-up caller for 2 s; a change is published to all of them. Warm the second
    // instance's cache, change the user on the first, and ask the second right away: within the 2 s only the
    // published change can explain a refusal.
    const suspendMe = await api.newUser(admin);
    const onSecond = other.withToken(suspendMe.token!);
    expect((await onSecond.get('/v1/me')).status).toBe(200);
    const warmedAt = Date.now();
    expect((await admin.patch(`/v1/admin/users/${suspendMe.userId}`, { status: 'suspended' })).status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 100)); // the notice crosses Redis pub/sub
    const refused = await onSecond.get('/v1/me');
    expect(Date.now() - warmedAt).toBeLessThan(1900);
    expect(refused.status).toBe(403);
    expect(refused.body.code).toBe('ACCOUNT_SUSPENDED');

    const promoteMe = await api.newUser(admin);
    const promoted = other.withToken(promoteMe.token!);
    expect((await promoted.get('/v1/admin/users')).status).toBe(403);
    const promotedAt = Date.now();
    await admin.patch(`/v1/admin/users/${promoteMe.userId}`, { role: 'admin' });
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect((await promoted.get('/v1/admin/users')).status).toBe(200);
    expect(Date.now() - promotedAt).toBeLessThan(1900);

    const keyOwner = await api.newUser(admin);
    const issued = await admin.post(`/v1/admin/users/${keyOwner.userId}/api-keys`, { name: 'ci' });
    const viaKey = other.withToken(issued.body.key);
    expect((await viaKey.get('/v1/me')).status).toBe(200);
    const listed = await admin.get(`/v1/admin/users/${keyOwner.userId}/api-keys`);
    expect(listed.body.data).toEqual([expect.objectContaining({ id: issued.body.id, name: 'ci', revokedAt: null })]);
    const revokedAt = Date.now();
    expect((await admin.delete(`/v1/admin/users/${keyOwner.userId}/api-keys/${issued.body.id}`)).status).toBe(204);
    await new Promise((resolve) => setTimeout(resolve, 100));
    const afterRevoke = await viaKey.get('/v1/me');
    expect(Date.now() - revokedAt).toBeLessThan(1900);
    expect(afterRevoke.status).toBe(401);
    expect((await admin.get(`/v1/admin/users/${keyOwner.userId}/api-keys`)).body.data[0].revokedAt).toEqual(expect.any(String));
    // The user's JWT still works: only the key was revoked.
    expect((await other.withToken(keyOwner.token!).get('/v1/me')).status).toBe(200);
  });

  it('parses integer query parameters as decimal digits only', async () => {
    const user = await api.newUser(admin);
    for (const limit of ['0x10', '%205', '1e1', '', '+5', '5.0', '٥']) {
      const res = await user.get(`/v1/conversations?limit=${limit}`);
      expect({ limit, status: res.status, code: res.body.code }).toEqual({ limit, status: 400, code: 'INVALID_REQUEST' });
    }
    expect((await user.get('/v1/conversations?limit=10')).status).toBe(200);
    expect((await admin.get('/v1/admin/users?limit=0x10')).status).toBe(400);
    expect((await user.get('/v1/search/messages?q=hello&limit=1e1')).status).toBe(400);
  });
});
