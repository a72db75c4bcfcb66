import { Inject, Injectable, Logger } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { APP_CONFIG, type AppConfig } from '../../../libs/config/app-config.js';
import { REDIS } from '../../../libs/queue/redis.js';

/** One event of a turn's stream as it was sent: `seq` is its SSE id (1, 2, …), `data` its JSON. */
export interface StreamedEvent {
  seq: number;
  event: string;
  data: string;
}

export interface StreamOwner {
  userId: string;
  conversationId: string;
}

/** The events that end a turn's stream (`done`: the OpenAI-compatible route's `data: [DONE]`). */
export const TERMINAL_EVENTS = new Set(['message.completed', 'error', 'done']);

/**
 * Where the events of resumable streams live, so that a client that went away can read what it missed and then the
 * rest, on any instance: Redis Streams when there is Redis, an in-process buffer on the embedded default (one
 * instance). A stream is found by its answer's id, or by its question's (an alias), and expires `replaySeconds`
 * after its last event.
 */
export abstract class TurnStreamStore {
  abstract open(streamId: string, owner: StreamOwner, aliases: string[]): Promise<void>;
  abstract append(streamId: string, event: StreamedEvent): Promise<void>;
  /** The stream by its id or an alias, with its owner; null when there is none (never resumable, or expired). */
  abstract find(id: string): Promise<{ streamId: string; owner: StreamOwner } | null>;
  /** Calls `emit` for every event after `afterSeq`, then for each new one until a terminal event or `signal` aborts. */
  abstract read(streamId: string, afterSeq: number, emit: (event: StreamedEvent) => void, signal: AbortSignal): Promise<void>;
  /** Whether a reader is attached somewhere (the generating turn keeps going past its grace period while one is). */
  abstract hasReader(streamId: string): Promise<boolean>;
  /** Erasure: every stream of the user goes at once. */
  abstract eraseUser(userId: string): Promise<void>;
}

const toEvent = (fields: string[]): StreamedEvent => {
  const map = new Map<string, string>();
  for (let i = 0; i + 1 < fields.length; i += 2) map.set(fields[i]!, fields[i + 1]!);
  return { seq: Number(map.get('seq')), event: map.get('event') ?? 'message', data: map.get('data') ?? 'null' };
};

