import { retentionCutoffs } from '../../../src/conversation/domain/retention.js';
import type { PlanPolicy } from '../../../libs/auth/principal.js';

const plan = (retention?: PlanPolicy['retention']): PlanPolicy => ({
  id: 'free', tiers: ['standard'], maxContextTokens: 1, rateLimits: { perMinute: 1, perHour: 1, perDay: 1 }, retention,
});
const now = new Date('2026-11-24T12:00:00.000Z');

describe('retentionCutoffs', () => {
  it('keeps conversations for ever and temporary ones 60 minutes when the plan sets no retention', () => {
    expect(retentionCutoffs(plan(), now)).toEqual({ plan: 'free', expiredBefore: null, temporaryBefore: new Date('2026-11-24T11:00:00.000Z') });
    expect(retentionCutoffs(plan({}), now)).toEqual({ plan: 'free', expiredBefore: null, temporaryBefore: new Date('2026-11-24T11:00:00.000Z') });
  });

  it('deletes conversations idle for the plan\'s days, fractions included', () => {
    expect(retentionCutoffs(plan({ days: 30 }), now).expiredBefore).toEqual(new Date('2026-10-25T12:00:00.000Z'));
    expect(retentionCutoffs(plan({ days: 0.5 }), now).expiredBefore).toEqual(new Date('2026-11-24T00:00:00.000Z'));
  });

  it('deletes temporary conversations idle for the plan\'s minutes', () => {
    expect(retentionCutoffs(plan({ days: 1, temporaryMinutes: 15 }), now)).toEqual({
      plan: 'free',
      expiredBefore: new Date('2026-11-23T12:00:00.000Z'),
      temporaryBefore: new Date('2026-11-24T11:45:00.000Z'),
    });
    expect(retentionCutoffs(plan({ temporaryMinutes: 0.5 }), now).temporaryBefore).toEqual(new Date('2026-11-24T11:59:30.000Z'));
  });
});
