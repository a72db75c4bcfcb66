import { randomUUID } from 'node:crypto';
import { Inject, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { NextFunction, Request, Response } from 'express';
import { DataSource } from 'typeorm';
import type { Principal } from '../auth/principal.js';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { JobQueue } from '../queue/job-queue.js';
import { redactValue } from './redaction.js';

export const PAYLOAD_AUDIT_QUEUE = 'payload-audit';

interface AuditRecord {
  requestId: string;
  userId: string | null;
  method: string;
  route: string;
  status: number;
  request: unknown;
  response: unknown;
}

/**
 * Opt-in payload logging (GUS_PAYLOAD_LOGGING=on, or `payloadLogging` on a plan): the request and
 * response bodies of /v1 calls, redacted before they leave the request (nothing raw reaches Redis), are
 * queued and written to `audit_payloads` by a worker — the request never waits for the insert.
 * Streamed answers are summarised (status and event count), not stored.
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
    if (this.config.role === 'api') return;
    this.queue.process<AuditRecord>(PAYLOAD_AUDIT_QUEUE, (record, job) => this.write(job.id, record));
  }

  /** Express middleware: watches what a /v1 response sends and, when payload logging applies, queues it. */
  readonly middleware = (req: Request & { id?: string; user?: Principal }, res: Response, next: NextFunction): void => {
    if (!req.path.startsWith('/v1/')) return next();
    let body: unknown;
    let events = 0;
    const json = res.json.bind(res);
    res.json = (value: unknown) => {
      body = value;
      return json(value);
    };
    const write = res.write.bind(res) as (chunk: unknown, ...rest: unknown[]) => boolean;
    res.write = ((chunk: unknown, ...rest: unknown[]) => {
      if (typeof chunk === 'string') events += chunk.split('\n\n').length - 1;
      return write(chunk, ...rest);
    }) as Response['write'];
    res.on('finish', () => {
      if (!this.config.payloadLogging && !req.user?.plan.payloadLogging) return;
      const route = (req.route as { path?: string } | undefined)?.path;
      const record: AuditRecord = {
        requestId: req.id ?? '',
        userId: req.user?.userId ?? null,
        method: req.method,
        route: route ? `${req.baseUrl}${route}` : req.path,
        status: res.statusCode,
        request: redactValue(req.body ?? null),
        response: body !== undefined ? redactValue(body) : { streamed: true, events },
      };
      this.queue.add(PAYLOAD_AUDIT_QUEUE, randomUUID(), record).catch((error: unknown) => this.logger.warn({ msg: 'could not queue a payload audit record', error: String(error) }));
    });
    next();
  };

  private async write(id: string, record: AuditRecord): Promise<void> {
    await this.db.query(
      `INSERT INTO audit_payloads (id, request_id, user_id, method, route, status, request, response) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (id) DO NOTHING`,
      [id, record.requestId, record.userId, record.method, record.route, record.status, JSON.stringify(record.request), JSON.stringify(record.response)],
    );
  }
}
