import { readFileSync, readdirSync } from 'node:fs';
import { PlanCatalog, type Plan } from '../../../src/identity/domain/plan-catalog.js';

const rateLimits = { perMinute: 1, perHour: 1, perDay: 1 };
const catalogue = (quotas: unknown) =>
  new PlanCatalog([
    { id: 'guest', tiers: ['standard'], maxContextTokens: 1, rateLimits, quotas } as Plan,
    { id: 'free', tiers: ['standard'], maxContextTokens: 1, rateLimits },
  ]);

describe('plan token quotas', () => {
  it('are optional, and take day and month limits with an optional soft limit ratio', () => {
    expect(() => catalogue(undefined)).not.toThrow();
    expect(catalogue({ tokensPerDay: 10, tokensPerMonth: 100 }).get('guest').quotas).toEqual({ tokensPerDay: 10, tokensPerMonth: 100 });
    expect(() => catalogue({ tokensPerDay: 10, tokensPerMonth: 10, softLimitRatio: 1 })).not.toThrow();
  });

  it('refuse limits that are not positive integers, a day above the month, and a ratio outside (0, 1]', () => {
    expect(() => catalogue({ tokensPerDay: 0, tokensPerMonth: 100 })).toThrow(/positive integers/);
    expect(() => catalogue({ tokensPerDay: 1.5, tokensPerMonth: 100 })).toThrow(/positive integers/);
    expect(() => catalogue({ tokensPerDay: 10 })).toThrow(/positive integers/);
    expect(() => catalogue({ tokensPerDay: 101, tokensPerMonth: 100 })).toThrow(/tokensPerDay <= tokensPerMonth/);
    expect(() => catalogue({ tokensPerDay: 10, tokensPerMonth: 100, softLimitRatio: 0 })).toThrow(/softLimitRatio/);
    expect(() => catalogue({ tokensPerDay: 10, tokensPerMonth: 100, softLimitRatio: 1.2 })).toThrow(/softLimitRatio/);
    expect(() => catalogue({ tokensPerDay: 10, tokensPerMonth: 100, softLimitRatio: '0.5' })).toThrow(/softLimitRatio/);
  });

  it('hold in the shipped catalogue and in every test fixture', () => {
    const files = ['config/plans.json', ...readdirSync('test/fixtures').filter((f) => /^plans-.*\.json$/.test(f)).map((f) => `test/fixtures/${f}`)];
    for (const file of files) expect(() => new PlanCatalog(JSON.parse(readFileSync(file, 'utf8')).plans)).not.toThrow();
    const shipped = new PlanCatalog(JSON.parse(readFileSync('config/plans.json', 'utf8')).plans);
    expect(['guest', 'free', 'pro'].map((id) => shipped.get(id).quotas)).toEqual([
      { tokensPerDay: 20_000, tokensPerMonth: 200_000 },
      { tokensPerDay: 200_000, tokensPerMonth: 3_000_000 },
      { tokensPerDay: 5_000_000, tokensPerMonth: 100_000_000 },
    ]);
  });
});
