import { Controller, Get, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { IsISO8601, IsOptional, IsString, IsUUID, MaxLength } from 'class-validator';
import { Roles } from '../../../libs/auth/auth.decorators.js';
import { UsageReportService } from '../service/usage-report.service.js';
import { AdminUsageReportResponse } from './dto/usage.responses.js';

class AdminUsageQuery {
  @ApiPropertyOptional({ example: '2026-11-01', description: 'first day (UTC), default 30 days ago' }) @IsOptional() @IsISO8601({ strict: true }) from?: string;
  @ApiPropertyOptional({ example: '2026-11-30', description: 'last day (UTC), default today' }) @IsOptional() @IsISO8601({ strict: true }) to?: string;
  @ApiPropertyOptional() @IsOptional() @IsUUID() userId?: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(200) model?: string;
}

@ApiTags('admin')
@ApiBearerAuth()
@Roles('admin')
@Controller('v1/admin/usage')
export class AdminUsageController {
  constructor(private readonly reports: UsageReportService) {}

  /** Totals over a date range, by user, model and day: what an admin dashboard needs. */
  @Get()
  @ApiOperation({ summary: 'Usage of every user by user, model and day (admin; date range, user and model filters)' })
  @ApiOkResponse({ type: AdminUsageReportResponse, description: 'totals over the range, by user, model and day' })
  all(@Query() query: AdminUsageQuery) {
    return this.reports.forAdmin({ from: query.from, to: query.to }, { userId: query.userId, model: query.model });
  }
}
