import { createHash } from 'node:crypto';

export type FlagKind =
  | 'repeated_message'
  | 'near_duplicate_message'
  | 'bot_timing'
  | 'prompt_injection'
  | 'prompt_injection_blocked'
  | 'forbidden_content'
  | 'repeated_violations'
  /** An answer began to reproduce the system prompt and was cut (conversation's output check). */
  | 'system_prompt_leak'
  | 'suspension';

/** How much a flag weighs toward suspension. */
export const SEVERITY: Record<FlagKind, number> = {
  prompt_injection: 1,
  prompt_injection_blocked: 1,
  forbidden_content: 1,
  near_duplicate_message: 2,
  repeated_message: 2,
  bot_timing: 2,
  repeated_violations: 3,
  system_prompt_leak: 1,
  suspension: 0,
};

export interface FlagFinding {
  kind: FlagKind;
  evidence: Record<string, unknown>;
}

export interface SeenMessage {
  at: number;
  hash: string;
  shingles: Set<string>;
}

/** Windows and thresholds of the detectors. */
export const ABUSE_RULES = {
  /** Messages remembered per user. */
  memory: 20,
  repeatWindowMs: 10 * 60_000,
  /** This many copies (the new one included) of one message within the window is a flag. */
  repeatCount: 3,
  /** Word-shingle Jaccard similarity above which two messages are near-identical. */
  nearDuplicateSimilarity: 0.8,
  /** Intervals looked at for regular timing. */
  timingSample: 8,
  /** Coefficient of variation of the intervals below which timing is machine-like. */
  timingMaxVariation: 0.1,
  /** Regular timing only counts when messages come faster than this on average. */
  timingMaxMeanMs: 60_000,
  violationWindowMs: 60 * 60_000,
  violationCount: 3,
} as const;

/** Case and spacing do not make a message different. */
export function normaliseForRepeat(text: string): string {
  return text.normalize('NFKC').toLowerCase().replace(/\s+/g, ' ').trim();
}

export function seen(text: string, at: number): SeenMessage {
  const normal = normaliseForRepeat(text);
  return { at, hash: createHash('sha256').update(normal).digest('hex'), shingles: shinglesOf(normal) };
}

function shinglesOf(normal: string): Set<string> {
  const words = normal.split(' ');
  if (words.length < 3) return new Set([normal]);
  const shingles = new Set<string>();
  for (let i = 0; i + 3 <= words.length; i++) shingles.add(words.slice(i, i + 3).join(' '));
  return shingles;
}

export function similarity(a: Set<string>, b: Set<string>): number {
  if (a.size === 0 || b.size === 0) return 0;
  let shared = 0;
  for (const item of a) if (b.has(item)) shared++;
  return shared / (a.size + b.size - shared);
}

/** Identical or near-identical messages, repeated within the window (the history excludes `current`). */
export function detectRepeats(history: SeenMessage[], current: SeenMessage): FlagFinding | null {
  const recent = history.filter((m) => current.at - m.at <= ABUSE_RULES.repeatWindowMs);
  const identical = recent.filter((m) => m.hash === current.hash).length + 1;
  if (identical >= ABUSE_RULES.repeatCount) return { kind: 'repeated_message', evidence: { copies: identical, windowMinutes: ABUSE_RULES.repeatWindowMs / 60_000 } };
  const similar = recent.filter((m) => m.hash !== current.hash && similarity(m.shingles, current.shingles) >= ABUSE_RULES.nearDuplicateSimilarity).length + 1;
  if (similar >= ABUSE_RULES.repeatCount) return { kind: 'near_duplicate_message', evidence: { similarMessages: similar, minSimilarity: ABUSE_RULES.nearDuplicateSimilarity } };
  return null;
}

/** Very regular intervals between a user's messages: a script, not a person typing. */
export function detectBotTiming(history: SeenMessage[], current: SeenMessage): FlagFinding | null {
  const times = [...history.map((m) => m.at), current.at].slice(-(ABUSE_RULES.timingSample + 1));
  if (times.length < ABUSE_RULES.timingSample + 1) return null;
  const intervals = times.slice(1).map((t, i) => t - times[i]!);
  const mean = intervals.reduce((a, b) => a + b, 0) / intervals.length;
  if (mean <= 0 || mean > ABUSE_RULES.timingMaxMeanMs) return null;
  const deviation = Math.sqrt(intervals.reduce((sum, x) => sum + (x - mean) ** 2, 0) / intervals.length);
  const variation = deviation / mean;
  if (variation >= ABUSE_RULES.timingMaxVariation) return null;
  return { kind: 'bot_timing', evidence: { intervalsMs: intervals, meanMs: Math.round(mean), variation: Math.round(variation * 1000) / 1000 } };
}

/** Refused or flagged input, again and again within the hour. */
export function detectRepeatedViolations(violationTimes: number[], now: number): FlagFinding | null {
  const recent = violationTimes.filter((t) => now - t <= ABUSE_RULES.violationWindowMs).length;
  if (recent < ABUSE_RULES.violationCount) return null;
  return { kind: 'repeated_violations', evidence: { violations: recent, windowMinutes: ABUSE_RULES.violationWindowMs / 60_000 } };
}

/** Whether flags weighing this much in the plan's window mean suspension. */
export function shouldSuspend(weight: number, suspendAfter: number): boolean {
  return weight >= suspendAfter;
}
