import { randomUUID } from 'node:crypto';
import { Inject, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { DataSource } from 'typeorm';
import type { Principal } from '../auth/principal.js';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { InProcessJobQueue } from '../queue/in-process-job-queue.js';
import { JobQueue } from '../queue/job-queue.js';
import { PAYLOAD_AUDIT_QUEUE } from '../queue/queues.js';
import { redactValue } from './redaction.js';

export interface AuditRecord {
  requestId: string;
  userId: string | null;
  method: string;
  route: string;
  status: number;
  request: unknown;
  response: unknown;
}

/** What the hooks learn about one response on its way out. */
interface Captured {
  body?: string;
  events: number;
}

const captured = new WeakMap<FastifyRequest, Captured>();

/**
 * Opt-in payload logging (GUS_PAYLOAD_LOGGING=on, or `payloadLogging` on a plan): the request and
 * response bodies of /v1 calls, redacted before they leave the request (nothing raw reaches Redis), are
 * queued and written to `audit_payloads` by a worker — the request never waits for the insert.
 * Streamed answers are summarised (status and event count), not stored. Its hooks are installed only when
 * some plan or the global switch can ask for it: off, it costs nothing per request.
 */
@Injectable()
export class PayloadAudit implements OnModuleInit {
  private readonly logger = new Logger('PayloadAudit');

  constructor(
    private readonly queue: JobQueue,
    @InjectDataSource() private readonly db: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  onModuleInit(): void {
    // With BullMQ, PayloadAuditProcessor brings the jobs to write().
    if (this.config.role === 'api' || !(this.queue instanceof InProcessJobQueue)) return;
    this.queue.process<AuditRecord>(PAYLOAD_AUDIT_QUEUE, (record, job) => this.write(job.id, record));
  }

  /** Watches /v1 responses and queues the ones payload logging applies to. */
  install(fastify: FastifyInstance): void {
    fastify.addHook('onRequest', (req, reply, done) => {
      if (!req.url.startsWith('/v1/')) return done();
      const seen: Captured = { events: 0 };
      captured.set(req, seen);
      // Streamed turns write to the raw response: count their events as they go.
      const raw = reply.raw;
      const write = raw.write.bind(raw) as (chunk: unknown, ...rest: unknown[]) => boolean;
      raw.write = ((chunk: unknown, ...rest: unknown[]) => {
        if (typeof chunk === 'string') seen.events += chunk.split('\n\n').length - 1;
        return write(chunk, ...rest);
      }) as typeof raw.write;
      done();
    });
    fastify.addHook('onSend', (req, _reply, payload, done) => {
      const seen = captured.get(req);
      if (seen && typeof payload === 'string') seen.body = payload;
      done(null, payload);
    });
    fastify.addHook('onResponse', (req, reply, done) => {
      this.record(req, reply);
      done();
    });
  }

  private record(req: FastifyRequest, reply: FastifyReply): void {
    const seen = captured.get(req);
    const principal = (req as FastifyRequest & { user?: Principal }).user;
    if (!seen || (!this.config.payloadLogging && !principal?.plan.payloadLogging)) return;
    const record: AuditRecord = {
      requestId: req.id,
      userId: principal?.userId ?? null,
      method: req.method,
      route: req.routeOptions.url ?? req.url.split('?')[0]!,
      status: reply.statusCode,
      request: redactValue(req.body ?? null),
      response: seen.body !== undefined ? redactValue(parseOrText(seen.body)) : { streamed: true, events: seen.events },
    };
    this.queue.add(PAYLOAD_AUDIT_QUEUE, randomUUID(), record, { personal: true }).catch((error: unknown) => this.logger.warn({ msg: 'could not queue a payload audit record', error: String(error) }));
  }

  /**
   * Erasure: every payload of the user goes, and every other caller's (an admin's) that names them; a record still
   * queued for them is dropped when written (no account). Naming is found by a scan of the table: erasure is rare.
   */
  async eraseUser(userId: string): Promise<number> {
    const rows: Array<{ n: number }> = await this.db.query(
      `WITH erased AS (
         DELETE FROM audit_payloads WHERE user_id = $1::uuid OR strpos(request::text, $1::text) > 0 OR strpos(response::text, $1::text) > 0 RETURNING 1
       ) SELECT count(*)::int AS n FROM erased`,
      [userId],
    );
    return rows[0]?.n ?? 0;
  }

  async write(id: string, record: AuditRecord): Promise<void> {
    // A user erased since the request was made has no account: their record is not written.
    await this.db.query(
      `INSERT INTO audit_payloads (id, request_id, user_id, method, route, status, request, response)
       SELECT $1, $2, $3::uuid, $4, $5, $6, $7, $8 WHERE $3::uuid IS NULL OR EXISTS (SELECT 1 FROM users WHERE id = $3::uuid)
       ON CONFLICT (id) DO NOTHING`,
      [id, record.requestId, record.userId, record.method, record.route, record.status, JSON.stringify(record.request), JSON.stringify(record.response)],
    );
  }
}

function parseOrText(body: string): unknown {
  try {
    return JSON.parse(body);
  } catch {
    return body;
  }
}
