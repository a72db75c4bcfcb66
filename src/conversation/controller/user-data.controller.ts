import { Readable } from 'node:stream';
import { Controller, Delete, Get, HttpCode, Param, ParseUUIDPipe, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { CurrentPrincipal, Roles } from '../../../libs/auth/auth.decorators.js';
import type { Principal } from '../../../libs/auth/principal.js';
import { invalid } from '../../../libs/errors/domain-error.js';
import { UserDataService, type UserExportRecord } from '../service/user-data.service.js';
import { ErasureReportResponse } from './dto/conversation-admin.responses.js';
import { toConversationResponse, toFeedbackResponse, toMessageResponse } from './dto/conversation.dto.js';

const uuid = new ParseUUIDPipe({ exceptionFactory: () => invalid('id must be a UUID') });

/** The NDJSON lines of one export record: a conversation is its own line, then one line per message and rating. */
function* linesOf(record: UserExportRecord): Generator<string> {
  const line = (value: unknown) => `${JSON.stringify(value)}\n`;
  switch (record.type) {
    case 'user':
      yield line({ type: 'user', ...record.user, createdAt: record.user.createdAt.toISOString() });
      return;
    case 'api_key':
      yield line({ type: 'api_key', ...record.key, createdAt: record.key.createdAt.toISOString(), revokedAt: record.key.revokedAt?.toISOString() ?? null });
      return;
    case 'conversation':
      yield line({ type: 'conversation', ...toConversationResponse(record.conversation), usage: record.usage });
      for (const message of record.messages) yield line({ type: 'message', ...toMessageResponse(message) });
      for (const feedback of record.feedback) yield line({ type: 'feedback', ...toFeedbackResponse(feedback) });
      return;
    case 'usage': {
      const { type: _type, ...totals } = record;
      yield line({ type: 'usage', ...totals });
    }
  }
}

async function* ndjson(records: AsyncIterable<UserExportRecord>): AsyncGenerator<string> {
  for await (const record of records) yield* linesOf(record);
}

@ApiTags('identity')
@ApiBearerAuth()
@Controller()
export class UserDataController {
  constructor(private readonly data: UserDataService) {}

  /** All of the caller's data as NDJSON, streamed (one conversation in memory at a time). */
  @Get('v1/me/export')
  @ApiOperation({ summary: 'Export everything gus holds about the caller (a download)' })
  @ApiProduces('application/x-ndjson')
  @ApiOkResponse({
    description: 'a download, one JSON object a line, each with a type: user, api_key, conversation (then its messages and feedback), usage',
    content: { 'application/x-ndjson': { schema: { type: 'string' } } },
  })
  export(@CurrentPrincipal() principal: Principal, @Res() reply: FastifyReply): void {
    void reply
      .type('application/x-ndjson; charset=utf-8')
      .header('content-disposition', `attachment; filename="gus-export-${principal.userId}.ndjson"`)
      .send(Readable.from(ndjson(this.data.exportUser(principal.userId))));
  }

  /** Erases the caller: conversations, messages, summaries, idempotency records, audit payloads, flag evidence, keys, the account. */
  @Delete('v1/me')
  @ApiOperation({ summary: 'Erase the account of the caller and all its data' })
  @ApiNoContentResponse({ description: 'erased' })
  @HttpCode(204)
  async eraseMe(@CurrentPrincipal() principal: Principal): Promise<void> {
    await this.data.erase(principal.userId);
  }

  /** The same erasure, by an admin; answers what was erased. */
  @Delete('v1/admin/users/:id/data')
  @ApiOperation({ summary: 'Erase a user and all their data (admin)' })
  @Roles('admin')
  @ApiTags('admin')
  @ApiOkResponse({ type: ErasureReportResponse, description: 'how much of each kind was erased' })
  eraseUser(@Param('id', uuid) id: string) {
    return this.data.erase(id);
  }
}
