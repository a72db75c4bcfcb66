import type { LoggerService } from '@nestjs/common';
import { pino, type Logger } from 'pino';
import { redactText, redactValue } from './redaction.js';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

const FLUSH_EVERY_MS = 200;
/** pino's number for warn. */
const WARN = 40;

/**
 * The process's one pino logger: JSON lines with a `level` label, every value scrubbed of secrets and
 * personal data by redaction.ts (linear, and bounded per field and per line), written to stdout.
 */
export function createLogger(level: LogLevel): Logger {
  // Lines are buffered and written 4 KB at a time (one write per line cost a system call per request):
  // flushed at least every FLUSH_EVERY_MS, at once for warnings and errors, and when the process exits.
  const destination = pino.destination({ dest: 1, minLength: 4096, sync: false });
  setInterval(() => destination.flush(), FLUSH_EVERY_MS).unref();
  process.once('exit', () => destination.flushSync());
  const logger = pino({
    level,
    base: { pid: process.pid },
    formatters: {
      level: (label) => ({ level: label }),
      log: (object) => redactValue(object) as Record<string, unknown>,
    },
    hooks: {
      logMethod(args, method, level) {
        // A message string (the last argument pino formats into `msg`) is scrubbed too.
        method.apply(this, args.map((arg) => (typeof arg === 'string' ? redactText(arg) : arg)) as Parameters<typeof method>);
        if (level >= WARN) destination.flush();
      },
    },
  }, destination);
  return logger;
}

/** Nest's logger on top of pino: `new Logger('Context').warn({...})` becomes one JSON line with `context`. */
export class PinoNestLogger implements LoggerService {
  constructor(private readonly logger: Logger) {}

  log(message: unknown, ...params: unknown[]): void {
    this.write('info', message, params);
  }

  warn(message: unknown, ...params: unknown[]): void {
    this.write('warn', message, params);
  }

  debug(message: unknown, ...params: unknown[]): void {
    this.write('debug', message, params);
  }

  verbose(message: unknown, ...params: unknown[]): void {
    this.write('debug', message, params);
  }

  fatal(message: unknown, ...params: unknown[]): void {
    this.write('fatal', message, params);
  }

  /** Nest passes (message, stack?, context?). */
  error(message: unknown, ...params: unknown[]): void {
    const context = typeof params.at(-1) === 'string' ? (params.at(-1) as string) : undefined;
    const stack = params.length > 1 && typeof params[0] === 'string' ? params[0] : undefined;
    const fields = { context, ...(stack ? { stack } : {}) };
    if (message instanceof Error) this.logger.error({ ...fields, error: message }, message.message);
    else if (typeof message === 'object' && message !== null) this.logger.error({ ...fields, ...(message as object) });
    else this.logger.error(fields, String(message));
  }

  private write(level: 'info' | 'warn' | 'debug' | 'fatal', message: unknown, params: unknown[]): void {
    if (!this.logger.isLevelEnabled(level)) return;
    const context = typeof params.at(-1) === 'string' ? (params.at(-1) as string) : undefined;
    if (typeof message === 'object' && message !== null && !(message instanceof Error)) this.logger[level]({ context, ...(message as object) });
    else this.logger[level]({ context }, message instanceof Error ? message.message : String(message));
  }
}
