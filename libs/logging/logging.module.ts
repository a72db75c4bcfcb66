import { DynamicModule, Global, Module } from '@nestjs/common';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { LoggerModule } from 'nestjs-pino';
import type { AppConfig } from '../config/app-config.js';
import { PayloadAudit } from './payload-audit.js';
import { redactText, redactValue } from './redaction.js';

const QUIET_PATHS = ['/metrics', '/health/live', '/health/ready'];

/**
 * Structured JSON logs through nestjs-pino: one object a line, a request log per /v1 request with its
 * id, method, route, status and duration — never bodies — and every line scrubbed of secrets and personal
 * data (redact paths for known fields, redaction.ts for any value anywhere).
 */
@Global()
@Module({})
export class LoggingModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: LoggingModule,
      imports: [
        LoggerModule.forRoot({
          pinoHttp: {
            level: config.logLevel,
            genReqId: (req: IncomingMessage & { id?: string }) => req.id ?? '',
            autoLogging: { ignore: (req: IncomingMessage) => QUIET_PATHS.includes(req.url ?? '') },
            serializers: {
              req: (req: IncomingMessage & { id?: string; route?: { path?: string }; baseUrl?: string }) => ({ id: req.id, method: req.method, url: redactText((req.url ?? '').split('?')[0] ?? '') }),
              // pino-http hands the serializer a wrapper whose statusCode is null until headers are flushed; read the raw one.
              res: (res: ServerResponse & { raw?: ServerResponse }) => ({ statusCode: res.raw?.statusCode ?? res.statusCode }),
            },
            redact: { paths: ['req.headers', 'res.headers', '*.password', '*.authorization', '*.accessToken', '*.key'], censor: '[REDACTED]' },
            formatters: {
              level: (label: string) => ({ level: label }),
              log: (object: Record<string, unknown>) => redactValue(object) as Record<string, unknown>,
            },
            hooks: {
              logMethod(args: unknown[], method: (...args: unknown[]) => void) {
                method.apply(this, args.map((arg) => (typeof arg === 'string' ? redactText(arg) : arg)));
              },
            },
          },
        }),
      ],
      providers: [PayloadAudit],
      exports: [PayloadAudit],
    };
  }
}
