import { Module, type DynamicModule } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import type { AppConfig } from '../../libs/config/app-config.js';
import { QUEUE_NAMES } from '../../libs/queue/queues.js';
import { IdentityModule } from '../identity/identity.module.js';
import { LlmModule } from '../llm/llm.module.js';
import { HealthController } from './health.controller.js';
import { QUEUE_DASHBOARD_ROUTE, QueueStatusController } from './queue-dashboard.js';

export { guardQueueDashboard } from './queue-dashboard.js';

@Module({
  imports: [TerminusModule, LlmModule],
  controllers: [HealthController],
})
export class HealthModule {}

@Module({})
export class QueueDashboardModule {}

/**
 * /admin/queues for admins: Bull Board over every queue with BullMQ (its packages are loaded only then),
 * a JSON status of the in-process queue without Redis. Workers serve no dashboard.
 */
export async function queueDashboardModule(config: AppConfig): Promise<DynamicModule> {
  if (config.role === 'worker') return { module: QueueDashboardModule };
  if (!config.redisUrl) return { module: QueueDashboardModule, imports: [IdentityModule], controllers: [QueueStatusController] };
  const [{ BullBoardModule }, { FastifyAdapter }, { BullMQAdapter }] = await Promise.all([
    import('@bull-board/nestjs'),
    import('@bull-board/fastify'),
    import('@bull-board/api/bullMQAdapter'),
  ]);
  return {
    module: QueueDashboardModule,
    imports: [
      BullBoardModule.forRoot({ route: QUEUE_DASHBOARD_ROUTE, adapter: FastifyAdapter, boardOptions: { uiConfig: { boardTitle: 'gus queues' } } }),
      BullBoardModule.forFeature(...QUEUE_NAMES.map((name) => ({ name, adapter: BullMQAdapter }))),
    ],
  };
}
