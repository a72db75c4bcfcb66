import { Injectable } from '@nestjs/common';
import { MessageValidationService } from './service/message-validation.service.js';

/** The moderation context's public face: checks run on user input before any model call. */
@Injectable()
export class ModerationFacade {
  constructor(private readonly validation: MessageValidationService) {}

  /** Throws EMPTY_MESSAGE or MESSAGE_TOO_LONG. */
  validateUserMessage(content: string): void {
    this.validation.validate(content);
  }
}
