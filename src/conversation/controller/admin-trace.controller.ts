import { Controller, Get, Param, ParseUUIDPipe } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Roles } from '../../../libs/auth/auth.decorators.js';
import { invalid } from '../../../libs/errors/domain-error.js';
import { TurnAuditService } from '../service/turn-audit.service.js';
import { TraceResponse } from './dto/conversation-admin.responses.js';

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
  @ApiOkResponse({ type: TraceResponse, description: 'the timeline of every turn of the conversation' })
  trace(@Param('id', uuid) id: string) {
    return this.audit.timeline(id);
  }
}
