import { Body, Controller, Headers, Post, Req, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiHeader, ApiProperty, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { ArrayMinSize, IsArray, IsBoolean, IsIn, IsNumber, IsObject, IsOptional, IsString, IsUUID, Length, MaxLength, ValidateNested } from 'class-validator';
import type { Request, Response } from 'express';
import { CurrentPrincipal } from '../../../libs/auth/auth.decorators.js';
import type { Principal } from '../../../libs/auth/principal.js';
import { invalid } from '../../../libs/errors/domain-error.js';
import { toDomainError, toOpenAiError } from '../../../libs/errors/http-error.filter.js';
import { errorsByCode } from '../../../libs/metrics/metrics.js';
import type { StoredResponse } from '../domain/idempotency.js';
import { ChatCompletionsService, type ChatCompletion, type ChatCompletionRequest } from '../service/chat-completions.service.js';
import { IdempotencyService } from '../service/idempotency.service.js';

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

type RequestWithId = Request & { id: string; traceId?: string };
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
  constructor(
    private readonly completions: ChatCompletionsService,
    private readonly idempotency: IdempotencyService,
  ) {}

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
    const request: ChatCompletionRequest = { model: body.model, messages: body.messages, format: body.response_format?.type === 'json_object' ? ('json' as const) : undefined, conversationId };
    const abort = new AbortController();
    res.on('close', () => {
      if (!res.writableFinished) abort.abort();
    });
    await this.idempotency.run(
      { userId: principal.userId, key: req.header('idempotency-key'), route: `POST ${req.path} ${conversationId ?? ''}`, body },
      () => (body.stream ? this.stream(principal, request, body, req, res, abort.signal) : this.json(principal, request, req, res, abort.signal)),
      (stored) => {
        res.setHeader('Idempotent-Replayed', 'true');
        const completion = stored.body as ReturnType<typeof toCompletionResponse>;
        if (!body.stream) {
          res.status(stored.status).json(completion);
          return;
        }
        openEventStream(res);
        const id = completion.id.replace(/^chatcmpl-/, '');
        writeEvent(res, toChunk(id, completion.created, completion.model, { role: 'assistant', content: completion.choices[0]!.message.content }, null));
        writeEvent(res, toChunk(id, completion.created, completion.model, {}, completion.choices[0]!.finish_reason));
        if (body.stream_options?.include_usage) writeEvent(res, { ...toChunk(id, completion.created, completion.model, {}, null), choices: [], usage: completion.usage });
        res.end('data: [DONE]\n\n');
      },
    );
  }

  private async json(principal: Principal, request: ChatCompletionRequest, req: RequestWithId, res: Response, signal: AbortSignal): Promise<StoredResponse> {
    const completion = await this.completions.complete(principal, request, { signal, traceId: req.traceId ?? req.id, setHeader: (name, value) => res.setHeader(name, value) });
    if (completion.conversationId) res.setHeader('X-Conversation-Id', completion.conversationId);
    const response = toCompletionResponse(completion, seconds());
    res.status(200).json(response);
    return { status: 200, body: response };
  }

  private async stream(principal: Principal, request: ChatCompletionRequest, body: ChatCompletionDto, req: RequestWithId, res: Response, signal: AbortSignal): Promise<StoredResponse> {
    const created = seconds();
    const open = (id: string) => {
      if (res.headersSent) return;
      openEventStream(res);
      writeEvent(res, toChunk(id, created, body.model, { role: 'assistant', content: '' }, null));
    };
    let stored: StoredResponse;
    try {
      const completion = await this.completions.complete(principal, request, {
        signal,
        traceId: req.traceId ?? req.id,
        setHeader: (name, value) => {
          if (!res.headersSent) res.setHeader(name, value);
        },
        listener: {
          delta: (id, text) => {
            open(id);
            writeEvent(res, toChunk(id, created, body.model, { content: text }, null));
          },
        },
      });
      open(completion.id);
      writeEvent(res, toChunk(completion.id, created, completion.model, {}, completion.finishReason));
      if (body.stream_options?.include_usage) writeEvent(res, { ...toChunk(completion.id, created, completion.model, {}, null), choices: [], usage: toUsage(completion) });
      stored = { status: 200, body: toCompletionResponse(completion, created) };
    } catch (error) {
      if (!res.headersSent) throw error;
      const failure = toDomainError(error);
      errorsByCode.inc({ code: failure.code });
      writeEvent(res, toOpenAiError(failure));
      stored = { status: failure.status, body: { code: failure.code, message: failure.message } };
    }
    if (!res.writableEnded) res.end('data: [DONE]\n\n');
    return stored;
  }
}

function toCompletionResponse(completion: ChatCompletion, created: number) {
  return {
    id: `chatcmpl-${completion.id}`,
    object: 'chat.completion' as const,
    created,
    model: completion.model,
    choices: [{ index: 0, message: { role: 'assistant' as const, content: completion.content }, finish_reason: completion.finishReason, logprobs: null }],
    usage: toUsage(completion),
  };
}

function toChunk(id: string, created: number, model: string, delta: Record<string, string>, finish: string | null) {
  return { id: `chatcmpl-${id}`, object: 'chat.completion.chunk', created, model, choices: [{ index: 0, delta, finish_reason: finish, logprobs: null }] };
}

function openEventStream(res: Response): void {
  res.status(200).setHeader('Content-Type', 'text/event-stream; charset=utf-8');
  res.setHeader('Cache-Control', 'no-cache, no-transform');
  res.flushHeaders();
}

function writeEvent(res: Response, data: unknown): void {
  res.write(`data: ${JSON.stringify(data)}\n\n`);
}

function validUuid(value: string): string {
  if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(value)) throw invalid('X-Conversation-Id must be a UUID');
  return value.toLowerCase();
}
