import { Controller, Get, HttpCode, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { IsOptional, Max, Min } from 'class-validator';
import { Roles } from '../../../libs/auth/auth.decorators.js';
import { QueryInt } from '../../../libs/http/query-int.js';
import type { RetentionRun } from '../domain/retention.js';
import { RetentionService } from '../service/retention.service.js';
import { RetentionRunListResponse, RetentionRunResponse } from './dto/conversation-admin.responses.js';

class RunsQuery {
  @ApiPropertyOptional({ default: 20, maximum: 100 }) @IsOptional() @QueryInt() @Min(1) @Max(100) limit?: number;
}

const toRunResponse = (run: RetentionRun) => ({ ...run, startedAt: run.startedAt.toISOString(), finishedAt: run.finishedAt?.toISOString() ?? null });

@ApiTags('admin')
@ApiBearerAuth()
@Roles('admin')
@Controller('v1/admin/retention/runs')
export class AdminRetentionController {
  constructor(private readonly retention: RetentionService) {}

  /** The latest retention runs, newest first: when, how many conversations each deleted, and how it ended. */
  @Get()
  @ApiOperation({ summary: 'Past retention runs, newest first (admin)' })
  @ApiOkResponse({ type: RetentionRunListResponse, description: 'the latest runs, newest first' })
  async list(@Query() query: RunsQuery) {
    return { data: (await this.retention.recentRuns(query.limit ?? 20)).map(toRunResponse) };
  }

  /** Runs retention now (besides the schedule) and answers the run. */
  @Post()
  @ApiOperation({ summary: 'Start a retention run now (admin)' })
  @ApiCreatedResponse({ type: RetentionRunResponse, description: 'the run, finished' })
  @HttpCode(201)
  async run() {
    return toRunResponse(await this.retention.run());
  }
}
