import type { GuardPolicy } from '../../../libs/auth/principal.js';
import { DomainError } from '../../../libs/errors/domain-error.js';
import { applyGuardVerdict, guardWanted, parseGuardAnswer } from '../../../src/moderation/domain/guard.js';
import { PromptInjectionError, type InputScreening } from '../../../src/moderation/domain/input-policy.js';

const clean: InputScreening = { injection: { score: 0.3, suspected: false, signals: [{ kind: 'role-spoofing', rule: 'en-you-are-now', weight: 0.3 }] }, flagged: false };
const verdict = (kind: 'safe' | 'unsafe' | 'error' | 'timeout') => ({ model: 'llama-guard3:1b', verdict: kind, latencyMs: 12, categories: [] });

describe('guard model verdicts', () => {
  it('reads Llama Guard and Prompt Guard answers, and nothing else', () => {
    expect(parseGuardAnswer('llama-guard', 'safe')).toEqual({ unsafe: false, categories: [] });
    expect(parseGuardAnswer('llama-guard', 'unsafe\nS14,S2')).toEqual({ unsafe: true, categories: ['S14', 'S2'] });
    expect(parseGuardAnswer('prompt-guard', 'INJECTION 0.98')).toEqual({ unsafe: true, categories: ['INJECTION'] });
    expect(parseGuardAnswer('prompt-guard', '{"label": "BENIGN", "score": 0.9}')).toEqual({ unsafe: false, categories: ['BENIGN'] });
    expect(parseGuardAnswer('llama-guard', 'I think it is fine')).toBeNull();
  });

  it('is wanted never, always, or in the plan band only', () => {
    const band: GuardPolicy = { mode: 'uncertain', model: 'g', band: [0.2, 0.5] };
    expect(guardWanted(undefined, clean.injection)).toBe(false);
    expect(guardWanted({ mode: 'never', model: 'g' }, clean.injection)).toBe(false);
    expect(guardWanted({ mode: 'always', model: 'g' }, { ...clean.injection, score: 0 })).toBe(true);
    expect(guardWanted(band, clean.injection)).toBe(true);
    expect(guardWanted(band, { ...clean.injection, score: 0.1 })).toBe(false);
  });

  it('joins the score: unsafe blocks or flags by the injection policy; a failure fails open or closed', () => {
    const policy: GuardPolicy = { mode: 'always', model: 'llama-guard3:1b' };
    expect(() => applyGuardVerdict(clean, verdict('unsafe'), policy, 'block', 'message')).toThrow(PromptInjectionError);
    const flagged = applyGuardVerdict(clean, verdict('unsafe'), policy, 'flag', 'message');
    expect(flagged.outcome).toBe('flagged');
    expect(flagged.screening.injection.score).toBeGreaterThanOrEqual(0.9);
    expect(applyGuardVerdict(clean, verdict('safe'), policy, 'block', 'message')).toEqual({ screening: clean, outcome: 'allowed' });
    expect(applyGuardVerdict(clean, verdict('timeout'), policy, 'block', 'message').outcome).toBe('allowed');
    expect(() => applyGuardVerdict(clean, verdict('timeout'), { ...policy, onError: 'block' }, 'block', 'message')).toThrow(DomainError);
  });
});
