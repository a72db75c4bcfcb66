import { Controller, Get, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiProperty, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { IsOptional, IsString, Length, Max, MaxLength, Min } from 'class-validator';
import { CurrentPrincipal } from '../../../libs/auth/auth.decorators.js';
import type { Principal } from '../../../libs/auth/principal.js';
import { QueryInt } from '../../../libs/http/query-int.js';
import { SEARCH_TEXT_MAX_LENGTH, type MessageSearchHit } from '../domain/message-search.js';
import { MessageSearchService } from '../service/message-search.service.js';
import { SearchPageResponse } from './dto/conversation-admin.responses.js';

class SearchMessagesQuery {
  @ApiProperty({ example: 'capital "of Italy" -France', description: 'words, "a phrase", or, -word (web search syntax); whole words, case-insensitive' })
  @IsString()
  @Length(1, SEARCH_TEXT_MAX_LENGTH)
  q: string;
  @ApiPropertyOptional({ default: 20, maximum: 100 }) @IsOptional() @QueryInt() @Min(1) @Max(100) limit?: number;
  @ApiPropertyOptional({ description: 'nextCursor of the previous page' }) @IsOptional() @IsString() @MaxLength(300) cursor?: string;
}

/** The fields of a search hit a client sees. */
const toHitResponse = (hit: MessageSearchHit) => ({
  conversationId: hit.conversationId,
  conversationTitle: hit.conversationTitle,
  messageId: hit.messageId,
  role: hit.role,
  createdAt: hit.createdAt.toISOString(),
  snippet: hit.snippet,
  rank: hit.rank,
});

@ApiTags('search')
@ApiBearerAuth()
@Controller('v1/search')
export class SearchController {
  constructor(private readonly search: MessageSearchService) {}

  /** The caller's messages matching `q`, best first; `snippet` is escaped HTML with the matches in `<mark>`. */
  @Get('messages')
  @ApiOperation({ summary: 'Full-text search over the messages of the caller, with snippets' })
  @ApiOkResponse({ type: SearchPageResponse, description: 'a page of matching messages, best first' })
  async messages(@CurrentPrincipal() principal: Principal, @Query() query: SearchMessagesQuery) {
    const page = await this.search.search(principal, { q: query.q, limit: query.limit ?? 20, cursor: query.cursor });
    return { data: page.hits.map(toHitResponse), nextCursor: page.nextCursor };
  }
}
