import { OllamaSimulator } from '../../src/llm/simulator/ollama-simulator.js';
import { ApiClient } from './support/api-client.js';
import { eventually, startGus, type RunningGus } from './support/gus-harness.js';

describe('usage: the billing worker keeps running totals from the ledger', () => {
  const simulator = new OllamaSimulator();
  let gus: RunningGus;
  let api: ApiClient;

  beforeAll(async () => {
    const ollamaHost = await simulator.start();
    gus = await startGus({ ollamaHost });
    api = new ApiClient(gus.url);
  });
  afterAll(async () => {
    await gus?.stop();
    await simulator.stop();
  });

  it('counts each turn once in the user, conversation and daily totals', async () => {
    const user = await api.newUser(await api.asAdmin());
    const conversation = (await user.post('/v1/conversations', {})).body;
    const turns = [];
    for (let i = 0; i < 3; i++) turns.push((await user.post(`/v1/conversations/${conversation.id}/messages`, { content: `turn ${i}` })).body);
    const expectedTokens = turns.reduce((sum, t) => sum + t.usage.totalTokens, 0);
    const expectedCost = turns.reduce((sum, t) => sum + t.usage.costMicros, 0);

    const me = await eventually(async () => {
      const res = await user.get('/v1/me');
      expect(res.body.usage.today.turns).toBe(3);
      return res.body;
    });
    expect(me.usage.today.totalTokens).toBe(expectedTokens);
    expect(me.usage.thisMonth.costMicros).toBe(expectedCost);
    const one = await user.get(`/v1/conversations/${conversation.id}`);
    expect(one.body.usage).toMatchObject({ turns: 3, totalTokens: expectedTokens, costMicros: expectedCost });
    const usage = await user.get('/v1/usage');
    expect(usage.body.byModel).toEqual([expect.objectContaining({ model: 'llama3.2:1b', turns: 3, totalTokens: expectedTokens })]);
  });
});
