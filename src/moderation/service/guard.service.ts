import { Injectable, Logger } from '@nestjs/common';
import type { GuardPolicy } from '../../../libs/auth/principal.js';
import { DomainError } from '../../../libs/errors/domain-error.js';
import { LlmFacade } from '../../llm/llm.facade.js';
import { DEFAULT_GUARD_TIMEOUT_MS, parseGuardAnswer, type GuardVerdict } from '../domain/guard.js';

/** Tokens a guard's answer needs ("unsafe\nS14", "INJECTION 0.99"). */
const GUARD_ANSWER_TOKENS = 16;

/**
 * Asks a plan's guard model (a catalogue entry marked `guard`, through the llm context) what it makes of a
 * message, within the plan's timeout. Never throws: a failure is a verdict of its own (error or timeout).
 */
@Injectable()
export class GuardService {
  private readonly logger = new Logger('GuardService');

  constructor(private readonly llm: LlmFacade) {}

  async judge(policy: GuardPolicy, text: string): Promise<Omit<GuardVerdict, 'outcome'>> {
    const started = performance.now();
    const timeoutMs = policy.timeoutMs ?? DEFAULT_GUARD_TIMEOUT_MS;
    const timeout = AbortSignal.timeout(timeoutMs);
    const elapsed = () => Math.round(performance.now() - started);
    try {
      const model = this.llm.resolveGuardModel(policy.model);
      const answer = await this.llm.complete({ model, messages: [{ role: 'user', content: text }], contextWindow: model.contextWindow ?? 8192, maxTokens: GUARD_ANSWER_TOKENS, signal: timeout });
      const read = parseGuardAnswer(model.guardKind ?? 'llama-guard', answer.text);
      if (!read) {
        this.logger.warn({ msg: 'the guard model answered in an unknown shape', model: model.id, answer: answer.text.slice(0, 80) });
        return { model: policy.model, verdict: 'error', latencyMs: elapsed(), categories: [] };
      }
      return { model: policy.model, verdict: read.unsafe ? 'unsafe' : 'safe', latencyMs: elapsed(), categories: read.categories };
    } catch (error) {
      const timedOut = timeout.aborted || (error instanceof DomainError && error.code === 'LLM_TIMEOUT');
      if (!timedOut) this.logger.warn({ msg: 'the guard model call failed', model: policy.model, error: String(error) });
      return { model: policy.model, verdict: timedOut ? 'timeout' : 'error', latencyMs: elapsed(), categories: [] };
    }
  }
}
