import { ApiProperty } from '@nestjs/swagger';
import { UsageTotalsDto } from '../../../../libs/http/usage-totals.dto.js';
import { ROLES, USER_STATUSES } from '../../domain/user.js';

// OpenAPI schemas of what the identity routes answer (toUserResponse and the controllers' own mappings).

export class UserResponse {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ type: String, nullable: true, description: 'null for a guest' }) email: string | null;
  @ApiProperty({ enum: ROLES }) role: string;
  @ApiProperty({ example: 'free' }) plan: string;
  @ApiProperty({ enum: USER_STATUSES }) status: string;
  @ApiProperty({ description: 'while true, retention and erasure delete nothing of the user' }) legalHold: boolean;
  @ApiProperty({ format: 'date-time' }) createdAt: string;
  @ApiProperty({ format: 'date-time' }) updatedAt: string;
}

export class TokenResponse {
  @ApiProperty({ description: 'send as Authorization: Bearer <accessToken>' }) accessToken: string;
  @ApiProperty({ example: 'Bearer' }) tokenType: string;
  @ApiProperty({ type: 'integer', description: 'seconds' }) expiresIn: number;
  @ApiProperty({ type: UserResponse }) user: UserResponse;
}

export class UserPageResponse {
  @ApiProperty({ type: [UserResponse] }) data: UserResponse[];
  @ApiProperty({ type: String, nullable: true, description: 'give as cursor for the next page; null on the last' }) nextCursor: string | null;
}

export class RateLimitsResponse {
  @ApiProperty({ type: 'integer' }) perMinute: number;
  @ApiProperty({ type: 'integer' }) perHour: number;
  @ApiProperty({ type: 'integer' }) perDay: number;
  @ApiProperty({ required: false, description: 'past this fraction of a window: X-RateLimit-Warning (default 0.8)' }) softLimitRatio?: number;
}

export class TokenQuotasResponse {
  @ApiProperty({ type: 'integer' }) tokensPerDay: number;
  @ApiProperty({ type: 'integer' }) tokensPerMonth: number;
  @ApiProperty({ required: false, description: 'past this fraction of a period a turn is warned (default 0.8)' }) softLimitRatio?: number;
}

export class PlanLimitsResponse {
  @ApiProperty({ type: [String], example: ['standard'] }) modelTiers: string[];
  @ApiProperty({ type: 'integer' }) maxContextTokens: number;
  @ApiProperty({ type: RateLimitsResponse }) rateLimits: RateLimitsResponse;
  @ApiProperty({ type: TokenQuotasResponse, nullable: true, description: 'null: no token quota' }) tokenQuotas: TokenQuotasResponse | null;
}

export class PlanResponse extends PlanLimitsResponse {
  @ApiProperty({ example: 'free' }) id: string;
}

export class PlanListResponse {
  @ApiProperty({ type: [PlanResponse], description: 'in catalogue order' }) data: PlanResponse[];
}

export class QuotaStatusResponse {
  @ApiProperty({ type: 'integer' }) limit: number;
  @ApiProperty({ type: 'integer' }) used: number;
  @ApiProperty({ type: 'integer' }) remaining: number;
  @ApiProperty({ format: 'date-time' }) resetsAt: string;
}

export class QuotasResponse {
  @ApiProperty({ type: QuotaStatusResponse }) day: QuotaStatusResponse;
  @ApiProperty({ type: QuotaStatusResponse }) month: QuotaStatusResponse;
}

export class MeUsageResponse {
  @ApiProperty({ type: UsageTotalsDto }) today: UsageTotalsDto;
  @ApiProperty({ type: UsageTotalsDto }) thisMonth: UsageTotalsDto;
  @ApiProperty({ type: UsageTotalsDto }) allTime: UsageTotalsDto;
  @ApiProperty({ type: QuotasResponse, nullable: true, description: 'null when the plan has no token quota' }) quotas: QuotasResponse | null;
}

export class MeResponse extends UserResponse {
  @ApiProperty({ type: PlanLimitsResponse }) limits: PlanLimitsResponse;
  @ApiProperty({ type: MeUsageResponse }) usage: MeUsageResponse;
}

export class ApiKeyResponse {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty() name: string;
  @ApiProperty({ description: 'the first characters of the key, to recognise it' }) prefix: string;
  @ApiProperty({ format: 'date-time' }) createdAt: string;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) revokedAt: string | null;
}

export class ApiKeyListResponse {
  @ApiProperty({ type: [ApiKeyResponse] }) data: ApiKeyResponse[];
}

export class IssuedApiKeyResponse {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ description: 'the key itself: shown in this answer only (gus keeps its hash)' }) key: string;
  @ApiProperty() prefix: string;
  @ApiProperty({ format: 'date-time' }) createdAt: string;
}
