import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../../../libs/config/app-config.js';
import { checkMessage } from '../domain/message-policy.js';

@Injectable()
export class MessageValidationService {
  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  validate(content: string): void {
    checkMessage(content, { maxChars: this.config.maxMessageChars });
  }
}
