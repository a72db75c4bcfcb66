import type { Response } from 'express';
import type { ErrorBody } from '../../../libs/errors/http-error.filter.js';
import { errorsByCode } from '../../../libs/metrics/metrics.js';

/** Server-sent events of a streamed turn: message.created, message.delta, message.completed, error. */
export class TurnEventStream {
  constructor(private readonly res: Response) {}

  /** Sends the status and headers once, before the first event. */
  open(headers: Record<string, string>): void {
    if (this.res.headersSent) return;
    this.res.status(200);
    this.res.setHeader('Content-Type', 'text/event-stream; charset=utf-8');
    this.res.setHeader('Cache-Control', 'no-cache, no-transform');
    this.res.setHeader('Connection', 'keep-alive');
    this.res.setHeader('X-Accel-Buffering', 'no');
    for (const [name, value] of Object.entries(headers)) this.res.setHeader(name, value);
    this.res.flushHeaders();
  }

  send(event: 'message.created' | 'message.delta' | 'message.completed' | 'error', data: unknown): void {
    if (this.res.writableEnded || this.res.destroyed) return;
    this.res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  }

  error(body: ErrorBody): void {
    errorsByCode.inc({ code: body.code });
    this.send('error', body);
  }

  end(): void {
    if (!this.res.writableEnded) this.res.end();
  }
}