/** Redis Streams: `…:turn-stream:{id}:events` (XADD per event), `:meta` (owner), `:readers` (a lease refreshed by readers). */
export class RedisTurnStreamStore extends TurnStreamStore {
  private readonly logger = new Logger('TurnStreamStore');

  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly liveTtlMs: number,
    private readonly replayTtlMs: number,
  ) {
    super();
  }

  private key(streamId: string, part: 'events' | 'meta' | 'readers'): string {
    return `${this.prefix}:turn-stream:{${streamId}}:${part}`;
  }

  private alias(id: string): string {
    return `${this.prefix}:turn-stream-alias:${id}`;
  }

  /** The user's streams, so that erasure finds them (expires with the newest of them). */
  private ofUser(userId: string): string {
    return `${this.prefix}:turn-streams-of:${userId}`;
  }

  async open(streamId: string, owner: StreamOwner, aliases: string[]): Promise<void> {
    const multi = this.redis.multi().hset(this.key(streamId, 'meta'), 'userId', owner.userId, 'conversationId', owner.conversationId).pexpire(this.key(streamId, 'meta'), this.liveTtlMs);
    for (const alias of aliases) multi.set(this.alias(alias), streamId, 'PX', this.liveTtlMs);
    multi.sadd(this.ofUser(owner.userId), streamId).pexpire(this.ofUser(owner.userId), this.liveTtlMs);
    await multi.exec();
  }

  async eraseUser(userId: string): Promise<void> {
    const streamIds = await this.redis.smembers(this.ofUser(userId));
    for (const streamId of streamIds) await this.redis.del(this.key(streamId, 'events'), this.key(streamId, 'meta'), this.key(streamId, 'readers'));
    await this.redis.del(this.ofUser(userId));
  }

  async append(streamId: string, event: StreamedEvent): Promise<void> {
    const events = this.key(streamId, 'events');
    const ttl = TERMINAL_EVENTS.has(event.event) ? this.replayTtlMs : this.liveTtlMs;
    await this.redis
      .multi()
      .xadd(events, '*', 'seq', String(event.seq), 'event', event.event, 'data', event.data)
      .pexpire(events, ttl)
      .pexpire(this.key(streamId, 'meta'), ttl)
      .exec();
  }

  async find(id: string): Promise<{ streamId: string; owner: StreamOwner } | null> {
    const streamId = (await this.redis.get(this.alias(id))) ?? id;
    const meta = await this.redis.hgetall(this.key(streamId, 'meta'));
    if (!meta.userId || !meta.conversationId) return null;
    return { streamId, owner: { userId: meta.userId, conversationId: meta.conversationId } };
  }

  async read(streamId: string, afterSeq: number, emit: (event: StreamedEvent) => void, signal: AbortSignal): Promise<void> {
    const events = this.key(streamId, 'events');
    let lastId = '0-0';
    const deliver = (entries: Array<[string, string[]]>): boolean => {
      for (const [id, fields] of entries) {
        lastId = id;
        const event = toEvent(fields);
        if (event.seq > afterSeq) emit(event);
        if (TERMINAL_EVENTS.has(event.event)) return true;
      }
      return false;
    };
    // A blocking read needs a connection of its own; it is closed when the reader leaves.
    const blocking = this.redis.duplicate();
    blocking.on('error', () => undefined);
    const leave = () => blocking.disconnect();
    signal.addEventListener('abort', leave, { once: true });
    const lease = setInterval(() => void this.redis.set(this.key(streamId, 'readers'), '1', 'PX', 5_000).catch(() => undefined), 2_000);
    try {
      await this.redis.set(this.key(streamId, 'readers'), '1', 'PX', 5_000);
      for (;;) {
        if (signal.aborted) return;
        const replies = (await blocking.xread('BLOCK', 2_000, 'STREAMS', events, lastId).catch((error: unknown) => {
          if (!signal.aborted) this.logger.warn({ msg: 'stream read failed', error: String(error) });
          return undefined;
        })) as Array<[string, Array<[string, string[]]>]> | null | undefined;
        if (replies === undefined) return;
        if (replies === null) {
          // Nothing new for a while: stop if the stream has expired (its turn's process died).
          if (!(await this.redis.exists(this.key(streamId, 'meta')))) return;
          continue;
        }
        if (deliver(replies[0]?.[1] ?? [])) return;
      }
    } finally {
      clearInterval(lease);
      signal.removeEventListener('abort', leave);
      blocking.disconnect();
    }
  }

  async hasReader(streamId: string): Promise<boolean> {
    return (await this.redis.exists(this.key(streamId, 'readers'))) === 1;
  }
}

interface BufferedStream {
  owner: StreamOwner;
  events: StreamedEvent[];
  done: boolean;
  readers: Set<(event: StreamedEvent) => void>;
  expiry: NodeJS.Timeout | null;
}

/** The embedded default (one process): the events in memory, expired by a timer. */
export class InProcessTurnStreamStore extends TurnStreamStore {
  private readonly streams = new Map<string, BufferedStream>();
  private readonly aliases = new Map<string, string>();

  constructor(
    private readonly liveTtlMs: number,
    private readonly replayTtlMs: number,
  ) {
    super();
  }

  async open(streamId: string, owner: StreamOwner, aliases: string[]): Promise<void> {
    this.streams.set(streamId, { owner, events: [], done: false, readers: new Set(), expiry: null });
    for (const alias of aliases) this.aliases.set(alias, streamId);
    this.expireIn(streamId, aliases, this.liveTtlMs);
  }

  async append(streamId: string, event: StreamedEvent): Promise<void> {
    const stream = this.streams.get(streamId);
    if (!stream || stream.done) return;
    stream.events.push(event);
    for (const reader of stream.readers) reader(event);
    if (TERMINAL_EVENTS.has(event.event)) {
      stream.done = true;
      stream.readers.clear();
      this.expireIn(streamId, [...this.aliases].filter(([, id]) => id === streamId).map(([alias]) => alias), this.replayTtlMs);
    }
  }

