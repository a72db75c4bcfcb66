import { OllamaSimulator } from '../../src/llm/simulator/ollama-simulator.js';
import { ApiClient } from './support/api-client.js';
import { eventually, startGus, type RunningGus } from './support/gus-harness.js';

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

    const rows = await eventually(async () => {
      const audit = await gus.query<{ request: unknown; response: unknown; route: string; status: number }>('SELECT route, status, request, response FROM audit_payloads');
      expect(audit.length).toBeGreaterThanOrEqual(15);
      return audit;
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
