import fc from 'fast-check';
import { OllamaSimulator } from '../../src/llm/simulator/ollama-simulator.js';
import { ApiClient } from './support/api-client.js';
import { startGus, type RunningGus } from './support/gus-harness.js';

/**
 * 1,200 generated hostile requests (fast-check) over every route of the OpenAPI document: random and
 * near-valid bodies, deep nesting, lone surrogates, NUL, huge values, wrong content types, garbage ids, tokens
 * and headers. No answer may be a 5xx, none may hang, and the process's memory stays bounded.
 */
const REQUESTS = 1200;
const HANG_MS = 10_000;

const FIELD_NAMES = [
  'content', 'title', 'model', 'parentId', 'stream', 'systemPrompt', 'metadata', 'messages', 'email', 'password', 'role',
  'plan', 'status', 'name', 'maxTokens', 'max_tokens', 'format', 'messageId', 'currentLeafId', 'state', 'temperature',
  'resumable', 'rating', 'reason', 'comment', 'response_format', 'stream_options', 'n', 'tools', '__proto__', 'constructor',
];

interface Route {
  method: string;
  path: string;
}

interface Ids {
  conversation: string;
  message: string;
  user: string;
}

const hostileString = fc.oneof(
  fc.string({ unit: 'grapheme', maxLength: 50 }),
  fc.string({ unit: 'binary', maxLength: 50 }),
  fc.constantFrom('\u0000', 'a\u0000b', '\ud800', 'x\udfffy', '%00', '../../etc/passwd', "' OR 1=1 --", '<script>alert(1)</script>', '[[sim:echo]]', '{{7*7}}', '\u202e', ''),
  fc.integer({ min: 1, max: 40_000 }).map((n) => 'a'.repeat(n)),
);

const jsonValue: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    hostileString,
    fc.double(),
    fc.integer(),
    fc.constantFrom(Number.MAX_SAFE_INTEGER, -1, 0, 1e308, true, false, null),
    fc.array(tie('value'), { maxLength: 5 }),
    fc.dictionary(fc.oneof(hostileString, fc.constantFrom(...FIELD_NAMES)), tie('value'), { maxKeys: 6 }),
  ),
})).value;

/** Bodies as raw text: near-valid objects of the routes' field names, any JSON, and texts that are not JSON. */
const rawBody = fc.oneof(
  { arbitrary: fc.dictionary(fc.constantFrom(...FIELD_NAMES), jsonValue, { maxKeys: 8 }).map((value) => JSON.stringify(value)), weight: 8 },
  jsonValue.map((value) => JSON.stringify(value) ?? 'null'),
  fc.integer({ min: 1, max: 20_000 }).map((n) => '['.repeat(n) + ']'.repeat(n)),
  fc.integer({ min: 1, max: 20_000 }).map((n) => '{"content":'.repeat(n) + '1' + '}'.repeat(n)),
  fc.integer({ min: 1, max: 5_000 }).map((n) => JSON.stringify({ metadata: Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, i])) })),
  fc.integer({ min: 1, max: 30_000 }).map((n) => JSON.stringify({ messages: Array.from({ length: n }, () => ({ role: 'user', content: 'x' })), model: 'llama3.2' })),
  fc.constantFrom('{"content": "\\ud800"}', '{"content": "a\\u0000b"}', '{"\\ud800": 1}', '{', 'null', '"string"', '[]', '{"content": 1e999}', '\u0000', ''),
  hostileString,
);

const contentType = fc.oneof(
  { arbitrary: fc.constant('application/json'), weight: 10 },
  fc.constantFrom('application/json; charset=utf-8', 'text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/xml', undefined),
);

