import { Module } from '@nestjs/common';
import { IdentityModule } from '../identity/identity.module.js';
import { LlmModule } from '../llm/llm.module.js';
import { AdminFlagsController } from './controller/admin-flags.controller.js';
import { ModerationFacade } from './moderation.facade.js';
import { FlagRepository } from './repository/flag.repository.js';
import { forbiddenContentProvider } from './repository/forbidden-terms.file.js';
import { injectionClassifierProvider } from './repository/injection-classifier.file.js';
import { AbuseMonitor } from './service/abuse-monitor.service.js';
import { FlagsService } from './service/flags.service.js';
import { GuardService } from './service/guard.service.js';
import { MessageValidationService } from './service/message-validation.service.js';
import { ScreeningPool } from './service/screening-pool.js';

@Module({
  imports: [IdentityModule, LlmModule],
  controllers: [AdminFlagsController],
  providers: [forbiddenContentProvider, injectionClassifierProvider, ScreeningPool, MessageValidationService, FlagRepository, FlagsService, AbuseMonitor, GuardService, ModerationFacade],
  exports: [ModerationFacade],
})
export class ModerationModule {}
