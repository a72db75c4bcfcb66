import { Module } from '@nestjs/common';
import { ModerationFacade } from './moderation.facade.js';
import { MessageValidationService } from './service/message-validation.service.js';

@Module({
  providers: [MessageValidationService, ModerationFacade],
  exports: [ModerationFacade],
})
export class ModerationModule {}
