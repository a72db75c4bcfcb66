import { Body, Controller, Headers, Post, Req, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiHeader, ApiProperty, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { ArrayMinSize, IsArray, IsBoolean, IsIn, IsNumber, IsObject, IsOptional, IsString, IsUUID, Length, MaxLength, ValidateNested } from 'class-validator';
import type { Request, Response } from 'express';
import { CurrentPrincipal } from '../../../libs/auth/auth.decorators.js';
import type { Principal } from '../../../libs/auth/principal.js';
import { invalid } from '../../../libs/errors/domain-error.js';
import { toDomainError, toOpenAiError } from '../../../libs/errors/http-error.filter.js';
import { ChatCompletionsService, type ChatCompletion } from '../service/chat-completions.service.js';

class ChatMessageDto {
  @ApiProperty({ enum: ['system', 'user', 'assistant'] }) @IsIn(['system', 'user', 'assistant']) role: 'system' | 'user' | 'assistant';
  @ApiProperty() @IsString() @MaxLength(1_000_000) content: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(64) name?: string;
}

class ResponseFormatDto {
  @ApiProperty({ enum: ['text', 'json_object'] }) @IsIn(['text', 'json_object']) type: 'text' | 'json_object';
}

class StreamOptionsDto {
  @ApiPropertyOptional() @IsOptional() @IsBoolean() include_usage?: boolean;
}

/** OpenAI's request body; sampling options are accepted and left to the model server's defaults. */
export class ChatCompletionDto {
  @ApiProperty({ example: 'llama3.2:1b' }) @IsString() @Length(1, 200) model: string;
  @ApiProperty({ type: [ChatMessageDto] }) @IsArray() @ArrayMinSize(1) @ValidateNested({ each: true }) @Type(() => ChatMessageDto) messages: ChatMessageDto[];
  @ApiPropertyOptional() @IsOptional() @IsBoolean() stream?: boolean;
  @ApiPropertyOptional() @IsOptional() @IsObject() @ValidateNested() @Type(() => StreamOptionsDto) stream_options?: StreamOptionsDto;
  @ApiPropertyOptional() @IsOptional() @IsObject() @ValidateNested() @Type(() => ResponseFormatDto) response_format?: ResponseFormatDto;
  @ApiPropertyOptional() @IsOptional() @IsNumber() temperature?: number;
  @ApiPropertyOptional() @IsOptional() @IsNumber() top_p?: number;
  @ApiPropertyOptional() @IsOptional() @IsNumber() max_tokens?: number;
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(256) user?: string;
}

type RequestWithId = Request & { id: string };
const seconds = (): number => Math.floor(Date.now() / 1000);

const toUsage = (completion: ChatCompletion) => ({
  prompt_tokens: completion.usage.promptTokens,
  completion_tokens: completion.usage.completionTokens,
  total_tokens: completion.usage.totalTokens,
});

@ApiTags('openai-compatible')
@ApiBearerAuth()
@Controller('v1/chat/completions')
export class ChatCompletionsController {
  constructor(private readonly completions: ChatCompletionsService) {}

  /** OpenAI's chat completions, streamed (SSE chunks ending with `data: [DONE]`) or not. */
  @Post()
  @ApiHeader({ name: 'X-Conversation-Id', required: false, description: 'store the exchange in this gus conversation' })
  async create(
    @CurrentPrincipal() principal: Principal,
    @Body() body: ChatCompletionDto,
    @Headers('x-conversation-id') conversationHeader: string | undefined,
    @Req() req: RequestWithId,
    @Res() res: Response,
  ): Promise<void> {
    const conversationId = conversationHeader ? validUuid(conversationHeader) : undefined;
    const request = { model: body.model, messages: body.messages, format: body.response_format?.type === 'json_object' ? ('json' as const) : undefined, conversationId };
    const abort = new AbortController();
    res.on('close', () => {
      if (!res.writableFinished) abort.abort();
    });
    const created = seconds();
    if (!body.stream) {
      const completion = await this.completions.complete(principal, request, { signal: abort.signal, traceId: req.id });
      if (completion.conversationId) res.setHeader('X-Conversation-Id', completion.conversationId);
      res.status(200).json({
        id: `chatcmpl-${completion.id}`,
        object: 'chat.completion',
        created,
        model: completion.model,
        choices: [{ index: 0, message: { role: 'assistant', content: completion.content }, finish_reason: 'stop', logprobs: null }],
        usage: toUsage(completion),
      });
      return;
    }
    const chunk = (id: string, delta: Record<string, string>, finish: string | null) => ({
      id: `chatcmpl-${id}`,
      object: 'chat.completion.chunk',
      created,
      model: body.model,
      choices: [{ index: 0, delta, finish_reason: finish, logprobs: null }],
    });
    const write = (data: unknown) => res.write(`data: ${JSON.stringify(data)}\n\n`);
    const open = (id: string) => {
      if (res.headersSent) return;
      res.status(200).setHeader('Content-Type', 'text/event-stream; charset=utf-8');
      res.setHeader('Cache-Control', 'no-cache, no-transform');
      res.flushHeaders();
      write(chunk(id, { role: 'assistant', content: '' }, null));
    };
    try {
      const completion = await this.completions.complete(principal, request, {
        signal: abort.signal,
        traceId: req.id,
        listener: {
          delta: (id, text) => {
            open(id);
            write(chunk(id, { content: text }, null));
          },
        },
      });
      open(completion.id);
      write(chunk(completion.id, {}, 'stop'));
      if (body.stream_options?.include_usage) write({ ...chunk(completion.id, {}, null), choices: [], usage: toUsage(completion) });
    } catch (error) {
      if (!res.headersSent) throw error;
      write(toOpenAiError(toDomainError(error)));
    }
    if (!res.writableEnded) res.end('data: [DONE]\n\n');
  }
}

function validUuid(value: string): string {
  if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(value)) throw invalid('X-Conversation-Id must be a UUID');
  return value.toLowerCase();
}
