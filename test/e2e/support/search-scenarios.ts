import { ApiClient } from './api-client.js';

/**
 * The search scenarios, run as they are on real PostgreSQL (search.e2e-spec.ts) and on embedded PGlite
 * (search-embedded.e2e-spec.ts): both must give the same hits, order, snippets and pages.
 *
 * Searched words (zanzibar, kumquat, quokka, wombat, marmalade) are not in the simulator's vocabulary, so only the
 * messages written here contain them; its replies are deterministic English words, searched for separately.
 */
export interface SearchFixture {
  alice: ApiClient;
  bob: ApiClient;
  anonymous: ApiClient;
  conversations: { holiday: string; recipes: string; quokka: string; archived: string; fruit: string; bobs: string };
  messages: {
    /** "Zanzibar" three times in six words. */
    threeTimes: Turn;
    /** HTML in the text, "zanzibar" once. */
    html: Turn;
    /** "zanzibar" once in a long message. */
    longOnce: Turn;
    /** "marmalade" at both ends of about a hundred words. */
    veryLong: Turn;
    /** In the archived conversation. */
    archived: Turn;
    /** kumquat one … kumquat seven: equal ranks, in sending order. */
    kumquats: Turn[];
    bobs: Turn;
  };
}

interface Turn {
  userMessage: { id: string; createdAt: string; content: string };
  assistantMessage: { id: string; content: string; role: string };
}

const KUMQUATS = ['one', 'two', 'three', 'four', 'five', 'six', 'seven'];

