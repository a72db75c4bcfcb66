import type { InjectionPolicy } from '../../../libs/auth/principal.js';
import { DomainError } from '../../../libs/errors/domain-error.js';
import { maskTerm, type ForbiddenMatch } from './forbidden-content.js';
import type { InjectionDetection } from './injection-detector.js';

/** What is being checked, for the error messages. */
export type InputSubject = 'message' | 'system prompt';

/** Plans without a setting block: a suspected injection never reaches the model unless a plan says so. */
export const DEFAULT_INJECTION_POLICY: InjectionPolicy = 'block';

/** The outcome of the checks on an accepted input. */
export interface InputScreening {
  injection: InjectionDetection;
  /** A suspected injection let through because the plan flags rather than blocks: the caller records it. */
  flagged: boolean;
}

/** 400 PROMPT_INJECTION, carrying the detection so that a caller can record what was refused. */
export class PromptInjectionError extends DomainError {
  constructor(
    readonly detection: InjectionDetection,
    subject: InputSubject,
  ) {
    const kinds = [...new Set(detection.signals.map((signal) => signal.kind))].join(', ');
    super('PROMPT_INJECTION', `the ${subject} looks like a prompt injection (${kinds}; score ${detection.score}) and was not accepted`);
  }
}

export function refuseForbiddenContent(match: ForbiddenMatch, subject: InputSubject): DomainError {
  const what = match.source === 'obscenity' ? 'an offensive term' : 'a term on the forbidden list';
  return new DomainError('FORBIDDEN_CONTENT', `the ${subject} contains forbidden content: ${what} ("${maskTerm(match.term)}")`);
}

/** Blocks a suspected injection, or lets it through flagged, as the plan says. */
export function applyInjectionPolicy(detection: InjectionDetection, policy: InjectionPolicy, subject: InputSubject): InputScreening {
  if (!detection.suspected) return { injection: detection, flagged: false };
  if (policy === 'block') throw new PromptInjectionError(detection, subject);
  return { injection: detection, flagged: true };
}
