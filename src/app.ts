import { ValidationPipe } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import type { Logger } from 'pino';
import type { AppConfig } from '../libs/config/app-config.js';
import { describeDatabase } from '../libs/database/data-source.js';
import { DomainError } from '../libs/errors/domain-error.js';
import { registerConsole } from '../libs/http/console.js';
import { corsOptions, createHttpAdapter, registerBodyParser, registerRequestHooks, registerSecurityHeaders, serveOnlyHealth } from '../libs/http/http-server.js';
import { completeOpenApi } from '../libs/http/openapi.js';
import { PinoNestLogger } from '../libs/logging/logger.js';
import { LOGGER } from '../libs/logging/logging.module.js';
import { PayloadAudit } from '../libs/logging/payload-audit.js';
import { AppModule } from './app.module.js';
import { guardQueueDashboard } from './health/health.module.js';
import { IdentityFacade } from './identity/identity.facade.js';

/** Builds the gus HTTP application (not yet listening). main.ts starts gus through here. */
export async function createApp(config: AppConfig): Promise<NestFastifyApplication> {
  const app = await NestFactory.create<NestFastifyApplication>(await AppModule.forRoot(config), createHttpAdapter(), { bufferLogs: true, abortOnError: false, bodyParser: false });
  const logger = app.get<Logger>(LOGGER);
  app.useLogger(new PinoNestLogger(logger));
  logger.info({ context: 'Gus' }, `database: ${describeDatabase(config)}`);
  const fastify = app.getHttpAdapter().getInstance();
  registerBodyParser(fastify);
  registerRequestHooks(fastify, logger);
  registerSecurityHeaders(fastify);
  if (config.role === 'worker') serveOnlyHealth(fastify);
  else if (config.redisUrl) guardQueueDashboard(fastify, app.get(IdentityFacade)); // Bull Board is outside Nest's guards
  const cors = corsOptions(config.corsOrigins);
  if (cors) app.enableCors(cors);
  if (config.payloadLogging || app.get(IdentityFacade).anyPlanLogsPayloads()) app.get(PayloadAudit).install(fastify);
  app.useGlobalPipes(
    new ValidationPipe({
      whitelist: true,
      forbidNonWhitelisted: true,
      transform: true,
      exceptionFactory: (errors) =>
        new DomainError('INVALID_REQUEST', errors.flatMap((e) => Object.values(e.constraints ?? { [e.property]: `${e.property} is invalid` })).join('; ')),
    }),
  );
  const openApi = new DocumentBuilder()
    .setTitle('gus')
    .setDescription('Chat with large language models: users, conversations, context, usage, limits, moderation.')
    .setVersion('0.1.0')
    .addBearerAuth()
    .build();
  SwaggerModule.setup('docs', app, () => completeOpenApi(SwaggerModule.createDocument(app, openApi)));
  registerConsole(fastify);
  app.enableShutdownHooks();
  return app;
}
