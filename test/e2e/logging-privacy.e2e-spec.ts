import { OllamaSimulator } from '../../src/llm/simulator/ollama-simulator.js';
import { ApiClient } from './support/api-client.js';
import { eventually, routerRoutes, startGus, type RunningGus } from './support/gus-harness.js';

const PASSWORD = 'Pa55word-Zebra-7731';
const EMAIL = 'grace.hopper.test@navy-example.org';
const PHONES = ['+1 415 555 2671', '(415) 555-2671', '+447946095812'];
const CARDS = ['4111 1111 1111 1111', '5500-0000-0000-0004', '378282246310005'];
const digits = (text: string): string => text.replace(/\D/g, '');

describe('logs and payload audit never hold secrets or personal data (PostgreSQL + Redis)', () => {
  const simulator = new OllamaSimulator();
  let gus: RunningGus;

  beforeAll(async () => {
    gus = await startGus({ ollamaHost: await simulator.start(), env: { GUS_PAYLOAD_LOGGING: 'on', LOG_LEVEL: 'debug' } });
  });
  afterAll(async () => {
    await gus?.stop();
    await simulator.stop();
  });

  it('redacts passwords, API keys, JWTs, emails, phone numbers and card numbers seeded through every route, error paths included', async () => {
    const api = new ApiClient(gus.url);
    const admin = await api.asAdmin();
    const created = await admin.post('/v1/admin/users', { email: EMAIL, password: PASSWORD, plan: 'free' });
    expect(created.status).toBe(201);
    const login = await api.post('/v1/auth/login', { email: EMAIL, password: PASSWORD });
    const jwt: string = login.body.accessToken;
    const apiKey: string = (await admin.post(`/v1/admin/users/${created.body.id}/api-keys`, { name: 'ci' })).body.key;
    const user = api.withToken(apiKey);
    const secrets = [PASSWORD, EMAIL, jwt, apiKey, ...PHONES, ...CARDS];
    const everything = `pw ${PASSWORD} mail ${EMAIL} jwt ${jwt} key ${apiKey} phones ${PHONES.join(', ')} cards ${CARDS.join(', ')}`;

    // The happy paths.
    await user.get('/v1/me');
    const conversation = (await user.post('/v1/conversations', { title: `about ${EMAIL}`, systemPrompt: `Call ${PHONES[0]}`, metadata: { card: CARDS[0], note: everything } })).body;
    await user.post(`/v1/conversations/${conversation.id}/messages`, { content: everything });
    await fetch(`${gus.url}/v1/conversations/${conversation.id}/messages`, {
      method: 'POST',
      headers: { authorization: `Bearer ${jwt}`, 'content-type': 'application/json' },
      body: JSON.stringify({ content: `stream ${everything}`, stream: true }),
    }).then((res) => res.text());
    await user.post('/v1/chat/completions', { model: 'llama3.2:1b', messages: [{ role: 'user', content: everything }] });
    await user.get(`/v1/search/messages?q=${encodeURIComponent(EMAIL)}`);
    await user.get(`/v1/conversations?q=${encodeURIComponent(CARDS[0]!)}`);
    // The error paths.
    await api.post('/v1/auth/login', { email: EMAIL, password: `${PASSWORD}-wrong` });
    await api.withToken(jwt.slice(0, -3) + 'xyz').get('/v1/me');
    await api.withToken(`${apiKey}0`).get('/v1/me');
    await user.post('/v1/conversations', `{"title": "${EMAIL} ${CARDS[1]}", `);
    await user.post('/v1/conversations', { title: 42, note: everything });
    await user.get(`/v1/conversations/00000000-0000-4000-8000-000000000000`);
    await user.patch(`/v1/conversations/${conversation.id}`, { state: 'paused' });
    await user.post(`/v1/conversations/${conversation.id}/messages`, { content: everything });
    await user.post(`/v1/conversations/${conversation.id}/messages`, { content: `${everything} [[sim:error=500]]` });


    // Then every route the router has (read from its own start-up log, so a new route is covered without a
    // change here), with the secrets in the query, the body and the path parameters it takes.
    const routes = routerRoutes(gus.logs());
    expect(routes.length).toBeGreaterThanOrEqual(30);
    const messageId = (await user.get(`/v1/conversations/${conversation.id}/messages`)).body.data.at(-1).id as string;
    const keyId = (await admin.get(`/v1/admin/users/${created.body.id}/api-keys`)).body.data[0].id as string;
    const params: Record<string, string> = { id: conversation.id, messageId, keyId };
    const adminParams: Record<string, string> = { ...params, id: created.body.id };
    const query = `?q=${encodeURIComponent(EMAIL)}&note=${encodeURIComponent(everything)}`;
    // Deletions only after the audit rows were read: some erase the user's data, audit rows included (as they
    // should); every route's request line is checked after them all.
    const call = async ({ method, path }: { method: string; path: string }) => {
      const isAdmin = path.startsWith('/v1/admin/');
      const client = isAdmin ? admin : path.startsWith('/v1/auth/') ? api : user;
      const url = path.replace(/:(\w+)/g, (_, name: string) => encodeURIComponent((isAdmin && !path.startsWith('/v1/admin/conversations/') ? adminParams : params)[name]!));
      const body = method === 'GET' || method === 'DELETE' ? undefined : { content: everything, email: EMAIL, password: PASSWORD, note: everything, messageId, model: 'llama3.2:1b', messages: [{ role: 'user', content: everything }] };
      const res = await client.request(method, `${url}${query}`, body, { 'x-note': `${EMAIL} ${CARDS[2]}` });
      expect(res.status).toBeLessThan(500);
    };
    for (const route of routes.filter((r) => r.method !== 'DELETE')) await call(route);
    const rows = await eventually(async () => {
      const audit = await gus.query<{ request: unknown; response: unknown; route: string; status: number }>('SELECT route, status, request, response FROM audit_payloads');
      expect(new Set(audit.map((r) => r.route))).toEqual(new Set(routes.filter((r) => r.path.startsWith('/v1/') && r.method !== 'DELETE').map((r) => r.path)));
      return audit;
    });
    for (const route of routes.filter((r) => r.method === 'DELETE' && !r.path.includes('api-keys'))) await call(route);
    for (const route of routes.filter((r) => r.method === 'DELETE' && r.path.includes('api-keys'))) await call(route); // the user's credential last
    const quiet = ['/metrics', '/health/live', '/health/ready'];
    await eventually(async () => {
      // Logs are flushed every 200 ms: the last request's line may still be on its way.
      const logged = new Set(
        gus
          .logs()
          .split('\n')
          .filter((line) => line.includes('"msg":"request completed"'))
          .map((line) => {
            const { req } = JSON.parse(line) as { req: { method: string; url: string } };
            return `${req.method} ${req.url}`;
          }),
      );
      for (const route of routes) {
        if (quiet.includes(route.path)) expect(logged).not.toContain(`${route.method} ${route.path}`); // README: not logged
        else expect(logged).toContain(`${route.method} ${route.path}`); // called, and its line is scrubbed below
      }
    });

    const auditText = JSON.stringify(rows);
    const logs = gus.logs();
    for (const secret of secrets) {
      expect(auditText).not.toContain(secret);
      expect(logs).not.toContain(secret);
      if (digits(secret).length >= 12 && /^[\d\s()+-]+$/.test(secret)) {
        expect(auditText).not.toContain(digits(secret));
        expect(logs).not.toContain(digits(secret));
      }
    }
    // Not vacuous: the payloads are there, with the markers where the secrets were.
    expect(rows.map((r) => r.route)).toEqual(expect.arrayContaining(['/v1/auth/login', '/v1/admin/users', '/v1/conversations/:id/messages', '/v1/chat/completions']));
    for (const marker of ['[REDACTED]', '[REDACTED:email]', '[REDACTED:jwt]', '[REDACTED:api-key]', '[REDACTED:phone]', '[REDACTED:card]']) expect(auditText).toContain(marker);
    expect(rows.some((r) => r.status === 409)).toBe(true);
    expect(rows.some((r) => (r.response as { streamed?: boolean })?.streamed === true)).toBe(true);
    expect(logs).toContain('"msg":"request completed"');
  });
});

describe('payload logging is off by default', () => {
  const simulator = new OllamaSimulator();
  let gus: RunningGus;

  beforeAll(async () => {
    gus = await startGus({ ollamaHost: await simulator.start() });
  });
  afterAll(async () => {
    await gus?.stop();
    await simulator.stop();
  });

  it('writes no audit payloads', async () => {
    const api = new ApiClient(gus.url);
    const user = await api.newUser(await api.asAdmin());
    const id = (await user.post('/v1/conversations', {})).body.id;
    expect((await user.post(`/v1/conversations/${id}/messages`, { content: 'hello' })).status).toBe(201);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(await gus.query('SELECT id FROM audit_payloads')).toEqual([]);
  });
});
