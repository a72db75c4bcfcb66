import { ApiProperty } from '@nestjs/swagger';

// OpenAPI schemas of what the search, trace, analytics, retention and erasure routes answer.

export class SearchHitResponse {
  @ApiProperty({ format: 'uuid' }) conversationId: string;
  @ApiProperty({ type: String, nullable: true }) conversationTitle: string | null;
  @ApiProperty({ format: 'uuid' }) messageId: string;
  @ApiProperty({ enum: ['system', 'user', 'assistant'] }) role: string;
  @ApiProperty({ format: 'date-time' }) createdAt: string;
  @ApiProperty({ description: 'escaped HTML, the matches in <mark>' }) snippet: string;
  @ApiProperty({ description: 'higher is better' }) rank: number;
}

export class SearchPageResponse {
  @ApiProperty({ type: [SearchHitResponse], description: 'best first' }) data: SearchHitResponse[];
  @ApiProperty({ type: String, nullable: true }) nextCursor: string | null;
}

export class TurnStepResponse {
  @ApiProperty({ enum: ['received', 'validated', 'context built', 'model called', 'stored', 'billed'] }) step: string;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) at: string | null;
}

export class TurnTimelineResponse {
  @ApiProperty({ type: String, nullable: true }) traceId: string | null;
  @ApiProperty({ type: String, format: 'uuid', nullable: true }) userMessageId: string | null;
  @ApiProperty({ format: 'uuid' }) assistantMessageId: string;
  @ApiProperty({ description: 'complete, failed, interrupted' }) status: string;
  @ApiProperty({ type: [TurnStepResponse], description: 'each step also carries its details (checks, tokens, model, timings, cost)' }) steps: TurnStepResponse[];
}

export class TraceResponse {
  @ApiProperty({ format: 'uuid' }) conversationId: string;
  @ApiProperty({ format: 'uuid' }) userId: string;
  @ApiProperty({ type: [TurnTimelineResponse], description: 'oldest first' }) turns: TurnTimelineResponse[];
}

export class PercentilesResponse {
  @ApiProperty({ type: 'integer', nullable: true }) p50: number | null;
  @ApiProperty({ type: 'integer', nullable: true }) p95: number | null;
}

export class FeedbackCountsResponse {
  @ApiProperty({ type: 'integer' }) up: number;
  @ApiProperty({ type: 'integer' }) down: number;
  @ApiProperty({ type: Number, nullable: true }) upRatio: number | null;
}

export class AnalyticsRowResponse {
  @ApiProperty({ example: '2026-11-30' }) day: string;
  @ApiProperty({ type: String, nullable: true }) model: string | null;
  @ApiProperty({ type: 'integer' }) turns: number;
  @ApiProperty({ type: 'integer' }) activeUsers: number;
  @ApiProperty({ type: 'integer' }) promptTokens: number;
  @ApiProperty({ type: 'integer' }) completionTokens: number;
  @ApiProperty({ type: 'integer' }) totalTokens: number;
  @ApiProperty({ type: 'integer' }) costMicros: number;
  @ApiProperty({ description: 'failed turns / turns' }) errorRate: number;
  @ApiProperty({ description: 'interrupted turns / turns' }) interruptionRate: number;
  @ApiProperty({ type: PercentilesResponse }) latencyMs: PercentilesResponse;
  @ApiProperty({ type: PercentilesResponse }) ttftMs: PercentilesResponse;
  @ApiProperty({ type: FeedbackCountsResponse }) feedback: FeedbackCountsResponse;
  @ApiProperty({ type: 'integer' }) moderationFlags: number;
}

export class AnalyticsResponse {
  @ApiProperty({ example: '2026-11-01' }) from: string;
  @ApiProperty({ example: '2026-11-30' }) to: string;
  @ApiProperty({ type: String, nullable: true }) model: string | null;
  @ApiProperty({ type: String, nullable: true }) plan: string | null;
  @ApiProperty({ type: [AnalyticsRowResponse], description: 'per UTC day and model' }) data: AnalyticsRowResponse[];
}

export class RollupResponse {
  @ApiProperty({ type: [String], description: 'the UTC days rolled up now, newest first' }) days: string[];
}

export class RetentionRunResponse {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ format: 'date-time' }) startedAt: string;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) finishedAt: string | null;
  @ApiProperty({ enum: ['running', 'complete', 'failed'] }) status: string;
  @ApiProperty({ type: 'integer', description: 'conversations past the retention period' }) expiredDeleted: number;
  @ApiProperty({ type: 'integer', description: 'temporary conversations' }) temporaryDeleted: number;
  @ApiProperty({ type: 'integer' }) batches: number;
  @ApiProperty({ type: String, nullable: true }) error: string | null;
}

export class RetentionRunListResponse {
  @ApiProperty({ type: [RetentionRunResponse], description: 'newest first' }) data: RetentionRunResponse[];
}

export class ErasureReportResponse {
  @ApiProperty({ format: 'uuid' }) userId: string;
  @ApiProperty({ type: 'integer' }) conversations: number;
  @ApiProperty({ type: 'integer' }) idempotencyRecords: number;
  @ApiProperty({ type: 'integer' }) auditPayloads: number;
  @ApiProperty({ type: 'integer', description: 'flags whose evidence was erased (kept under a pseudonym)' }) flags: number;
  @ApiProperty({ type: 'integer', description: 'ledger rows kept for billing under a pseudonym' }) usageEventsAnonymised: number;
}
