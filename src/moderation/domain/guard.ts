import type { GuardPolicy, InjectionPolicy } from '../../../libs/auth/principal.js';
import { DomainError } from '../../../libs/errors/domain-error.js';
import { withSignal, type InjectionDetection } from './injection-detector.js';
import { applyInjectionPolicy, type InputScreening, type InputSubject } from './input-policy.js';

/**
 * A guard model judges a user message beside the detector: a catalogue entry marked `guard`, of one of two kinds.
 * - `llama-guard` (Llama Guard 3 and the like): answers `safe`, or `unsafe` and a line of category codes (`S14`).
 * - `prompt-guard` (Prompt Guard and other injection classifiers served as chat models): answers a label —
 *   `BENIGN`, `INJECTION` or `JAILBREAK` — optionally followed by a score, or the same as JSON `{"label", "score"}`.
 */
export type GuardKind = 'llama-guard' | 'prompt-guard';

export type GuardVerdictKind = 'safe' | 'unsafe' | 'error' | 'timeout';

/** What the guard said about one message, as the turn's audit trail keeps it. */
export interface GuardVerdict {
  model: string;
  verdict: GuardVerdictKind;
  latencyMs: number;
  /** llama-guard's category codes, or prompt-guard's label. */
  categories: string[];
  /** What the turn did with it. */
  outcome: 'allowed' | 'flagged' | 'blocked';
}

export const DEFAULT_GUARD_TIMEOUT_MS = 1500;
export const DEFAULT_GUARD_BAND: [number, number] = [0.15, 0.5];
/** An unsafe verdict is strong evidence on its own: enough to pass the threshold with nothing else. */
export const GUARD_SIGNAL_WEIGHT = 0.9;

/** Whether a plan's guard judges a message of this detector score; false for mode never (no work at all). */
export function guardWanted(policy: GuardPolicy | undefined, detection: InjectionDetection): policy is GuardPolicy {
  if (!policy || policy.mode === 'never') return false;
  if (policy.mode === 'always') return true;
  const [lo, hi] = policy.band ?? DEFAULT_GUARD_BAND;
  return detection.score >= lo && detection.score < hi;
}

/** The guard's answer read; null when it is neither of its kind's shapes (counted as an error). */
export function parseGuardAnswer(kind: GuardKind, answer: string): { unsafe: boolean; categories: string[] } | null {
  const text = answer.trim();
  if (kind === 'llama-guard') {
    const [first, second] = text.split('\n', 2).map((line) => line.trim().toLowerCase());
    if (first === 'safe') return { unsafe: false, categories: [] };
    if (first === 'unsafe') return { unsafe: true, categories: (second ?? '').toUpperCase().split(/[\s,]+/).filter((code) => /^S\d{1,2}$/.test(code)) };
    return null;
  }
  let label = text.split(/\s/, 1)[0] ?? '';
  if (text.startsWith('{')) {
    try {
      const parsed = JSON.parse(text) as { label?: unknown };
      label = typeof parsed.label === 'string' ? parsed.label : '';
    } catch {
      return null;
    }
  }
  const upper = label.toUpperCase();
  if (upper === 'BENIGN' || upper === 'SAFE') return { unsafe: false, categories: [upper] };
  if (upper === 'INJECTION' || upper === 'JAILBREAK' || upper === 'UNSAFE') return { unsafe: true, categories: [upper] };
  return null;
}

/**
 * Joins the guard's verdict to the screening: unsafe adds a `guard` signal (and the plan's injection policy then
 * blocks or flags the message); a guard that failed lets the message through or refuses it, as the plan says.
 */
export function applyGuardVerdict(
  screening: InputScreening,
  verdict: Omit<GuardVerdict, 'outcome'>,
  policy: GuardPolicy,
  injectionPolicy: InjectionPolicy,
  subject: InputSubject,
): { screening: InputScreening; outcome: GuardVerdict['outcome'] } {
  if (verdict.verdict === 'error' || verdict.verdict === 'timeout') {
    if ((policy.onError ?? 'allow') === 'block') {
      throw new DomainError('SERVICE_UNAVAILABLE', `the guard model ${verdict.model} could not judge the ${subject} (${verdict.verdict}), and this plan accepts none it has not judged`, { 'Retry-After': '1' });
    }
    return { screening, outcome: screening.flagged ? 'flagged' : 'allowed' };
  }
  if (verdict.verdict === 'safe') return { screening, outcome: screening.flagged ? 'flagged' : 'allowed' };
  const detection = withSignal(screening.injection, { kind: 'guard', rule: `guard:${verdict.model}`, weight: GUARD_SIGNAL_WEIGHT });
  const joined = applyInjectionPolicy(detection, injectionPolicy, subject); // throws PROMPT_INJECTION on a blocking plan
  return { screening: joined, outcome: 'flagged' };
}
