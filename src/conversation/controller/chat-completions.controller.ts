import { Body, Controller, Headers, Post, Req, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiExtraModels, ApiHeader, ApiOkResponse, ApiOperation, ApiProperty, ApiPropertyOptional, ApiTags, getSchemaPath } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { CurrentPrincipal } from '../../../libs/auth/auth.decorators.js';
import type { Principal } from '../../../libs/auth/principal.js';
import { invalid } from '../../../libs/errors/domain-error.js';
import { toDomainError, toOpenAiError } from '../../../libs/errors/http-error.filter.js';
import { headerOf } from '../../../libs/http/headers.js';
import { INPUT_LIMITS } from '../../../libs/http/input-limits.js';
import { errorsByCode } from '../../../libs/metrics/metrics.js';
import { IdempotencyKeyHeader } from '../../../libs/http/openapi.js';
import type { StoredResponse } from '../domain/idempotency.js';
import { ChatCompletionsService, type ChatCompletion, type ChatCompletionRequest } from '../service/chat-completions.service.js';
import { IdempotencyService } from '../service/idempotency.service.js';
import { ChatCompletionResponse } from './dto/chat-completion.responses.js';
import { ChatCompletionBodyPipe, type ChatCompletionBody, type ChatRole } from './dto/chat-completion.body.js';
import { DEFAULT_RESUMABLE_GRACE_SECONDS } from '../../../libs/auth/principal.js';
import { TurnStreamWriterFactory, type TurnStreamWriter } from '../service/turn-stream.store.js';
import { ChunkEventStream, onClientGone } from './turn-event-stream.js';

/** The OpenAPI schema of the body; parseChatCompletionBody checks it (see why there). */
class ChatMessageDto {
  @ApiProperty({ enum: ['system', 'user', 'assistant', 'tool'] }) role: ChatRole;
  @ApiProperty({ maxLength: 1_000_000 }) content: string;
  @ApiPropertyOptional({ maxLength: 64 }) name?: string;
  /** A tool result's call id; tool results reach the model as data (pasted material), not as tool calls. */
  @ApiPropertyOptional({ maxLength: 128 }) tool_call_id?: string;
}

class ResponseFormatDto {
  @ApiProperty({ enum: ['text', 'json_object'] }) type: 'text' | 'json_object';
}

class StreamOptionsDto {
  @ApiPropertyOptional() include_usage?: boolean;
}

