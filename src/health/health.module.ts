import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { LlmModule } from '../llm/llm.module.js';
import { HealthController } from './health.controller.js';

@Module({
  imports: [TerminusModule, LlmModule],
  controllers: [HealthController],
})
export class HealthModule {}
