import { OllamaSimulator } from '../../src/llm/simulator/ollama-simulator.js';
import { ApiClient } from './support/api-client.js';
import { ADMIN_EMAIL, ADMIN_PASSWORD, startGus, type RunningGus } from './support/gus-harness.js';

describe('identity over HTTP (PostgreSQL + Redis)', () => {
  const simulator = new OllamaSimulator();
  let gus: RunningGus;
  let api: ApiClient;
  let admin: ApiClient;

  beforeAll(async () => {
    gus = await startGus({ ollamaHost: await simulator.start() });
    api = new ApiClient(gus.url);
    admin = await api.asAdmin();
  });
  afterAll(async () => {
    await gus?.stop();
    await simulator.stop();
  });

  it('logs the first admin in with a JWT and shows who they are', async () => {
    const login = await api.post('/v1/auth/login', { email: ADMIN_EMAIL.toUpperCase(), password: ADMIN_PASSWORD });
    expect(login.status).toBe(200);
    expect(login.body).toMatchObject({ tokenType: 'Bearer', user: { email: ADMIN_EMAIL, role: 'admin' } });
    expect(login.body.accessToken.split('.')).toHaveLength(3);
    const me = await api.withToken(login.body.accessToken).get('/v1/me');
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({ email: ADMIN_EMAIL, role: 'admin', plan: 'pro', status: 'active', limits: { modelTiers: ['standard', 'premium'] } });
    expect(me.body.usage.today).toMatchObject({ turns: 0, totalTokens: 0 });
    expect(me.body).not.toHaveProperty('passwordHash');
  });

  it('refuses a wrong password and unknown email alike, and requests without a token', async () => {
    const wrong = await api.post('/v1/auth/login', { email: ADMIN_EMAIL, password: 'not-the-password' });
    const unknown = await api.post('/v1/auth/login', { email: 'nobody@gus.test', password: 'whatever-password' });
    expect(wrong.status).toBe(401);
    expect(unknown.body).toMatchObject({ statusCode: 401, code: 'UNAUTHENTICATED', message: wrong.body.message });
    const anonymous = await api.get('/v1/me');
    expect(anonymous.status).toBe(401);
    expect(anonymous.body.code).toBe('UNAUTHENTICATED');
    expect((await api.withToken('not.a.jwt').get('/v1/me')).status).toBe(401);
    expect((await api.withToken('gus_nonexistentkey').get('/v1/me')).status).toBe(401);
  });

  it('issues guest tokens for the guest role and plan', async () => {
    const guest = await api.post('/v1/auth/guest');
    expect(guest.status).toBe(201);
    expect(guest.body).toMatchObject({ expiresIn: 3600, user: { role: 'guest', plan: 'guest', email: null } });
    const me = await api.withToken(guest.body.accessToken).get('/v1/me');
    expect(me.body).toMatchObject({ role: 'guest', plan: 'guest' });
  });

  it('lets admins create, list and update users, and nobody else', async () => {
    const created = await admin.post('/v1/admin/users', { email: 'Ada@Gus.Test', password: 'lovelace-1843', plan: 'free' });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ email: 'ada@gus.test', role: 'user', plan: 'free', status: 'active' });
    expect(created.body).not.toHaveProperty('passwordHash');
    expect((await admin.post('/v1/admin/users', { email: 'ada@gus.test', password: 'lovelace-1843' })).body.code).toBe('CONFLICT');

    const ada = api.withToken((await api.post('/v1/auth/login', { email: 'ada@gus.test', password: 'lovelace-1843' })).body.accessToken);
    const forbidden = await ada.get('/v1/admin/users');
    expect(forbidden.status).toBe(403);
    expect(forbidden.body.code).toBe('FORBIDDEN');

    const upgraded = await admin.patch(`/v1/admin/users/${created.body.id}`, { plan: 'pro' });
    expect(upgraded.body.plan).toBe('pro');
    expect((await ada.get('/v1/me')).body.plan).toBe('pro');
    expect((await admin.patch(`/v1/admin/users/${created.body.id}`, { plan: 'platinum' })).body.code).toBe('INVALID_REQUEST');
    expect((await admin.patch(`/v1/admin/users/${created.body.id}`, { role: 'superuser' })).status).toBe(400);
    expect((await admin.patch('/v1/admin/users/00000000-0000-4000-8000-000000000000', { plan: 'pro' })).status).toBe(404);

    const firstPage = await admin.get('/v1/admin/users?limit=1');
    expect(firstPage.body.data).toHaveLength(1);
    expect(firstPage.body.nextCursor).toEqual(expect.any(String));
    const secondPage = await admin.get(`/v1/admin/users?limit=1&cursor=${firstPage.body.nextCursor}`);
    expect(secondPage.body.data[0].id).not.toBe(firstPage.body.data[0].id);
    const onlyAdmins = await admin.get('/v1/admin/users?role=admin');
    expect(onlyAdmins.body.data.every((u: { role: string }) => u.role === 'admin')).toBe(true);
  });

  it('suspends a user on every route and lifts the suspension', async () => {
    const user = await api.newUser(admin);
    const suspended = await admin.patch(`/v1/admin/users/${user.userId}`, { status: 'suspended' });
    expect(suspended.body.status).toBe('suspended');
    for (const res of [await user.get('/v1/me'), await user.get('/v1/conversations'), await user.post('/v1/conversations', {})]) {
      expect(res.status).toBe(403);
      expect(res.body.code).toBe('ACCOUNT_SUSPENDED');
    }
    const login = await api.post('/v1/auth/login', { email: user.email, password: 'irrelevant-but-wrong' });
    expect(login.status).toBe(401);
    await admin.patch(`/v1/admin/users/${user.userId}`, { status: 'active' });
    expect((await user.get('/v1/me')).status).toBe(200);
  });

  it('issues an API key once, stores only its hash, and accepts it as a bearer token', async () => {
    const user = await api.newUser(admin);
    const issued = await admin.post(`/v1/admin/users/${user.userId}/api-keys`, { name: 'ci' });
    expect(issued.status).toBe(201);
    expect(issued.body.key).toMatch(/^gus_[A-Za-z0-9_-]{40,}$/);
    expect(issued.body.key.startsWith(issued.body.prefix)).toBe(true);
    const viaKey = await api.withToken(issued.body.key).get('/v1/me');
    expect(viaKey.status).toBe(200);
    expect(viaKey.body.id).toBe(user.userId);
    const rows = await gus.query('SELECT key_hash FROM api_keys WHERE id = $1', [issued.body.id]);
    expect(rows[0].key_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(rows[0].key_hash).not.toContain(issued.body.key);
  });

  it('lists models in OpenAI shape and enforces plan entitlements', async () => {
    const free = await api.newUser(admin, 'free');
    const models = await free.get('/v1/models');
    expect(models.body.object).toBe('list');
    const premium = models.body.data.find((m: { tier: string }) => m.tier === 'premium');
    expect(premium).toMatchObject({ object: 'model', allowed: false, contextWindow: expect.any(Number) });
    expect(models.body.data.filter((m: { tier: string }) => m.tier === 'standard').every((m: { allowed: boolean }) => m.allowed)).toBe(true);

    const denied = await free.post('/v1/conversations', { model: premium.id });
    expect(denied.status).toBe(403);
    expect(denied.body.code).toBe('MODEL_NOT_ALLOWED');
    const conversation = (await free.post('/v1/conversations', {})).body;
    const turn = await free.post(`/v1/conversations/${conversation.id}/messages`, { content: 'hi', model: premium.id });
    expect(turn.status).toBe(403);
    expect(turn.body.code).toBe('MODEL_NOT_ALLOWED');

    const pro = await api.newUser(admin, 'pro');
    const proConversation = (await pro.post('/v1/conversations', { model: premium.id })).body;
    const allowed = await pro.post(`/v1/conversations/${proConversation.id}/messages`, { content: 'hi' });
    expect(allowed.status).toBe(201);
    expect(allowed.body.assistantMessage.model).toBe(premium.id);
  });
});
