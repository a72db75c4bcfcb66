import type { FastifyReply } from 'fastify';
import type { ErrorBody } from '../../../libs/errors/http-error.filter.js';
import { errorsByCode } from '../../../libs/metrics/metrics.js';

/**
 * A server-sent event stream on a Fastify reply. The reply is hijacked (written raw, chunk by chunk, each
 * one flushed at once) and the headers Fastify holds for it so far — X-Request-Id, X-Trace-Id, X-RateLimit-*,
 * X-Quota-Warning — go out with the stream's own.
 */
export class EventStream {
  constructor(private readonly reply: FastifyReply) {}

  /** Whether the status and headers are out: from then on errors travel as events. */
  get started(): boolean {
    return this.reply.raw.headersSent;
  }

  /** Sends the status and headers once, before the first event. */
  open(): void {
    const raw = this.reply.raw;
    if (raw.headersSent) return;
    this.reply.hijack();
    for (const [name, value] of Object.entries(this.reply.getHeaders())) if (value !== undefined) raw.setHeader(name, value);
    raw.statusCode = 200;
    raw.setHeader('Content-Type', 'text/event-stream; charset=utf-8');
    raw.setHeader('Cache-Control', 'no-cache, no-transform');
    raw.setHeader('Connection', 'keep-alive');
    raw.setHeader('X-Accel-Buffering', 'no');
    raw.flushHeaders();
  }

  write(text: string): void {
    const raw = this.reply.raw;
    if (!raw.writableEnded && !raw.destroyed) raw.write(text);
  }

  end(last?: string): void {
    const raw = this.reply.raw;
    if (!raw.writableEnded) raw.end(last);
  }
}

type TurnEvent = 'message.created' | 'message.delta' | 'message.completed' | 'error';

/** The events of a streamed turn: message.created, message.delta, message.completed, error. */
export class TurnEventStream {
  private readonly stream: EventStream;

  constructor(reply: FastifyReply) {
    this.stream = new EventStream(reply);
  }

  get started(): boolean {
    return this.stream.started;
  }

  send(event: TurnEvent, data: unknown): void {
    this.stream.open();
    this.stream.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  }

  error(body: ErrorBody): void {
    errorsByCode.inc({ code: body.code });
    this.send('error', body);
  }

  end(): void {
    this.stream.end();
  }
}
