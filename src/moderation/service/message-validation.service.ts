import { Inject, Injectable } from '@nestjs/common';
import type { Principal } from '../../../libs/auth/principal.js';
import { APP_CONFIG, type AppConfig } from '../../../libs/config/app-config.js';
import { ForbiddenContent } from '../domain/forbidden-content.js';
import { InjectionClassifier } from '../domain/injection-classifier.js';
import { detectInjection, type InjectionDetection } from '../domain/injection-detector.js';
import { DEFAULT_INJECTION_POLICY, applyInjectionPolicy, refuseForbiddenContent, type InputScreening, type InputSubject } from '../domain/input-policy.js';
import { checkMessage, checkSystemPrompt, type MeasuredMessage } from '../domain/message-policy.js';
import { toScreeningText } from '../domain/screening-text.js';

/** The checks on user input, in order: emptiness and length, forbidden content, prompt injection. */
@Injectable()
export class MessageValidationService {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly forbidden: ForbiddenContent,
    private readonly classifier: InjectionClassifier,
  ) {}

  checkShape(content: string): void {
    checkMessage(content, { maxChars: this.config.maxMessageChars });
  }

  validateUserMessage(principal: Principal, content: string, measured: MeasuredMessage = {}): InputScreening {
    checkMessage(content, { maxChars: this.config.maxMessageChars, maxTokens: principal.plan.maxMessageTokens }, measured);
    return this.screen(principal, content, 'message');
  }

  validateSystemPrompt(principal: Principal, text: string): InputScreening {
    checkSystemPrompt(text, { maxChars: this.config.maxMessageChars });
    return this.screen(principal, text, 'system prompt');
  }

  detectInjection(text: string): InjectionDetection {
    return detectInjection(text, this.classifier);
  }

  private screen(principal: Principal, text: string, subject: InputSubject): InputScreening {
    const screening = toScreeningText(text);
    const forbidden = this.forbidden.find(screening);
    if (forbidden) throw refuseForbiddenContent(forbidden, subject);
    const injection = detectInjection(screening, this.classifier);
    return applyInjectionPolicy(injection, principal.plan.injectionPolicy ?? DEFAULT_INJECTION_POLICY, subject);
  }
}
