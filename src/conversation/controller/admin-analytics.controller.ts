import { Controller, Get, HttpCode, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { IsISO8601, IsOptional, IsString, Length, MaxLength } from 'class-validator';
import { Roles } from '../../../libs/auth/auth.decorators.js';
import { AnalyticsRollupService } from '../service/analytics-rollup.service.js';
import { FeedbackService } from '../service/feedback.service.js';
import { AnalyticsResponse, RollupResponse } from './dto/conversation-admin.responses.js';

class AnalyticsQuery {
  @ApiPropertyOptional({ example: '2026-11-01', description: 'first UTC day, default 29 days before `to`' }) @IsOptional() @IsISO8601({ strict: true }) @Length(10, 10) from?: string;
  @ApiPropertyOptional({ example: '2026-11-30', description: 'last UTC day, default today' }) @IsOptional() @IsISO8601({ strict: true }) @Length(10, 10) to?: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(200) model?: string;
  @ApiPropertyOptional({ description: "the users' current plan" }) @IsOptional() @IsString() @MaxLength(100) plan?: string;
}

@ApiTags('admin')
@ApiBearerAuth()
@Roles('admin')
@Controller('v1/admin/analytics')
export class AdminAnalyticsController {
  constructor(
    private readonly feedback: FeedbackService,
    private readonly rollup: AnalyticsRollupService,
  ) {}

  /** Per UTC day and model: turns, active users, tokens, cost, error and interruption rates, latency and TTFT percentiles, ratings, flags. */
  @Get()
  @ApiOperation({ summary: 'Feedback and usage analytics (admin)' })
  @ApiOkResponse({ type: AnalyticsResponse, description: 'one row per UTC day and model' })
  report(@Query() query: AnalyticsQuery) {
    return this.feedback.report(query);
  }

  /** Rolls up the closed days the daily rollup lacks now (besides the schedule); answers the days rolled up. */
  @Post('rollup')
  @ApiOperation({ summary: 'Roll the analytics up now (admin; otherwise done on a timer)' })
  @ApiCreatedResponse({ type: RollupResponse, description: 'the days rolled up' })
  @HttpCode(201)
  rollUp() {
    return this.rollup.run();
  }
}
