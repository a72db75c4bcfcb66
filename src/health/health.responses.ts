import { ApiProperty } from '@nestjs/swagger';

// OpenAPI schemas of /health/live and the embedded queue's status (/health/ready's comes with terminus's @HealthCheck).

export class LiveResponse {
  @ApiProperty({ enum: ['ok'] }) status: string;
}

export class QueueStatsResponse {
  @ApiProperty({ example: 'billing' }) name: string;
  @ApiProperty({ type: 'integer', description: 'ready to run now' }) waiting: number;
  @ApiProperty({ type: 'integer' }) active: number;
  @ApiProperty({ type: 'integer' }) failed: number;
  @ApiProperty({ type: 'integer', description: 'retries waiting for their backoff' }) delayed: number;
}

export class QueueStatusResponse {
  @ApiProperty({ enum: ['in-process'] }) backend: string;
  @ApiProperty({ type: [QueueStatsResponse] }) queues: QueueStatsResponse[];
}
