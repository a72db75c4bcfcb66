import { Controller, Get, Param, ParseUUIDPipe } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Roles } from '../../../libs/auth/auth.decorators.js';
import { invalid } from '../../../libs/errors/domain-error.js';
import { TurnAuditService } from '../service/turn-audit.service.js';

const uuid = new ParseUUIDPipe({ exceptionFactory: () => invalid('id must be a UUID') });

@ApiTags('admin')
@ApiBearerAuth()
@Roles('admin')
@Controller('v1/admin/conversations')
export class AdminTraceController {
  constructor(private readonly audit: TurnAuditService) {}

  /** Each turn's timeline: received, validated (which checks), context built, model called, stored, billed. */
  @Get(':id/trace')
  @ApiOperation({ summary: 'The trace of a message: context, moderation checks, timings (admin)' })
  trace(@Param('id', uuid) id: string) {
    return this.audit.timeline(id);
  }
}
