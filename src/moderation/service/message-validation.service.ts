import { Inject, Injectable } from '@nestjs/common';
import type { Principal } from '../../../libs/auth/principal.js';
import { APP_CONFIG, type AppConfig } from '../../../libs/config/app-config.js';
import { InjectionClassifier } from '../domain/injection-classifier.js';
import { detectInjection, type InjectionDetection } from '../domain/injection-detector.js';
import { DEFAULT_INJECTION_POLICY, applyInjectionPolicy, refuseForbiddenContent, type InputScreening, type InputSubject } from '../domain/input-policy.js';
import { checkMessage, checkSystemPrompt, type MeasuredMessage } from '../domain/message-policy.js';
import type { TextScreening } from '../domain/text-screening.js';
import { ScreeningPool } from './screening-pool.js';

/** The checks on user input, in order: emptiness and length, forbidden content, prompt injection. */
@Injectable()
export class MessageValidationService {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly screening: ScreeningPool,
    private readonly classifier: InjectionClassifier,
  ) {}

  checkShape(content: string): void {
    checkMessage(content, { maxChars: this.config.maxMessageChars });
  }

  async validateUserMessage(principal: Principal, content: string, measured: MeasuredMessage = {}): Promise<InputScreening> {
    checkMessage(content, { maxChars: this.config.maxMessageChars, maxTokens: principal.plan.maxMessageTokens }, measured);
    return this.screen(principal, content, 'message');
  }

  async validateSystemPrompt(principal: Principal, text: string): Promise<InputScreening> {
    checkSystemPrompt(text, { maxChars: this.config.maxMessageChars });
    return this.screen(principal, text, 'system prompt');
  }

  detectInjection(text: string): InjectionDetection {
    return detectInjection(text, this.classifier);
  }

  /** Messages of earlier turns (a stateless client's history): the same checks, all texts screened together. */
  async validateEarlierMessages(principal: Principal, contents: string[]): Promise<void> {
    for (const content of contents) checkMessage(content, { maxChars: this.config.maxMessageChars, maxTokens: principal.plan.maxMessageTokens });
    const found = await this.screening.screenAll(contents);
    for (const one of found) this.verdict(principal, one, 'message');
  }

  private async screen(principal: Principal, text: string, subject: InputSubject): Promise<InputScreening> {
    return this.verdict(principal, await this.screening.screen(text), subject);
  }

  private verdict(principal: Principal, found: TextScreening, subject: InputSubject): InputScreening {
    if (found.forbidden) throw refuseForbiddenContent(found.forbidden, subject);
    return applyInjectionPolicy(found.injection, principal.plan.injectionPolicy ?? DEFAULT_INJECTION_POLICY, subject);
  }
}
