import { PlanCatalog, assertPlanAllowsTier, type Plan } from '../../../src/identity/domain/plan-catalog.js';
import { DomainError } from '../../../libs/errors/domain-error.js';

const rateLimits = { perMinute: 10, perHour: 100, perDay: 1000 };
const guest: Plan = { id: 'guest', tiers: ['standard'], maxContextTokens: 4096, rateLimits };
const free: Plan = { id: 'free', tiers: ['standard'], maxContextTokens: 8192, rateLimits };

/** A catalogue of guest, free and a "pro" plan with the given fields over a valid base. */
const withPro = (fields: Record<string, unknown>) =>
  new PlanCatalog([guest, free, { id: 'pro', tiers: ['standard', 'premium'], maxContextTokens: 32768, rateLimits, ...fields } as Plan]);

/** The error message a catalogue with this "pro" plan is refused with, or null when it is accepted. */
const refusal = (fields: Record<string, unknown>): string | null => {
  try {
    withPro(fields);
    return null;
  } catch (error) {
    return (error as Error).message;
  }
};

describe('PlanCatalog', () => {
  it('lists, looks up and answers for plans in catalogue order', () => {
    const pro = { id: 'pro', tiers: ['standard', 'premium'], maxContextTokens: 32768, rateLimits } as Plan;
    const catalogue = new PlanCatalog([pro, guest, free]);
    expect(catalogue.ids()).toEqual(['pro', 'guest', 'free']);
    expect(catalogue.list()).toEqual([pro, guest, free]);
    expect(catalogue.get('free')).toBe(free);
    expect(catalogue.has('pro')).toBe(true);
    expect(catalogue.has('platinum')).toBe(false);
  });

  it('refuses an unknown plan with INVALID_REQUEST naming the known ones', () => {
    const catalogue = new PlanCatalog([guest, free]);
    expect(() => catalogue.get('platinum')).toThrow(new DomainError('INVALID_REQUEST', 'unknown plan "platinum" (known: guest, free)'));
    expect(() => catalogue.get('platinum')).toThrow(expect.objectContaining({ code: 'INVALID_REQUEST' }));
  });

  it('refuses an empty catalogue and one without the guest or the free plan', () => {
    expect(() => new PlanCatalog([])).toThrow(new Error('the plan catalogue is empty'));
    expect(() => new PlanCatalog([free])).toThrow(new Error('the plan catalogue must define the "guest" plan'));
    expect(() => new PlanCatalog([guest])).toThrow(new Error('the plan catalogue must define the "free" plan'));
    expect(() => new PlanCatalog([guest, free])).not.toThrow();
  });

  it('refuses a plan without an id, a list of tiers or a positive context size', () => {
    expect(refusal({ id: '' })).toBe('plan "" is malformed');
    expect(refusal({ id: undefined })).toBe('plan undefined is malformed');
    expect(refusal({ tiers: 'standard' })).toBe('plan "pro" is malformed');
    expect(refusal({ tiers: undefined })).toBe('plan "pro" is malformed');
    expect(refusal({ maxContextTokens: 0 })).toBe('plan "pro" is malformed');
    expect(refusal({ maxContextTokens: -1 })).toBe('plan "pro" is malformed');
    expect(refusal({ maxContextTokens: undefined })).toBe('plan "pro" is malformed');
    expect(refusal({ maxContextTokens: Number.NaN })).toBe('plan "pro" is malformed');
    expect(refusal({ tiers: [], maxContextTokens: 1 })).toBeNull();
  });

  describe('rate limits', () => {
    const positive = 'plan "pro" needs rateLimits { perMinute, perHour, perDay } as positive integers';
    const ordered = 'plan "pro" rateLimits must satisfy perMinute <= perHour <= perDay';

    it('need every window as a positive integer', () => {
      expect(refusal({ rateLimits: undefined })).toBe(positive);
      for (const window of ['perMinute', 'perHour', 'perDay']) {
        expect(refusal({ rateLimits: { ...rateLimits, [window]: undefined } })).toBe(positive);
        expect(refusal({ rateLimits: { ...rateLimits, [window]: 0 } })).toBe(positive);
        expect(refusal({ rateLimits: { ...rateLimits, [window]: 10.5 } })).toBe(positive);
        expect(refusal({ rateLimits: { ...rateLimits, [window]: '10' } })).toBe(positive);
      }
      expect(refusal({ rateLimits: { perMinute: 1, perHour: 1, perDay: 1 } })).toBeNull();
    });

    it('never allow fewer requests in a wider window than in a narrower one', () => {
      expect(refusal({ rateLimits: { perMinute: 11, perHour: 10, perDay: 1000 } })).toBe(ordered);
      expect(refusal({ rateLimits: { perMinute: 10, perHour: 100, perDay: 99 } })).toBe(ordered);
      expect(refusal({ rateLimits: { perMinute: 10, perHour: 10, perDay: 10 } })).toBeNull();
    });

    it('take an optional soft limit ratio in (0, 1]', () => {
      const message = 'plan "pro" rateLimits.softLimitRatio must be a number in (0, 1]';
      for (const softLimitRatio of [0, -0.5, 1.01, '0.5', null]) expect(refusal({ rateLimits: { ...rateLimits, softLimitRatio } })).toBe(message);
      for (const softLimitRatio of [undefined, 0.01, 0.8, 1]) expect(refusal({ rateLimits: { ...rateLimits, softLimitRatio } })).toBeNull();
    });
  });

  describe('token quotas', () => {
    it('need day and month limits as positive integers, the day no more than the month', () => {
      const positive = 'plan "pro" quotas need tokensPerDay and tokensPerMonth as positive integers';
      expect(refusal({ quotas: { tokensPerDay: 0, tokensPerMonth: 100 } })).toBe(positive);
      expect(refusal({ quotas: { tokensPerDay: 10, tokensPerMonth: 0 } })).toBe(positive);
      expect(refusal({ quotas: { tokensPerDay: 10, tokensPerMonth: 100.5 } })).toBe(positive);
      expect(refusal({ quotas: { tokensPerDay: 10 } })).toBe(positive);
      expect(refusal({ quotas: { tokensPerDay: 101, tokensPerMonth: 100 } })).toBe('plan "pro" quotas must satisfy tokensPerDay <= tokensPerMonth');
      expect(refusal({ quotas: { tokensPerDay: 1, tokensPerMonth: 1 } })).toBeNull();
    });

    it('take an optional soft limit ratio in (0, 1]', () => {
      const message = 'plan "pro" quotas.softLimitRatio must be in (0, 1]';
      const quotas = { tokensPerDay: 10, tokensPerMonth: 100 };
      for (const softLimitRatio of [0, -1, 1.5, '0.5', null]) expect(refusal({ quotas: { ...quotas, softLimitRatio } })).toBe(message);
      for (const softLimitRatio of [undefined, 0.001, 1]) expect(refusal({ quotas: { ...quotas, softLimitRatio } })).toBeNull();
    });
  });

  it('takes optional abuse settings: suspendAfter a positive integer, windowMinutes above 0', () => {
    const message = 'plan "pro" abuse needs suspendAfter (a positive integer) and windowMinutes (> 0)';
    expect(refusal({ abuse: { suspendAfter: 0, windowMinutes: 10 } })).toBe(message);
    expect(refusal({ abuse: { suspendAfter: 2.5, windowMinutes: 10 } })).toBe(message);
    expect(refusal({ abuse: { suspendAfter: 3, windowMinutes: 0 } })).toBe(message);
    expect(refusal({ abuse: { suspendAfter: 3 } })).toBe(message);
    expect(refusal({ abuse: { suspendAfter: 1, windowMinutes: 0.5 } })).toBeNull();
  });

  it('takes payload logging and titles only as true or false', () => {
    expect(refusal({ payloadLogging: 'yes' })).toBe('plan "pro" payloadLogging must be true or false');
    expect(refusal({ payloadLogging: 1 })).toBe('plan "pro" payloadLogging must be true or false');
    expect(refusal({ titles: 'no' })).toBe('plan "pro" titles must be true or false');
    for (const value of [true, false]) expect(refusal({ payloadLogging: value, titles: value })).toBeNull();
  });

  describe('moderation settings', () => {
    it('take a message token limit only as a positive integer', () => {
      const message = 'plan "pro" maxMessageTokens must be a positive integer';
      for (const maxMessageTokens of [0, -1, 1.5, '100']) expect(refusal({ maxMessageTokens })).toBe(message);
      expect(refusal({ maxMessageTokens: 1 })).toBeNull();
    });

    it('take injection policy "block" or "flag" and spotlighting "off", "delimit" or "datamark"', () => {
      expect(refusal({ injectionPolicy: 'allow' })).toBe('plan "pro" injectionPolicy must be "block" or "flag"');
      expect(refusal({ injectionPolicy: 'block' })).toBeNull();
      expect(refusal({ injectionPolicy: 'flag' })).toBeNull();
      expect(refusal({ spotlighting: 'on' })).toBe('plan "pro" spotlighting must be "off", "delimit" or "datamark"');
      for (const spotlighting of ['off', 'delimit', 'datamark']) expect(refusal({ spotlighting })).toBeNull();
    });

    it('take a guard with a known mode, and a model unless the mode is never', () => {
      const message = 'plan "pro" guard needs mode "never", "uncertain" or "always", and a model';
      expect(refusal({ guard: { mode: 'sometimes', model: 'guard-1' } })).toBe(message);
      expect(refusal({ guard: { mode: 'uncertain' } })).toBe(message);
      expect(refusal({ guard: { mode: 'always', model: '' } })).toBe(message);
      expect(refusal({ guard: { mode: 'always', model: 7 } })).toBe(message);
      expect(refusal({ guard: { mode: 'never' } })).toBeNull();
      expect(refusal({ guard: { mode: 'uncertain', model: 'guard-1' } })).toBeNull();
      expect(refusal({ guard: { mode: 'always', model: 'guard-1' } })).toBeNull();
    });

    it('take a guard timeout as a positive integer and onError as "allow" or "block"', () => {
      const guard = { mode: 'always', model: 'guard-1' };
      for (const timeoutMs of [0, -5, 1.5]) expect(refusal({ guard: { ...guard, timeoutMs } })).toBe('plan "pro" guard.timeoutMs must be a positive integer');
      expect(refusal({ guard: { ...guard, timeoutMs: 1 } })).toBeNull();
      expect(refusal({ guard: { ...guard, onError: 'retry' } })).toBe('plan "pro" guard.onError must be "allow" or "block"');
      expect(refusal({ guard: { ...guard, onError: 'allow' } })).toBeNull();
      expect(refusal({ guard: { ...guard, onError: 'block' } })).toBeNull();
    });

    it('take a guard band as [lo, hi] with 0 <= lo < hi <= 1', () => {
      const guard = { mode: 'uncertain', model: 'guard-1' };
      const message = 'plan "pro" guard.band must be [lo, hi] with 0 <= lo < hi <= 1';
      for (const band of ['0.1-0.5', [0.1], [0.1, 0.5, 0.9], [-0.1, 0.5], [0.5, 0.5], [0.6, 0.5], [0.1, 1.1]]) {
        expect(refusal({ guard: { ...guard, band } })).toBe(message);
      }
      expect(refusal({ guard: { ...guard, band: [0, 1] } })).toBeNull();
      expect(refusal({ guard: { ...guard, band: [0.15, 0.5] } })).toBeNull();
    });
  });

  it('takes a resumable grace period only as a positive finite number', () => {
    const message = 'plan "pro" resumableGraceSeconds must be a positive number';
    for (const resumableGraceSeconds of [0, -1, Number.POSITIVE_INFINITY, Number.NaN, '30', null]) expect(refusal({ resumableGraceSeconds })).toBe(message);
    expect(refusal({ resumableGraceSeconds: 0.5 })).toBeNull();
  });

  it('takes retention days and temporary minutes as positive finite numbers, each optional', () => {
    const message = 'plan "pro" retention needs days and temporaryMinutes as positive numbers (or unset)';
    for (const retention of [null, 30, 'forever']) expect(refusal({ retention })).toBe(message);
    for (const value of [0, -1, Number.POSITIVE_INFINITY, Number.NaN, '30', null]) {
      expect(refusal({ retention: { days: value } })).toBe(message);
      expect(refusal({ retention: { temporaryMinutes: value } })).toBe(message);
    }
    expect(refusal({ retention: {} })).toBeNull();
    expect(refusal({ retention: { days: 0.5, temporaryMinutes: 1.5 } })).toBeNull();
  });

  it('checks every plan, not only the first', () => {
    expect(() => new PlanCatalog([guest, { ...free, maxContextTokens: 0 }])).toThrow(new Error('plan "free" is malformed'));
  });
});

describe('assertPlanAllowsTier', () => {
  it('lets a plan use the tiers it includes and refuses others with MODEL_NOT_ALLOWED', () => {
    expect(() => assertPlanAllowsTier(guest, 'small', 'standard')).not.toThrow();
    expect(() => assertPlanAllowsTier(guest, 'big', 'premium')).toThrow(
      new DomainError('MODEL_NOT_ALLOWED', 'model "big" is premium; the guest plan does not include it'),
    );
    expect(() => assertPlanAllowsTier(guest, 'big', 'premium')).toThrow(expect.objectContaining({ code: 'MODEL_NOT_ALLOWED' }));
  });
});
