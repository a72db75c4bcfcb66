import { Injectable } from '@nestjs/common';
import type { Principal } from '../../libs/auth/principal.js';
import type { InjectionDetection } from './domain/injection-detector.js';
import type { InputScreening } from './domain/input-policy.js';
import type { MeasuredMessage } from './domain/message-policy.js';
import { DomainError } from '../../libs/errors/domain-error.js';
import { recordGuardVerdict } from '../../libs/metrics/metrics.js';
import { applyGuardVerdict, guardWanted, type GuardVerdict } from './domain/guard.js';
import { DEFAULT_INJECTION_POLICY, PromptInjectionError } from './domain/input-policy.js';
import { AbuseMonitor } from './service/abuse-monitor.service.js';
import { FlagsService } from './service/flags.service.js';
import { GuardService } from './service/guard.service.js';
import { MessageValidationService } from './service/message-validation.service.js';

export type { InjectionDetection, InjectionSignal } from './domain/injection-detector.js';
export type { InjectionSignalKind } from './domain/injection-rules.js';
export { PromptInjectionError, type InputScreening } from './domain/input-policy.js';
export type { MeasuredMessage } from './domain/message-policy.js';
export type { GuardVerdict } from './domain/guard.js';

/** A message the plan's guard model judged: the screening with its verdict joined, and the verdict. */
export interface GuardedScreening {
  screening: InputScreening;
  verdict: GuardVerdict;
}

/**
 * The moderation context's public face: the checks user input passes before any model call.
 * Each check throws a DomainError: EMPTY_MESSAGE, MESSAGE_TOO_LONG, FORBIDDEN_CONTENT, or PROMPT_INJECTION
 * (a PromptInjectionError, which carries the detection). On a plan that flags instead of blocking, a suspected
 * injection comes back with `flagged: true` for the caller to record.
 */
@Injectable()
export class ModerationFacade {
  constructor(
    private readonly validation: MessageValidationService,
    private readonly abuse: AbuseMonitor,
    private readonly guard: GuardService,
    private readonly flags: FlagsService,
  ) {}

  /** Erasure: the user's flags lose their evidence and move to a pseudonym; returns how many. */
  eraseUserEvidence(userId: string, pseudonym: string): Promise<number> {
    return this.flags.eraseEvidence(userId, pseudonym);
  }

  /** The checks that need nothing but the text (empty, too many characters): run before any other work. */
  checkMessageShape(content: string): void {
    this.validation.checkShape(content);
  }

  /**
   * A user message; `measured.tokens` (from LlmFacade.countTokens) is checked against the plan's
   * maxMessageTokens. Every message, refusal and flagged injection also feeds abuse detection.
   */
  async validateUserMessage(principal: Principal, content: string, measured?: MeasuredMessage, conversationId: string | null = null): Promise<InputScreening> {
    let screening: InputScreening;
    try {
      screening = await this.validation.validateUserMessage(principal, content, measured);
    } catch (error) {
      this.observeRefusal(principal, conversationId, error);
      throw error;
    }
    if (screening.flagged) this.abuse.observeViolation(principal, conversationId, 'prompt_injection', { score: screening.injection.score, signals: screening.injection.signals.map((s) => s.rule) });
    this.abuse.observeMessage(principal, conversationId, content);
    return screening;
  }

  /**
   * The user messages and tool output of the history a client sends along (the OpenAI-compatible route keeps
   * none itself): the same checks, screened together (off the event loop when long), but they are not this
   * request's message, so abuse detection does not count them again. Throws for the first refused one.
   */
  screenEarlierMessages(principal: Principal, contents: string[]): Promise<void> {
    return this.validation.validateEarlierMessages(principal, contents);
  }

  private observeRefusal(principal: Principal, conversationId: string | null, error: unknown): void {
    if (error instanceof PromptInjectionError) {
      this.abuse.observeViolation(principal, conversationId, 'prompt_injection_blocked', { score: error.detection.score, signals: error.detection.signals.map((s) => s.rule) });
    } else if (error instanceof DomainError && error.code === 'FORBIDDEN_CONTENT') {
      this.abuse.observeViolation(principal, conversationId, 'forbidden_content', { message: error.message });
    }
  }

  /**
   * The plan's guard model on a message the checks accepted, when the plan wants it for this message's score
   * (mode always, or uncertain and the score in the plan's band): its verdict joins the score (unsafe → blocked or
   * flagged by the injection policy); a guard that fails or times out lets the message through or refuses it (503),
   * as the plan says. Null — nothing to await, nothing done — when the plan wants no guard for it.
   */
  guardMessage(principal: Principal, content: string, screening: InputScreening, conversationId: string | null = null): Promise<GuardedScreening> | null {
    const policy = principal.plan.guard;
    if (!guardWanted(policy, screening.injection)) return null;
    return this.guard.judge(policy, content).then((verdict) => {
      try {
        const judged = applyGuardVerdict(screening, verdict, policy, principal.plan.injectionPolicy ?? DEFAULT_INJECTION_POLICY, 'message');
        recordGuardVerdict(verdict.model, verdict.verdict, judged.outcome, verdict.latencyMs);
        if (judged.screening.flagged && !screening.flagged) {
          this.abuse.observeViolation(principal, conversationId, 'prompt_injection', { score: judged.screening.injection.score, signals: judged.screening.injection.signals.map((s) => s.rule) });
        }
        return { screening: judged.screening, verdict: { ...verdict, outcome: judged.outcome } };
      } catch (error) {
        recordGuardVerdict(verdict.model, verdict.verdict, 'blocked', verdict.latencyMs);
        this.observeRefusal(principal, conversationId, error);
        throw error;
      }
    });
  }

  /** A user-supplied system prompt (conversation or request layer): the same checks, but blank is allowed. */
  validateSystemPrompt(principal: Principal, text: string): Promise<InputScreening> {
    return this.validation.validateSystemPrompt(principal, text);
  }

  /** An answer that began to reproduce the system prompt was cut: a `system_prompt_leak` flag (and abuse counting). */
  observeSystemPromptLeak(principal: Principal, conversationId: string | null, evidence: { words: number; model: string }): void {
    this.abuse.observeViolation(principal, conversationId, 'system_prompt_leak', evidence);
  }

  /** The detector alone, never throws: score in [0, 1] and the signals that fired (for metrics and flags). */
  detectInjection(text: string): InjectionDetection {
    return this.validation.detectInjection(text);
  }
}
