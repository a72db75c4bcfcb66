import { Controller, Get, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { IsISO8601, IsOptional, IsString, IsUUID, Max, MaxLength, Min } from 'class-validator';
import { Roles } from '../../../libs/auth/auth.decorators.js';
import { QueryInt } from '../../../libs/http/query-int.js';
import { FlagsService } from '../service/flags.service.js';
import { FlagPageResponse } from './dto/flag.responses.js';

class FlagsQuery {
  @ApiPropertyOptional() @IsOptional() @IsUUID() userId?: string;
  @ApiPropertyOptional({ example: 'repeated_message' }) @IsOptional() @IsString() @MaxLength(64) kind?: string;
  @ApiPropertyOptional({ description: 'at least this severity' }) @IsOptional() @QueryInt() @Min(0) @Max(10) severity?: number;
  @ApiPropertyOptional() @IsOptional() @IsISO8601() from?: string;
  @ApiPropertyOptional() @IsOptional() @IsISO8601() to?: string;
  @ApiPropertyOptional({ default: 50, maximum: 200 }) @IsOptional() @QueryInt() @Min(1) @Max(200) limit?: number;
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(200) cursor?: string;
}

@ApiTags('admin')
@ApiBearerAuth()
@Roles('admin')
@Controller('v1/admin/flags')
export class AdminFlagsController {
  constructor(private readonly flags: FlagsService) {}

  /** Abuse and moderation flags, newest first. A suspension is lifted with PATCH /v1/admin/users/:id {status: active}. */
  @Get()
  @ApiOperation({ summary: 'Moderation flags: prompt injection, abuse, suspensions (admin; filters, cursor)' })
  @ApiOkResponse({ type: FlagPageResponse, description: 'a page of flags, newest first' })
  async list(@Query() query: FlagsQuery) {
    const page = await this.flags.list({
      userId: query.userId,
      kind: query.kind,
      minSeverity: query.severity,
      from: query.from ? new Date(query.from) : undefined,
      to: query.to ? new Date(query.to) : undefined,
      limit: query.limit ?? 50,
      cursor: query.cursor,
    });
    return {
      data: page.flags.map((flag) => ({ ...flag, createdAt: flag.createdAt.toISOString() })),
      nextCursor: page.nextCursor,
    };
  }
}
