import { generateApiKey, hashApiKey, looksLikeApiKey } from '../../../src/identity/domain/api-key.js';
import { hashPassword, verifyPassword } from '../../../src/identity/domain/password.js';
import { PlanCatalog, assertPlanAllowsTier } from '../../../src/identity/domain/plan-catalog.js';
import { assertActive, normaliseEmail, type User } from '../../../src/identity/domain/user.js';

const rateLimits = { perMinute: 60, perHour: 1000, perDay: 10_000 };
const plans = new PlanCatalog([
  { id: 'guest', tiers: ['standard'], maxContextTokens: 4096, rateLimits },
  { id: 'free', tiers: ['standard'], maxContextTokens: 8192, rateLimits },
  { id: 'pro', tiers: ['standard', 'premium'], maxContextTokens: 32768, rateLimits },
]);

describe('identity domain', () => {
  it('lets a plan use only the model tiers it includes', () => {
    expect(() => assertPlanAllowsTier(plans.get('pro'), 'big', 'premium')).not.toThrow();
    expect(() => assertPlanAllowsTier(plans.get('free'), 'big', 'premium')).toThrow(expect.objectContaining({ code: 'MODEL_NOT_ALLOWED' }));
    expect(() => plans.get('platinum')).toThrow(expect.objectContaining({ code: 'INVALID_REQUEST' }));
    expect(() => new PlanCatalog([{ id: 'pro', tiers: ['standard'], maxContextTokens: 1, rateLimits }])).toThrow(/guest/);
  });

  it('refuses a plan without sensible request rate limits', () => {
    const plan = (limits: unknown) => [{ id: 'guest', tiers: ['standard' as const], maxContextTokens: 4096, rateLimits: limits as typeof rateLimits }];
    expect(() => new PlanCatalog(plan(undefined))).toThrow(/rateLimits/);
    expect(() => new PlanCatalog(plan({ perMinute: 10, perHour: 100 }))).toThrow(/positive integers/);
    expect(() => new PlanCatalog(plan({ perMinute: 0, perHour: 100, perDay: 1000 }))).toThrow(/positive integers/);
    expect(() => new PlanCatalog(plan({ perMinute: 1.5, perHour: 100, perDay: 1000 }))).toThrow(/positive integers/);
    expect(() => new PlanCatalog(plan({ perMinute: 100, perHour: 10, perDay: 1000 }))).toThrow(/perMinute <= perHour <= perDay/);
    expect(() => new PlanCatalog(plan({ perMinute: 10, perHour: 100, perDay: 50 }))).toThrow(/perMinute <= perHour <= perDay/);
    expect(() => new PlanCatalog(plan({ perMinute: 10, perHour: 10, perDay: 10 }))).toThrow(/"free"/);
  });

  it('hashes passwords with a salt and verifies them', async () => {
    const a = await hashPassword('correct horse');
    const b = await hashPassword('correct horse');
    expect(a).not.toBe(b);
    expect(await verifyPassword('correct horse', a)).toBe(true);
    expect(await verifyPassword('wrong horse', a)).toBe(false);
    expect(await verifyPassword('correct horse', 'garbage')).toBe(false);
  });

  it('makes random gus_ API keys and stores only their SHA-256', () => {
    const key = generateApiKey();
    expect(looksLikeApiKey(key.plaintext)).toBe(true);
    expect(key.hash).toBe(hashApiKey(key.plaintext));
    expect(key.hash).not.toContain(key.plaintext.slice(4));
    expect(generateApiKey().plaintext).not.toBe(key.plaintext);
  });

  it('refuses a suspended account and normalises emails', () => {
    const user = { status: 'suspended' } as User;
    expect(() => assertActive(user)).toThrow(expect.objectContaining({ code: 'ACCOUNT_SUSPENDED' }));
    expect(normaliseEmail('  Ada@Example.COM ')).toBe('ada@example.com');
  });
});
