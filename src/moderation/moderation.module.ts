import { Module } from '@nestjs/common';
import { ModerationFacade } from './moderation.facade.js';
import { forbiddenContentProvider } from './repository/forbidden-terms.file.js';
import { MessageValidationService } from './service/message-validation.service.js';

@Module({
  providers: [forbiddenContentProvider, MessageValidationService, ModerationFacade],
  exports: [ModerationFacade],
})
export class ModerationModule {}
