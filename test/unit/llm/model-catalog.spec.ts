import { ModelCatalog, priceTurn, type ModelSpec } from '../../../src/llm/domain/model-catalog.js';

const spec = (overrides: Partial<ModelSpec> = {}): ModelSpec => ({
  id: 'llama3.2:1b', provider: 'ollama', contextWindow: 8192, tier: 'standard', pricePerMillionInput: 0.05, pricePerMillionOutput: 0.1, ...overrides,
});

describe('model catalogue', () => {
  it('resolves a model by id, or the default when none is asked for', () => {
    const catalog = new ModelCatalog([spec(), spec({ id: 'llama3.3:70b', tier: 'premium' })], 'llama3.2:1b');
    expect(catalog.resolve().id).toBe('llama3.2:1b');
    expect(catalog.resolve('llama3.3:70b').tier).toBe('premium');
    expect(() => catalog.resolve('gpt-17')).toThrow(expect.objectContaining({ code: 'INVALID_REQUEST' }));
  });

  it('keeps guard models out of the chat models: listed only to the guard path, refused as a conversation model', () => {
    const catalog = new ModelCatalog([spec(), spec({ id: 'llama-guard3:1b', guard: true })], 'llama3.2:1b');
    expect(catalog.chatModels().map((model) => model.id)).toEqual(['llama3.2:1b']);
    expect(catalog.all()).toHaveLength(2);
    expect(() => catalog.resolve('llama-guard3:1b')).toThrow(expect.objectContaining({ code: 'INVALID_REQUEST' }));
    expect(catalog.resolveGuard('llama-guard3:1b').id).toBe('llama-guard3:1b');
    expect(() => catalog.resolveGuard('llama3.2:1b')).toThrow(/not marked as a guard/);
    expect(() => new ModelCatalog([spec({ guard: true })], 'llama3.2:1b')).toThrow(/guard model, not a chat model/);
  });

  it('rejects a malformed catalogue at start', () => {
    expect(() => new ModelCatalog([spec()], 'missing')).toThrow(/default model/);
    expect(() => new ModelCatalog([spec({ tier: 'gold' as never })], 'llama3.2:1b')).toThrow(/tier/);
    expect(() => new ModelCatalog([spec({ pricePerMillionInput: -1 })], 'llama3.2:1b')).toThrow(/prices/);
    expect(() => new ModelCatalog([spec({ contextWindow: 0 })], 'llama3.2:1b')).toThrow(/contextWindow/);
  });

  it('takes OpenAI-compatible models with a baseUrl and, optionally, the name of the variable holding their key', () => {
    const vllm = spec({ id: 'meta-llama/Llama-3.1-8B-Instruct', provider: 'openai', baseUrl: 'http://127.0.0.1:8000/v1', apiKeyEnv: 'VLLM_API_KEY' });
    const catalog = new ModelCatalog([spec(), vllm, spec({ id: 'local', provider: 'openai', baseUrl: 'https://llm.internal/v1' })], 'llama3.2:1b');
    expect(catalog.resolve('meta-llama/Llama-3.1-8B-Instruct')).toMatchObject({ provider: 'openai', apiKeyEnv: 'VLLM_API_KEY' });
  });

  it('rejects an OpenAI-compatible model without a usable baseUrl, and any key in the file', () => {
    const openai = (overrides: Partial<ModelSpec>) => () => new ModelCatalog([spec({ id: 'm', provider: 'openai', ...overrides })], 'm');
    expect(openai({})).toThrow(/baseUrl/);
    expect(openai({ baseUrl: 'localhost:8000' })).toThrow(/baseUrl/);
    expect(openai({ baseUrl: 'ftp://host/v1' })).toThrow(/baseUrl/);
    expect(openai({ baseUrl: 'http://h/v1', apiKeyEnv: 'not a name' })).toThrow(/apiKeyEnv/);
    expect(openai({ baseUrl: 'http://h/v1', apiKey: 'sk-secret' } as Partial<ModelSpec>)).toThrow(/never put an API key/);
    expect(() => new ModelCatalog([spec({ apiKeyEnv: 'KEY' })], 'llama3.2:1b')).toThrow(/apiKeyEnv is for the openai provider/);
    expect(() => new ModelCatalog([spec({ baseUrl: 'http://h/v1' })], 'llama3.2:1b')).toThrow(/OLLAMA_HOST/);
    expect(() => new ModelCatalog([spec({ provider: 'vllm' as never })], 'llama3.2:1b')).toThrow(/provider/);
  });

  it('prices a turn in integer micro-units, exactly', () => {
    const model = spec({ pricePerMillionInput: 3, pricePerMillionOutput: 15 });
    expect(priceTurn(model, 1_000_000, 0)).toBe(3_000_000);
    expect(priceTurn(model, 1000, 1000)).toBe(18_000);
    expect(priceTurn(spec(), 13, 12)).toBe(2); // 0.65 + 1.2 = 1.85 micro → rounds half up once per turn
    expect(Number.isInteger(priceTurn(spec({ pricePerMillionInput: 0.1, pricePerMillionOutput: 0.2 }), 7, 3))).toBe(true);
  });

  it('does not drift when many turns are summed', () => {
    const model = spec({ pricePerMillionInput: 0.1, pricePerMillionOutput: 0.3 });
    let total = 0;
    for (let i = 0; i < 10_000; i++) total += priceTurn(model, 1000, 1000);
    expect(total).toBe(10_000 * 400);
  });
});
