import { Controller, Get, Inject } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Roles } from '../../libs/auth/auth.decorators.js';
import { DomainError, ERROR_STATUS } from '../../libs/errors/domain-error.js';
import { JobQueue } from '../../libs/queue/job-queue.js';
import { IdentityFacade } from '../identity/identity.facade.js';
import { QueueStatusResponse } from './health.responses.js';

export const QUEUE_DASHBOARD_ROUTE = '/admin/queues';

/** The embedded queue's dashboard: a JSON status (Bull Board needs BullMQ on Redis). */
@ApiTags('admin')
@ApiBearerAuth()
@Roles('admin')
@Controller('admin/queues')
export class QueueStatusController {
  constructor(@Inject(JobQueue) private readonly queue: JobQueue) {}

  @Get()
  @ApiOperation({ summary: 'Status of the in-process job queue (admin; with Redis this route is Bull Board)' })
  @ApiOkResponse({
    type: QueueStatusResponse,
    description: 'each queue with its counts; with REDIS_URL, Bull Board serves /admin/queues instead (a Fastify plugin, not in this document)',
  })
  async status() {
    const queues = await Promise.all(this.queue.names().map(async (name) => ({ name, ...(await this.queue.stats(name)) })));
    return { backend: this.queue.kind, queues };
  }
}

/**
 * Bull Board is a Fastify plugin, outside Nest's guards: every request under /admin/queues is checked here
 * with the same bearer credentials as the API, and only the admin role passes (401 without, 403 for others).
 */
export function guardQueueDashboard(fastify: FastifyInstance, identity: IdentityFacade): void {
  fastify.addHook('onRequest', async (req: FastifyRequest, reply: FastifyReply) => {
    const path = req.url.split('?')[0]!;
    if (path !== QUEUE_DASHBOARD_ROUTE && !path.startsWith(`${QUEUE_DASHBOARD_ROUTE}/`)) return;
    const header = req.headers.authorization ?? '';
    const token = /^Bearer (\S{1,4096})$/i.exec(header)?.[1];
    try {
      if (!token) throw new DomainError('UNAUTHENTICATED', 'missing or invalid credentials');
      const principal = await identity.authenticate(token);
      if (principal.role !== 'admin') throw new DomainError('FORBIDDEN', 'this route needs one of the roles: admin');
    } catch (error) {
      const refused = error instanceof DomainError ? error : new DomainError('SERVICE_UNAVAILABLE', 'could not check the credentials; try again');
      const status = ERROR_STATUS[refused.code];
      return reply.code(status).type('application/json').send({ statusCode: status, code: refused.code, message: refused.message, requestId: req.id });
    }
  });
}
