import type { FastifyReply } from 'fastify';
import type { ErrorBody } from '../../../libs/errors/http-error.filter.js';
import { errorsByCode } from '../../../libs/metrics/metrics.js';
import type { StreamedEvent } from '../service/turn-stream.store.js';

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
    if (raw.headersSent || raw.destroyed) return;
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

/**
 * The events of a streamed turn: message.created, message.delta, message.completed, error. Each carries an `id:`,
 * its number in the stream (1, 2, …): what a client that reconnects gives back as Last-Event-ID. `record` sees every
 * event as it is sent (a resumable stream keeps them for such a client), whether or not the client is still there.
 */
export class TurnEventStream {
  private readonly stream: EventStream;
  private seq = 0;

  constructor(
    reply: FastifyReply,
    private readonly record?: (event: StreamedEvent) => void,
  ) {
    this.stream = new EventStream(reply);
  }

  get started(): boolean {
    return this.stream.started;
  }

  open(): void {
    this.stream.open();
  }

  send(event: TurnEvent, data: unknown): void {
    const streamed: StreamedEvent = { seq: ++this.seq, event, data: JSON.stringify(data) };
    this.record?.(streamed);
    this.replay(streamed);
  }

  /** Writes an event as it was first sent (its id and data unchanged). */
  replay(event: StreamedEvent): void {
    this.stream.open();
    this.stream.write(`id: ${event.seq}\nevent: ${event.event}\ndata: ${event.data}\n\n`);
  }

  error(body: ErrorBody): void {
    errorsByCode.inc({ code: body.code });
    this.send('error', body);
  }

  end(): void {
    this.stream.end();
  }
}