export async function seedSearchFixture(api: ApiClient): Promise<SearchFixture> {
  const admin = await api.asAdmin();
  const alice = await api.newUser(admin, 'pro');
  const bob = await api.newUser(admin);

  const create = async (client: ApiClient, body: Record<string, unknown>): Promise<string> => {
    const res = await client.post('/v1/conversations', body);
    if (res.status !== 201) throw new Error(`create: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body.id;
  };
  const send = async (client: ApiClient, conversationId: string, content: string): Promise<Turn> => {
    const res = await client.post(`/v1/conversations/${conversationId}/messages`, { content });
    if (res.status !== 201) throw new Error(`send: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body;
  };

  const holiday = await create(alice, { title: 'Holiday planning' });
  const threeTimes = await send(alice, holiday, 'Zanzibar beaches, Zanzibar food, Zanzibar weather?');
  const html = await send(alice, holiday, 'Is <script>alert("zanzibar")</script> & co safe?');

  const recipes = await create(alice, { title: 'Recipes', model: 'llama3.1:8b' });
  const longOnce = await send(alice, recipes, 'A marmalade recipe with cloves from zanzibar, and a long list of other spices worth trying at home');
  const veryLong = await send(alice, recipes, `Marmalade first. ${'We stirred the pot and waited for the fruit to soften. '.repeat(8)}Then the marmalade set.`);

  const quokka = await create(alice, { title: 'Quokka facts' });
  await send(alice, quokka, 'Tell me about small animals');

  const archived = await create(alice, { title: 'Old notes' });
  const archivedTurn = await send(alice, archived, 'zanzibar notes for later');
  const patched = await alice.patch(`/v1/conversations/${archived}`, { state: 'archived' });
  if (patched.status !== 200) throw new Error(`archive: ${patched.status}`);

  const fruit = await create(alice, { title: 'Fruit' });
  const kumquats: Turn[] = [];
  for (const n of KUMQUATS) kumquats.push(await send(alice, fruit, `kumquat ${n}`));

  const bobs = await create(bob, { title: 'Zanzibar trip' });
  const bobsTurn = await send(bob, bobs, 'zanzibar <b>zanzibar</b> wombat');

  return {
    alice,
    bob,
    anonymous: new ApiClient(api.baseUrl),
    conversations: { holiday, recipes, quokka, archived, fruit, bobs },
    messages: { threeTimes, html, longOnce, veryLong, archived: archivedTurn, kumquats, bobs: bobsTurn },
  };
}

/** Defines the scenarios; `fixture()` is seeded in the caller's beforeAll. */
export function searchScenarios(fixture: () => SearchFixture): void {
  const search = (client: ApiClient, query: string) => client.get(`/v1/search/messages?${query}`);
  const list = (client: ApiClient, query: string) => client.get(`/v1/conversations?${query}`);
  const ids = (res: { body: { data: Array<{ id?: string; messageId?: string }> } }) => res.body.data.map((item) => (item.messageId ?? item.id)!);

  it('finds words in user text, best first: many mentions in a short message before one in a long message', async () => {
    const { alice, conversations, messages } = fixture();
    const res = await search(alice, 'q=zanzibar');
    expect(res.status).toBe(200);
    // ts_rank_cd over the log of the length: 3 mentions in 6 words, then 1 in 4, 1 in 7, 1 in 18.
    expect(ids(res)).toEqual([messages.threeTimes.userMessage.id, messages.archived.userMessage.id, messages.html.userMessage.id, messages.longOnce.userMessage.id]);
    const ranks = res.body.data.map((hit: { rank: number }) => hit.rank);
    expect(ranks).toEqual([...ranks].sort((a, b) => b - a));
    expect(new Set(ranks).size).toBe(4);
    expect(res.body.data[0]).toEqual({
      conversationId: conversations.holiday,
      conversationTitle: 'Holiday planning',
      messageId: messages.threeTimes.userMessage.id,
      role: 'user',
      createdAt: messages.threeTimes.userMessage.createdAt,
      snippet: '<mark>Zanzibar</mark> beaches, <mark>Zanzibar</mark> food, <mark>Zanzibar</mark> weather?',
      rank: expect.any(Number),
    });
    expect(res.body.nextCursor).toBeNull();
  });

  it('includes archived conversations', async () => {
    const { alice, conversations, messages } = fixture();
    const hit = (await search(alice, 'q=later')).body.data;
    expect(hit).toEqual([expect.objectContaining({ conversationId: conversations.archived, messageId: messages.archived.userMessage.id })]);
  });

  it('finds words of assistant answers', async () => {
    const { alice, conversations, messages } = fixture();
    const answer = messages.threeTimes.assistantMessage;
    const word = answer.content.split(/\W+/).find((w) => w.length >= 5) ?? answer.content.split(/\W+/)[0]!;
    const res = await search(alice, `q=${encodeURIComponent(word)}&limit=100`);
    expect(res.status).toBe(200);
    const hit = res.body.data.find((h: { messageId: string }) => h.messageId === answer.id);
    expect(hit).toMatchObject({ conversationId: conversations.holiday, role: 'assistant' });
    expect(hit.snippet).toContain(`<mark>${word.toLowerCase()}</mark>`);
    for (const other of res.body.data) expect(other.snippet.toLowerCase()).toContain(`<mark>${word.toLowerCase()}</mark>`);
  });

  it('escapes HTML in the snippet: the only markup is <mark>', async () => {
    const { alice, messages } = fixture();
    const res = await search(alice, 'q=safe');
    expect(ids(res)).toEqual([messages.html.userMessage.id]);
    expect(res.body.data[0].snippet).toBe('Is &lt;script&gt;alert(&quot;zanzibar&quot;)&lt;/script&gt; &amp; co <mark>safe</mark>?');
    expect(res.body.data[0].snippet.replace(/<\/?mark>/g, '')).not.toMatch(/[<>"']/);
    const zanzibar = (await search(alice, 'q=zanzibar')).body.data.find((h: { messageId: string }) => h.messageId === messages.html.userMessage.id);
    expect(zanzibar.snippet).toBe('Is &lt;script&gt;alert(&quot;<mark>zanzibar</mark>&quot;)&lt;/script&gt; &amp; co safe?');
  });

  it('shows a long message as fragments around the matches', async () => {
    const { alice, messages } = fixture();
    const res = await search(alice, 'q=marmalade');
    expect(ids(res)).toContain(messages.veryLong.userMessage.id);
    const { snippet } = res.body.data.find((h: { messageId: string }) => h.messageId === messages.veryLong.userMessage.id);
    const [first, second, ...more] = snippet.split(' … ');
    expect(more).toEqual([]);
    expect(first).toMatch(/^<mark>Marmalade<\/mark> first\. We stirred the pot/);
    expect(second).toMatch(/the fruit to soften\. Then the <mark>marmalade<\/mark> set$/);
    expect(snippet.length).toBeLessThan(messages.veryLong.userMessage.content.length);
  });

  it('understands web search syntax: phrases and excluded words', async () => {
    const { alice, messages } = fixture();
    expect(ids(await search(alice, `q=${encodeURIComponent('"zanzibar food"')}`))).toEqual([messages.threeTimes.userMessage.id]);
    expect(ids(await search(alice, `q=${encodeURIComponent('"weather zanzibar"')}`))).toEqual([]);
    expect(ids(await search(alice, `q=${encodeURIComponent('zanzibar -marmalade -later')}`))).toEqual([messages.threeTimes.userMessage.id, messages.html.userMessage.id]);
    expect(ids(await search(alice, 'q=ZANZIBAR'))).toHaveLength(4);
    // Punctuation only: no words, no hits, no error.
    const nothing = await search(alice, `q=${encodeURIComponent('!!! ???')}`);
    expect(nothing.status).toBe(200);
    expect(nothing.body).toEqual({ data: [], nextCursor: null });
  });

  it('pages with a cursor: stable through equal ranks, complete, no repeats', async () => {
    const { alice, messages } = fixture();
    const newestFirst = messages.kumquats.map((turn) => turn.userMessage.id).reverse();
    const all = await search(alice, 'q=kumquat&limit=100');
    expect(ids(all)).toEqual(newestFirst);
    expect(new Set(all.body.data.map((hit: { rank: number }) => hit.rank)).size).toBe(1);

    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page = await search(alice, `q=kumquat&limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      expect(page.status).toBe(200);
      expect(page.body.data.length).toBeLessThanOrEqual(2);
      seen.push(...ids(page));
      cursor = page.body.nextCursor;
      if (cursor) expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
      pages++;
    } while (cursor && pages < 10);
    expect(pages).toBe(4);
    expect(seen).toEqual(newestFirst);

    // Across different ranks too.
    const ranked = ids(await search(alice, 'q=zanzibar&limit=100'));
    const paged: string[] = [];
    cursor = null;
    do {
      const page = await search(alice, `q=zanzibar&limit=3${cursor ? `&cursor=${cursor}` : ''}`);
      paged.push(...ids(page));
      cursor = page.body.nextCursor;
    } while (cursor && paged.length < 20);
    expect(paged).toEqual(ranked);
  });

  it("never returns another user's messages", async () => {
    const { alice, bob, conversations, messages } = fixture();
    const bobs = await search(bob, 'q=zanzibar');
    expect(ids(bobs)).toEqual([messages.bobs.userMessage.id]);
    expect(bobs.body.data[0]).toMatchObject({ conversationId: conversations.bobs, snippet: '<mark>zanzibar</mark> &lt;b&gt;<mark>zanzibar</mark>&lt;/b&gt; wombat' });
    expect(ids(await search(alice, 'q=wombat'))).toEqual([]);
    expect(ids(await search(bob, 'q=kumquat'))).toEqual([]);
    const alices = await search(alice, 'q=zanzibar&limit=100');
    expect(alices.body.data.map((hit: { conversationId: string }) => hit.conversationId)).not.toContain(conversations.bobs);
    expect(ids(await list(bob, 'q=zanzibar'))).toEqual([conversations.bobs]);
    expect(ids(await list(alice, 'q=wombat'))).toEqual([]);
  });

  it('filters the conversation list by title or message text, with the other filters and its order', async () => {
    const { alice, conversations } = fixture();
    const everything = ids(await list(alice, 'limit=100'));
    const inListOrder = (...wanted: string[]) => everything.filter((id) => wanted.includes(id));

    expect(ids(await list(alice, 'q=zanzibar'))).toEqual(inListOrder(conversations.holiday, conversations.recipes));
    expect(ids(await list(alice, 'q=zanzibar&state=archived'))).toEqual([conversations.archived]);
    expect(ids(await list(alice, 'q=zanzibar&state=active&model=llama3.1:8b'))).toEqual([conversations.recipes]);
    expect(ids(await list(alice, 'q=zanzibar&model=llama3.3:70b'))).toEqual([]);
    expect(ids(await list(alice, `q=zanzibar&from=${encodeURIComponent(new Date(Date.now() + 60_000).toISOString())}`))).toEqual([]);
    // Titles: "Quokka facts" has no message about quokkas; "holiday" is only in a title.
    expect(ids(await list(alice, 'q=quokka'))).toEqual([conversations.quokka]);
    expect(ids(await list(alice, 'q=Holiday'))).toEqual([conversations.holiday]);
    expect(ids(await list(alice, `q=${encodeURIComponent('recipes or kumquat')}`))).toEqual(inListOrder(conversations.recipes, conversations.fruit));
    expect(ids(await list(alice, `q=${encodeURIComponent('zanzibar -marmalade')}`))).toEqual([conversations.holiday]);

    const first = await list(alice, 'q=zanzibar&limit=1');
    expect(first.body.nextCursor).toEqual(expect.any(String));
    const second = await list(alice, `q=zanzibar&limit=1&cursor=${first.body.nextCursor}`);
    expect([...ids(first), ...ids(second)]).toEqual(inListOrder(conversations.holiday, conversations.recipes));
    expect(second.body.nextCursor).toBeNull();
  });

  it('refuses bad queries with 400 INVALID_REQUEST, and anonymous callers with 401', async () => {
    const { alice, anonymous } = fixture();
    for (const query of ['', 'q=', 'q=%20%20%20', `q=${'x'.repeat(201)}`, 'q=zanzibar&limit=0', 'q=zanzibar&limit=101', 'q=zanzibar&cursor=not-a-cursor', 'q=zanzibar&foo=1']) {
      const res = await search(alice, query);
      expect({ query, status: res.status, code: res.body.code }).toEqual({ query, status: 400, code: 'INVALID_REQUEST' });
    }
    expect((await search(alice, 'q=zanzibar&cursor=not-a-cursor')).body.message).toBe('cursor is malformed');
    const forged = Buffer.from('0.1|yesterday|42').toString('base64url');
    expect((await search(alice, `q=zanzibar&cursor=${forged}`)).body).toMatchObject({ code: 'INVALID_REQUEST', message: 'cursor is malformed' });
    expect((await search(alice, `q=${'x'.repeat(200)}`)).status).toBe(200);

    for (const query of ['q=', `q=${'x'.repeat(201)}`]) {
      const res = await list(alice, query);
      expect({ query, status: res.status, code: res.body.code }).toEqual({ query, status: 400, code: 'INVALID_REQUEST' });
    }
    const unauthenticated = await search(anonymous, 'q=zanzibar');
    expect(unauthenticated.status).toBe(401);
    expect(unauthenticated.body.code).toBe('UNAUTHENTICATED');
  });
}