describe('hostile input: generated requests over every route (PostgreSQL + Redis)', () => {
  const simulator = new OllamaSimulator();
  let gus: RunningGus;
  let routes: Route[];
  const tokens: Record<string, string | undefined> = {};
  let ids: Ids;

  beforeAll(async () => {
    gus = await startGus({ ollamaHost: await simulator.start(), env: { GUS_PUBLIC_RATE_LIMIT_PER_MINUTE: '0' } });
    const api = new ApiClient(gus.url);
    const admin = await api.asAdmin();
    const user = await api.newUser(admin);
    tokens.admin = admin.token;
    tokens.user = user.token;
    tokens.none = undefined;
    tokens.garbage = 'gus_' + 'x'.repeat(60);
    tokens.jwtish = 'eyJhbGciOiJub25lIn0.eyJzdWIiOiIxIn0.';
    const conversation = (await user.post('/v1/conversations', { title: 'target' })).body;
    const turn = (await user.post(`/v1/conversations/${conversation.id}/messages`, { content: 'hello' })).body;
    ids = { conversation: conversation.id, message: turn.userMessage.id, user: user.userId };
    const doc = (await api.get('/docs-json')).body as { paths: Record<string, Record<string, unknown>> };
    routes = Object.entries(doc.paths).flatMap(([path, methods]) => Object.keys(methods).map((method) => ({ method: method.toUpperCase(), path })));
  });
  afterAll(async () => {
    await gus?.stop();
    await simulator.stop();
  });

  it('answers the inputs that once gave 500s with a 4xx and stores nothing (issue 9, point 5)', async () => {
    const call = async (method: string, path: string, body?: string, type = 'application/json', caller = tokens.user) => {
      const res = await fetch(gus.url + path, { method, headers: { 'content-type': type, ...(caller ? { authorization: `Bearer ${caller}` } : {}) }, body, signal: AbortSignal.timeout(HANG_MS) });
      return { status: res.status, body: (await res.json()) as { code: string; message: string } };
    };
    const before = await gus.query<{ n: number }>('SELECT count(*)::int AS n FROM messages');
    const conversations = await gus.query<{ n: number }>('SELECT count(*)::int AS n FROM conversations');
    // 3,000 nested arrays, unauthenticated; an unknown field nested 10,000 deep on a send and on chat completions.
    expect(await call('POST', '/v1/auth/login', '['.repeat(3000) + ']'.repeat(3000), 'application/json', undefined)).toMatchObject({ status: 400, body: { code: 'INVALID_REQUEST' } });
    const deep = (n: number) => `{"content":"hi","x":${'{"a":'.repeat(n)}1${'}'.repeat(n)}}`;
    expect(await call('POST', `/v1/conversations/${ids.conversation}/messages`, deep(10_000))).toMatchObject({ status: 400, body: { code: 'INVALID_REQUEST' } });
    expect(await call('POST', '/v1/chat/completions', `{"model":"llama3.2","messages":[{"role":"user","content":"hi"}],"x":${'{"a":'.repeat(10_000)}1${'}'.repeat(10_000)}}`)).toMatchObject({ status: 400 });
    // NUL in a query string.
    for (const path of ['/v1/search/messages?q=%00', '/v1/conversations?q=a%00b', '/v1/conversations?model=%00', '/v1/admin/flags?kind=%00']) {
      expect({ path, ...(await call('GET', path, undefined, 'application/json', tokens.admin)) }).toMatchObject({ path, status: 400, body: { code: 'INVALID_REQUEST' } });
    }
    // Lone surrogates in metadata values or keys.
    for (const body of ['{"metadata":{"k":"\\ud800"}}', '{"metadata":{"\\udfff":"v"}}']) {
      expect(await call('POST', '/v1/conversations', body)).toMatchObject({ status: 400, body: { code: 'INVALID_REQUEST' } });
    }
    // Form-encoded and plain-text bodies no longer create an empty conversation.
    expect(await call('POST', '/v1/conversations', 'title=x', 'application/x-www-form-urlencoded')).toMatchObject({ status: 415, body: { code: 'UNSUPPORTED_MEDIA_TYPE' } });
    expect(await call('POST', '/v1/conversations', '{"title":"x"}', 'text/plain')).toMatchObject({ status: 415, body: { code: 'UNSUPPORTED_MEDIA_TYPE' } });
    // A user-supplied system prompt is limited like a message: up to GUS_MAX_MESSAGE_CHARS, else MESSAGE_TOO_LONG.
    const longPrompt = await call('POST', '/v1/conversations', JSON.stringify({ systemPrompt: 'be brief. '.repeat(3300) }));
    expect(longPrompt).toMatchObject({ status: 400, body: { code: 'MESSAGE_TOO_LONG' } });
    expect((await call('POST', '/v1/conversations', JSON.stringify({ systemPrompt: 'be brief. '.repeat(2500) }))).status).toBe(201); // 25,000 characters
    expect(await gus.query('SELECT count(*)::int AS n FROM messages')).toEqual(before);
    expect(await gus.query('SELECT count(*)::int AS n FROM conversations')).toEqual([{ n: conversations[0]!.n + 1 }]);
  });

  it('answers every one with a 2xx, 3xx or 4xx in the error shape, promptly, without growing without bound', async () => {
    expect(routes.length).toBeGreaterThan(25);
    const rssBefore = await residentMemory(gus.url);
    const statuses = new Map<string, number>();
    const perRoute = new Map<string, number>();
    const failures: string[] = [];

    const pathParam = fc.oneof(
      { arbitrary: fc.constantFrom('conversation', 'message', 'user').map((kind) => ids[kind as keyof Ids]), weight: 6 },
      fc.uuid(),
      hostileString.map((text) => pathSegment(text).slice(0, 200) || 'x'),
    );
    const query = fc.dictionary(
      fc.oneof({ arbitrary: fc.constantFrom('limit', 'cursor', 'q', 'state', 'model', 'from', 'to', 'leafId', 'kind', 'severity', 'userId', 'role', 'status', 'format'), weight: 4 }, hostileString.map((key) => key.slice(0, 100))),
      fc.oneof({ arbitrary: hostileString.map((value) => value.slice(0, 300)), weight: 8 }, fc.constantFrom('0x10', '%205', '1e1', '-1', '999999999999', '10', 'x'.repeat(20_000))),
      { maxKeys: 4 },
    );
    const request = fc.record({
      route: fc.integer({ min: 0, max: routes.length - 1 }),
      params: fc.array(pathParam, { minLength: 4, maxLength: 4 }),
      query,
      body: rawBody,
      contentType,
      caller: fc.oneof({ arbitrary: fc.constant('user'), weight: 6 }, { arbitrary: fc.constant('admin'), weight: 3 }, fc.constantFrom('none', 'garbage', 'jwtish')),
      extraHeaders: fc.dictionary(
        fc.constantFrom('idempotency-key', 'last-event-id', 'x-request-id', 'x-conversation-id', 'traceparent', 'x-forwarded-for'),
        fc.oneof({ arbitrary: hostileString.map((s) => s.replace(/[^\t\x20-\x7e]/g, '?').slice(0, 200)), weight: 9 }, fc.constant('h'.repeat(20_000))),
        { maxKeys: 3 },
      ),
    });

    await fc.assert(
      fc.asyncProperty(request, async ({ route, params, query: q, body, contentType: type, caller, extraHeaders }) => {
        const { method, path } = routes[route]!;
        let n = 0;
        const url = new URL(gus.url + path.replace(/\{[^}]+\}/g, () => params[n++ % params.length]!));
        for (const [key, value] of Object.entries(q)) url.searchParams.append(key, value);
        const headers: Record<string, string> = { ...extraHeaders };
        if (tokens[caller]) headers.authorization = `Bearer ${tokens[caller]}`;
        if (type) headers['content-type'] = type;
        const withBody = method !== 'GET' && method !== 'DELETE';
        let status: number;
        try {
          const res = await fetch(url, { method, headers, body: withBody ? body : undefined, signal: AbortSignal.timeout(HANG_MS) });
          status = res.status;
          const text = await res.text();
          if (status >= 400 && !(res.headers.get('content-type') ?? '').includes('json')) failures.push(`${method} ${path}: ${status} without a JSON error body`);
          if (status >= 400 && path.startsWith('/v1') && !path.includes('chat/completions')) {
            const error = JSON.parse(text) as { code?: unknown };
            if (typeof error.code !== 'string') failures.push(`${method} ${path}: ${status} without a code: ${text.slice(0, 200)}`);
          }
        } catch (error) {
          failures.push(`${method} ${path}: no answer within ${HANG_MS} ms (${(error as Error).name})`);
          return;
        }
        statuses.set(String(status), (statuses.get(String(status)) ?? 0) + 1);
        perRoute.set(`${method} ${path}`, (perRoute.get(`${method} ${path}`) ?? 0) + 1);
        if (status >= 500) failures.push(`${method} ${url.pathname}${url.search.slice(0, 200)} (${type ?? 'no type'}, ${caller}): ${status}; body ${body.slice(0, 200)}`);
      }),
      { numRuns: REQUESTS, seed: Number(process.env.HOSTILE_SEED ?? Date.now() % 2 ** 31), verbose: 0 },
    );

    const rssAfter = await residentMemory(gus.url);
    console.log(
      `hostile input: ${REQUESTS} requests over ${perRoute.size} of ${routes.length} routes; statuses ${JSON.stringify(Object.fromEntries([...statuses].sort()))}; ` +
        `RSS ${Math.round(rssBefore / 2 ** 20)} → ${Math.round(rssAfter / 2 ** 20)} MB; failures ${failures.length}`,
    );
    expect(failures).toEqual([]);
    expect(perRoute.size).toBeGreaterThan(routes.length * 0.9);
    // Bounded: the largest accepted inputs are a few MB each; no request may leave a lasting cost.
    expect(rssAfter - rssBefore).toBeLessThan(250 * 2 ** 20);
    expect((await fetch(gus.url + '/health/live', { signal: AbortSignal.timeout(HANG_MS) })).status).toBe(200);
  });
});

/** A lone surrogate cannot be percent-encoded as UTF-8: it becomes the bytes of one (invalid UTF-8 on the wire). */
function pathSegment(text: string): string {
  try {
    return encodeURIComponent(text);
  } catch {
    return encodeURIComponent(text.replace(/[\ud800-\udfff]/g, '')) + '%ED%A0%80';
  }
}

async function residentMemory(baseUrl: string): Promise<number> {
  const metrics = await (await fetch(baseUrl + '/metrics')).text();
  const match = /^process_resident_memory_bytes (\d+(?:\.\d+)?(?:e\+\d+)?)$/m.exec(metrics);
  if (!match) throw new Error('no process_resident_memory_bytes in /metrics');
  return Number(match[1]);
}
