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

  it('rejects a malformed catalogue at start', () => {
    expect(() => new ModelCatalog([spec()], 'missing')).toThrow(/default model/);
    expect(() => new ModelCatalog([spec({ tier: 'gold' as never })], 'llama3.2:1b')).toThrow(/tier/);
    expect(() => new ModelCatalog([spec({ pricePerMillionInput: -1 })], 'llama3.2:1b')).toThrow(/prices/);
    expect(() => new ModelCatalog([spec({ contextWindow: 0 })], 'llama3.2:1b')).toThrow(/contextWindow/);
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
