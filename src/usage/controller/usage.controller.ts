import { Controller, Get, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { IsISO8601, IsOptional } from 'class-validator';
import { CurrentPrincipal } from '../../../libs/auth/auth.decorators.js';
import type { Principal } from '../../../libs/auth/principal.js';
import { UsageReportService } from '../service/usage-report.service.js';
import { UsageReportResponse } from './dto/usage.responses.js';

class UsageQuery {
  @ApiPropertyOptional({ example: '2026-11-01', description: 'first day (UTC), default 30 days ago' }) @IsOptional() @IsISO8601({ strict: true }) from?: string;
  @ApiPropertyOptional({ example: '2026-11-30', description: 'last day (UTC), default today' }) @IsOptional() @IsISO8601({ strict: true }) to?: string;
}

@ApiTags('usage')
@ApiBearerAuth()
@Controller('v1/usage')
export class UsageController {
  constructor(private readonly reports: UsageReportService) {}

  /** The caller's totals by day and model, rolled up by month and by model. */
  @Get()
  @ApiOperation({ summary: 'Usage of the caller: tokens, turns and cost by day and model' })
  @ApiOkResponse({ type: UsageReportResponse, description: 'the totals of the caller over the range' })
  mine(@CurrentPrincipal() principal: Principal, @Query() query: UsageQuery) {
    return this.reports.forUser(principal.userId, query);
  }
}
