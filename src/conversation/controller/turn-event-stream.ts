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

/** The OpenAI-compatible route's events: `data:` lines only (a chunk, or `[DONE]`). */
const OPENAI_EVENTS = new Set(['chunk', 'done']);

/**
 * Events numbered in the order sent (1, 2, …), each written with its number as `id:` — what a client that
 * reconnects gives back as Last-Event-ID. `record` sees every event as it is sent (a resumable stream keeps them
 * for such a client), whether or not the client is still there.
 */
abstract class NumberedEventStream {
  protected readonly stream: EventStream;
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

  /** Writes an event as it was first sent (its id and data unchanged; OpenAI-style chunks have no event name). */
  replay(event: StreamedEvent): void {
    this.stream.open();
    this.stream.write(OPENAI_EVENTS.has(event.event) ? `id: ${event.seq}\ndata: ${event.data}\n\n` : `id: ${event.seq}\nevent: ${event.event}\ndata: ${event.data}\n\n`);
  }

  protected emit(event: StreamedEvent['event'], data: string): void {
    const streamed: StreamedEvent = { seq: ++this.seq, event, data };
    this.record?.(streamed);
    this.replay(streamed);
  }
}

/** The events of a streamed turn: message.created, message.delta, message.completed, error. */
export class TurnEventStream extends NumberedEventStream {
  send(event: TurnEvent, data: unknown): void {
    this.emit(event, JSON.stringify(data));
  }

  error(body: ErrorBody): void {
    errorsByCode.inc({ code: body.code });
    this.send('error', body);
  }

  end(): void {
    this.stream.end();
  }
}

/** The OpenAI-compatible route's stream: `data:` chunks ending with `data: [DONE]`. */
export class ChunkEventStream extends NumberedEventStream {
  chunk(data: unknown): void {
    this.emit('chunk', JSON.stringify(data));
  }

  /** `data: [DONE]`, then the end of the response. */
  done(): void {
    this.emit('done', '[DONE]');
    this.stream.end();
  }
}

/**
 * What a client leaving a streamed turn does: a plain stream's turn is interrupted at once; a resumable one's only
 * once `graceMs` has passed with no reader attached (on any instance), looked at again every `graceMs` while one is.
 * Returns the function that cancels the wait (the turn ended).
 */
export function onClientGone(reply: FastifyReply, abort: AbortController, resumable: { hasReader(): Promise<boolean> } | null, graceMs: number): () => void {
  let timer: NodeJS.Timeout | null = null;
  let over = false;
  reply.raw.on('close', () => {
    if (reply.raw.writableFinished || over) return;
    if (!resumable) return abort.abort();
    const wait = () => {
      timer = setTimeout(() => void resumable.hasReader().then((reading) => (reading && !over ? wait() : abort.abort())), graceMs);
    };
    wait();
  });
  return () => {
    over = true;
    if (timer) clearTimeout(timer);
  };
}
