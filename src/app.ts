import { Logger as NestLogger, ValidationPipe, type INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Logger } from 'nestjs-pino';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { DomainError } from '../libs/errors/domain-error.js';
import type { AppConfig } from '../libs/config/app-config.js';
import { describeDatabase } from '../libs/database/data-source.js';
import { rejectNulCharacters } from '../libs/http/reject-nul.middleware.js';
import { PayloadAudit } from '../libs/logging/payload-audit.js';
import { requestIdMiddleware } from '../libs/logging/request-id.middleware.js';
import { httpMetricsMiddleware } from '../libs/metrics/metrics.js';
import { traceIdMiddleware } from '../libs/tracing/tracing.js';
import { AppModule } from './app.module.js';

/** Builds the gus HTTP application (not yet listening). Tests and main.ts both start gus through here. */
export async function createApp(config: AppConfig): Promise<INestApplication> {
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(config), { bufferLogs: true, abortOnError: false, bodyParser: false });
  app.useLogger(app.get(Logger));
  new NestLogger('Gus').log(`database: ${describeDatabase(config)}`);
  app.set('trust proxy', false);
  app.set('etag', false);
  // Request ids first, so that even a body the parser rejects gets an answer that names its request.
  app.use(requestIdMiddleware);
  app.use(traceIdMiddleware);
  app.use(httpMetricsMiddleware);
  app.useBodyParser('json', { limit: '2mb' });
  app.use(rejectNulCharacters);
  app.use(app.get(PayloadAudit).middleware);
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
  SwaggerModule.setup('docs', app, () => SwaggerModule.createDocument(app, openApi));
  app.enableShutdownHooks();
  return app;
}