/** OpenAI's request body; sampling options are accepted and left to the model server's defaults. */
export class ChatCompletionDto implements ChatCompletionBody {
  @ApiProperty({ example: 'llama3.2:1b', minLength: 1, maxLength: 200 }) model: string;
  @ApiProperty({ type: [ChatMessageDto], minItems: 1, maxItems: INPUT_LIMITS.chat.maxMessages, description: 'the newest that fit the window are sent; the rest are dropped unread' })
  messages: ChatMessageDto[];
  @ApiPropertyOptional() stream?: boolean;
  @ApiPropertyOptional({ type: StreamOptionsDto }) stream_options?: StreamOptionsDto;
  @ApiPropertyOptional({ type: ResponseFormatDto }) response_format?: ResponseFormatDto;
  @ApiPropertyOptional() temperature?: number;
  @ApiPropertyOptional() top_p?: number;
  @ApiPropertyOptional({ minimum: 1 }) max_tokens?: number;
  @ApiPropertyOptional({ minimum: 1 }) max_completion_tokens?: number;
  @ApiPropertyOptional({ maxLength: 256 }) user?: string;
}

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
    private readonly streams: TurnStreamWriterFactory,
  ) {}

  /** OpenAI's chat completions, streamed (SSE chunks ending with `data: [DONE]`) or not. */
  @Post()
  @ApiOperation({ summary: 'OpenAI-compatible chat completion (stream: true for server-sent chunks)' })
  @ApiExtraModels(ChatCompletionResponse)
  @ApiOkResponse({
    description: 'a chat.completion object; with stream: true, server-sent chat.completion.chunk events ending with data: [DONE]',
    content: {
      'application/json': { schema: { $ref: getSchemaPath(ChatCompletionResponse) } },
      'text/event-stream': { schema: { type: 'string', description: 'data: {chat.completion.chunk} lines, then data: [DONE]; an error mid-stream is a data: {error} line' } },
    },
  })
  @IdempotencyKeyHeader()
  @ApiBody({ type: ChatCompletionDto })
  @ApiHeader({ name: 'X-Conversation-Id', required: false, description: 'store the exchange in this gus conversation' })
  @ApiHeader({ name: 'X-Resumable', required: false, description: 'true (with stream and X-Conversation-Id): the answer goes on when the client leaves, and can be reconnected to' })
  async create(
    @CurrentPrincipal() principal: Principal,
    @Body(ChatCompletionBodyPipe) body: ChatCompletionBody,
    @Headers('x-conversation-id') conversationHeader: string | undefined,
    @Req() req: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const conversationId = conversationHeader ? validUuid(conversationHeader) : undefined;
    const request: ChatCompletionRequest = {
      model: body.model,
      messages: body.messages,
      format: body.response_format?.type === 'json_object' ? ('json' as const) : undefined,
      maxTokens: body.max_completion_tokens ?? body.max_tokens,
      conversationId,
    };
    const resumable = headerOf(req, 'x-resumable') === 'true';
    if (resumable && !(body.stream && conversationId)) throw invalid('X-Resumable needs stream: true and X-Conversation-Id');
    const writer = resumable && conversationId ? this.streams.create({ userId: principal.userId, conversationId }) : null;
    const abort = new AbortController();
    const settled = onClientGone(reply, abort, writer, (principal.plan.resumableGraceSeconds ?? DEFAULT_RESUMABLE_GRACE_SECONDS) * 1000);
    await this.idempotency.run(
      { userId: principal.userId, key: headerOf(req, 'idempotency-key'), route: `POST ${req.url.split('?')[0]} ${conversationId ?? ''}`, body },
      async () => {
        try {
          return await (body.stream ? this.stream(principal, request, body, req, reply, abort.signal, writer) : this.json(principal, request, req, reply, abort.signal));
        } finally {
          settled();
        }
      },
      (stored) => {
        void reply.header('Idempotent-Replayed', 'true');
        const completion = stored.body as ReturnType<typeof toCompletionResponse>;
        if (!body.stream) {
          void reply.status(stored.status).send(completion);
          return;
        }
        const events = new ChunkEventStream(reply);
        const id = completion.id.replace(/^chatcmpl-/, '');
        events.chunk(toChunk(id, completion.created, completion.model, { role: 'assistant', content: completion.choices[0]!.message.content }, null));
        events.chunk(toChunk(id, completion.created, completion.model, {}, completion.choices[0]!.finish_reason));
        if (body.stream_options?.include_usage) events.chunk({ ...toChunk(id, completion.created, completion.model, {}, null), choices: [], usage: completion.usage });
        events.done();
      },
    );
  }

  private async json(principal: Principal, request: ChatCompletionRequest, req: FastifyRequest, reply: FastifyReply, signal: AbortSignal): Promise<StoredResponse> {
    const completion = await this.completions.complete(principal, request, { signal, traceId: req.traceId, setHeader: (name, value) => void reply.header(name, value) });
    if (completion.conversationId) void reply.header('X-Conversation-Id', completion.conversationId);
    const response = toCompletionResponse(completion, seconds());
    void reply.status(200).send(response);
    return { status: 200, body: response };
  }

  private async stream(
    principal: Principal,
    request: ChatCompletionRequest,
    body: ChatCompletionBody,
    req: FastifyRequest,
    reply: FastifyReply,
    signal: AbortSignal,
    writer: TurnStreamWriter | null,
  ): Promise<StoredResponse> {
    const created = seconds();
    const events = new ChunkEventStream(reply, writer ? (event) => writer.record(event) : undefined);
    let opened = false;
    const open = (id: string) => {
      if (opened) return;
      opened = true;
      events.chunk(toChunk(id, created, body.model, { role: 'assistant', content: '' }, null));
    };
    let stored: StoredResponse;
    try {
      const completion = await this.completions.complete(principal, request, {
        signal,
        traceId: req.traceId,
        setHeader: (name, value) => {
          if (!events.started) void reply.header(name, value);
        },
        listener: {
          answerStarted: (answerId, questionId) => writer?.open(answerId, questionId),
          delta: (id, text) => {
            open(id);
            events.chunk(toChunk(id, created, body.model, { content: text }, null));
          },
        },
      });
      open(completion.id);
      events.chunk(toChunk(completion.id, created, completion.model, {}, completion.finishReason));
      if (body.stream_options?.include_usage) events.chunk({ ...toChunk(completion.id, created, completion.model, {}, null), choices: [], usage: toUsage(completion) });
      stored = { status: 200, body: toCompletionResponse(completion, created) };
    } catch (error) {
      if (!events.started) throw error;
      const failure = toDomainError(error);
      errorsByCode.inc({ code: failure.code });
      events.chunk(toOpenAiError(failure));
      stored = { status: failure.status, body: { code: failure.code, message: failure.message } };
    }
    events.done();
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

function validUuid(value: string): string {
  if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(value)) throw invalid('X-Conversation-Id must be a UUID');
  return value.toLowerCase();
}