  async find(id: string): Promise<{ streamId: string; owner: StreamOwner } | null> {
    const streamId = this.aliases.get(id) ?? id;
    const stream = this.streams.get(streamId);
    return stream ? { streamId, owner: stream.owner } : null;
  }

  read(streamId: string, afterSeq: number, emit: (event: StreamedEvent) => void, signal: AbortSignal): Promise<void> {
    const stream = this.streams.get(streamId);
    if (!stream) return Promise.resolve();
    for (const event of stream.events) if (event.seq > afterSeq) emit(event);
    if (stream.done) return Promise.resolve();
    return new Promise((resolve) => {
      const reader = (event: StreamedEvent) => {
        emit(event);
        if (TERMINAL_EVENTS.has(event.event)) finish();
      };
      const finish = () => {
        stream.readers.delete(reader);
        signal.removeEventListener('abort', finish);
        resolve();
      };
      stream.readers.add(reader);
      signal.addEventListener('abort', finish, { once: true });
    });
  }

  async hasReader(streamId: string): Promise<boolean> {
    return (this.streams.get(streamId)?.readers.size ?? 0) > 0;
  }

  async eraseUser(userId: string): Promise<void> {
    for (const [streamId, stream] of this.streams) {
      if (stream.owner.userId !== userId) continue;
      if (stream.expiry) clearTimeout(stream.expiry);
      this.streams.delete(streamId);
    }
  }

  private expireIn(streamId: string, aliases: string[], ms: number): void {
    const stream = this.streams.get(streamId);
    if (!stream) return;
    if (stream.expiry) clearTimeout(stream.expiry);
    stream.expiry = setTimeout(() => {
      this.streams.delete(streamId);
      for (const alias of aliases) if (this.aliases.get(alias) === streamId) this.aliases.delete(alias);
    }, ms);
    stream.expiry.unref();
  }
}

export const turnStreamStoreProvider = {
  provide: TurnStreamStore,
  inject: [REDIS, APP_CONFIG],
  useFactory: (redis: Redis | null, config: AppConfig): TurnStreamStore => {
    const replayTtlMs = config.streamReplaySeconds * 1000;
    // A live stream outlives the longest turn: its events are kept while the model may still be answering.
    const liveTtlMs = config.llmTimeoutMs + replayTtlMs;
    return redis ? new RedisTurnStreamStore(redis, config.redisPrefix, liveTtlMs, replayTtlMs) : new InProcessTurnStreamStore(liveTtlMs, replayTtlMs);
  },
};

/** Keeps one resumable turn's events in order on their way to the store (appends are asynchronous). */
@Injectable()
export class TurnStreamWriterFactory {
  constructor(@Inject(TurnStreamStore) private readonly store: TurnStreamStore) {}

  create(owner: StreamOwner): TurnStreamWriter {
    return new TurnStreamWriter(this.store, owner);
  }
}

export class TurnStreamWriter {
  private readonly logger = new Logger('TurnStreamWriter');
  private tail: Promise<void> = Promise.resolve();
  private pending: StreamedEvent[] = [];
  streamId: string | null = null;

  constructor(
    private readonly store: TurnStreamStore,
    private readonly owner: StreamOwner,
  ) {}

  /** The answer's id is known: the stream opens under it (and its question's id) and what came before is written. */
  open(answerId: string, questionId: string): void {
    if (this.streamId) return;
    this.streamId = answerId;
    const held = this.pending;
    this.pending = [];
    this.chain(() => this.store.open(answerId, this.owner, [questionId]));
    for (const event of held) this.chain(() => this.store.append(answerId, event));
  }

  record(event: StreamedEvent): void {
    if (!this.streamId) {
      this.pending.push(event);
      return;
    }
    const streamId = this.streamId;
    this.chain(() => this.store.append(streamId, event));
  }

  hasReader(): Promise<boolean> {
    return this.streamId ? this.tail.then(() => this.store.hasReader(this.streamId!)) : Promise.resolve(false);
  }

  /** Resolves once every event so far is in the store. */
  flushed(): Promise<void> {
    return this.tail;
  }

  private chain(work: () => Promise<void>): void {
    this.tail = this.tail.then(work).catch((error: unknown) => this.logger.warn({ msg: 'could not store a stream event', streamId: this.streamId, error: String(error) }));
  }
}
