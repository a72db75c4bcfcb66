import { Controller, Get, Header, Inject } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import { HealthCheck, HealthCheckService, HealthIndicatorService, TypeOrmHealthIndicator } from '@nestjs/terminus';
import type { Redis } from 'ioredis';
import { Public } from '../../libs/auth/auth.decorators.js';
import { metricsRegistry } from '../../libs/metrics/metrics.js';
import { REDIS } from '../../libs/queue/redis.js';
import { LlmFacade } from '../llm/llm.facade.js';
import { LiveResponse } from './health.responses.js';

@ApiTags('health')
@Public()
@Controller()
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
    private readonly db: TypeOrmHealthIndicator,
    private readonly llm: LlmFacade,
    @Inject(REDIS) private readonly redis: Redis | null,
  ) {}

  @Get('health/live')
  @ApiOperation({ summary: 'Liveness: the process answers' })
  @ApiOkResponse({ type: LiveResponse, description: 'the process answers' })
  live() {
    return { status: 'ok' };
  }

  /** Ready when the database, Redis (if configured) and the model server all answer. */
  @Get('health/ready')
  @ApiOperation({ summary: 'Readiness: database, Redis (if configured) and model server answer' })
  @HealthCheck()
  ready() {
    return this.health.check([
      () => this.db.pingCheck('database', { timeout: 2000 }),
      () => this.check('redis', async () => (this.redis ? void (await this.redis.ping()) : undefined), this.redis ? 'redis' : 'in-process'),
      () => this.check('model', () => this.llm.ping(), 'reachable'),
    ]);
  }

  @Get('metrics')
  @ApiOperation({ summary: 'Prometheus metrics' })
  @Header('Content-Type', metricsRegistry.contentType)
  @ApiProduces('text/plain')
  @ApiOkResponse({ description: 'the Prometheus text exposition format', content: { 'text/plain': { schema: { type: 'string' } } } })
  metrics(): Promise<string> {
    return metricsRegistry.metrics();
  }

  private async check(key: string, probe: () => Promise<void>, detail: string) {
    const indicator = this.indicators.check(key);
    try {
      await withTimeout(probe(), 2000);
      return indicator.up({ detail });
    } catch (error) {
      return indicator.down({ message: error instanceof Error ? error.message : String(error) });
    }
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    promise,
    new Promise<T>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}
