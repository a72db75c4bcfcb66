import { DynamicModule, Global, Module } from '@nestjs/common';
import type { Logger } from 'pino';
import type { AppConfig } from '../config/app-config.js';
import { createLogger } from './logger.js';
import { PayloadAudit } from './payload-audit.js';

/** The process's pino logger (for the request log and Nest's Logger, see logger.ts). */
export const LOGGER = Symbol('LOGGER');

/**
 * Structured JSON logs: one object a line, a request log per /v1 request with its id, method, route
 * pattern, status and duration — never bodies — and every line scrubbed of secrets and personal data.
 */
@Global()
@Module({})
export class LoggingModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: LoggingModule,
      providers: [{ provide: LOGGER, useFactory: (): Logger => createLogger(config.logLevel) }, PayloadAudit],
      exports: [LOGGER, PayloadAudit],
    };
  }
}

@Module({})
export class LoggingProcessorsModule {}

/** The payload-audit BullMQ consumer, for processes that run workers on Redis (loaded only then). */
export async function loggingProcessors(): Promise<DynamicModule> {
  const { PayloadAuditProcessor } = await import('./payload-audit.processor.js');
  return { module: LoggingProcessorsModule, providers: [PayloadAuditProcessor] };
}
