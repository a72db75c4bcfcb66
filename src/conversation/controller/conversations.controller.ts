import { Body, Controller, Delete, Get, HttpCode, Param, ParseUUIDPipe, Patch, Post, Query, Req, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { IdempotencyKeyHeader } from '../../../libs/http/openapi.js';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { CurrentPrincipal } from '../../../libs/auth/auth.decorators.js';
import type { Principal } from '../../../libs/auth/principal.js';
import { invalid } from '../../../libs/errors/domain-error.js';
import { toDomainError } from '../../../libs/errors/http-error.filter.js';
import { headerOf } from '../../../libs/http/headers.js';
import { requestWarnings } from '../../../libs/http/request-warnings.js';
import { UsageFacade } from '../../usage/usage.facade.js';
import type { StoredResponse } from '../domain/idempotency.js';
import { ConversationsService } from '../service/conversations.service.js';
import { IdempotencyService } from '../service/idempotency.service.js';
import { SendMessageService, type TurnRequestContext, type TurnResult } from '../service/send-message.service.js';
import {
  BranchQuery,
  CreateConversationDto,
  ForkDto,
  RegenerateDto,
  ListConversationsQuery,
  SendMessageDto,
  UpdateConversationDto,
  toConversationResponse,
  toMessageResponse,
} from './dto/conversation.dto.js';
import { BranchResponse, ConversationDetailResponse, ConversationPageResponse, ConversationResponse, DeletedResponse, TreeResponse, TurnResponse } from './dto/conversation.schemas.js';
import { TurnEventStream } from './turn-event-stream.js';

const uuid = new ParseUUIDPipe({ exceptionFactory: () => invalid('id must be a UUID') });

const toTurnResponse = (turn: TurnResult) => ({
  userMessage: turn.userMessage ? toMessageResponse(turn.userMessage) : null,
  assistantMessage: toMessageResponse(turn.assistantMessage),
  usage: turn.usage,
  finishReason: turn.finishReason,
  warnings: turn.warnings,
});

@ApiTags('conversations')
@ApiBearerAuth()
@Controller('v1/conversations')
export class ConversationsController {
  constructor(
    private readonly conversations: ConversationsService,
    private readonly turns: SendMessageService,
    private readonly usage: UsageFacade,
    private readonly idempotency: IdempotencyService,
  ) {}

  @Post()
  @ConversationResponse(201)
  @ApiOperation({ summary: 'Create a conversation' })
  @HttpCode(201)
  async create(@CurrentPrincipal() principal: Principal, @Body() body: CreateConversationDto) {
    return toConversationResponse(await this.conversations.create(principal, body));
  }

  @Get()
  @ConversationPageResponse()
  @ApiOperation({ summary: 'List the conversations of the caller (state and model filters, cursor)' })
  async list(@CurrentPrincipal() principal: Principal, @Query() query: ListConversationsQuery) {
    const page = await this.conversations.list(principal, {
      state: query.state,
      model: query.model,
      from: query.from ? new Date(query.from) : undefined,
      to: query.to ? new Date(query.to) : undefined,
      q: query.q,
      limit: query.limit ?? 20,
      cursor: query.cursor,
    });
    return { data: page.conversations.map(toConversationResponse), nextCursor: page.nextCursor };
  }

  @Get(':id')
  @ConversationDetailResponse()
  @ApiOperation({ summary: 'One conversation with its usage' })
  async get(@CurrentPrincipal() principal: Principal, @Param('id', uuid) id: string) {
    const conversation = await this.conversations.get(principal, id);
    const [usage, stateChanges] = await Promise.all([this.usage.conversationTotals(id), this.conversations.stateChanges(id)]);
    return {
      ...toConversationResponse(conversation),
      usage,
      stateChanges: stateChanges.map((change) => ({ ...change, at: change.at.toISOString() })),
    };
  }

  @Patch(':id')
  @ConversationResponse()
  @ApiOperation({ summary: 'Rename, pause, archive or switch the current branch (currentLeafId)' })
  async update(@CurrentPrincipal() principal: Principal, @Param('id', uuid) id: string, @Body() body: UpdateConversationDto) {
    if (body.title === undefined && body.state === undefined && body.systemPrompt === undefined && body.currentLeafId === undefined) {
      throw invalid('nothing to change: give title, state, systemPrompt or currentLeafId');
    }
    return toConversationResponse(await this.conversations.update(principal, id, body));
  }

  @Delete(':id')
  @DeletedResponse()
  @ApiOperation({ summary: 'Delete a conversation (its usage stays counted)' })
  @HttpCode(204)
  async delete(@CurrentPrincipal() principal: Principal, @Param('id', uuid) id: string): Promise<void> {
    await this.conversations.delete(principal, id);
  }

  @Get(':id/messages')
  @BranchResponse()
  @ApiOperation({ summary: 'The messages of a branch, root first (the current one by default)' })
  async messages(@CurrentPrincipal() principal: Principal, @Param('id', uuid) id: string, @Query() query: BranchQuery) {
    const { conversation, messages } = await this.conversations.branch(principal, id, query.leafId);
    return { conversationId: conversation.id, leafId: messages.at(-1)?.id ?? null, data: messages.map(toMessageResponse) };
  }

  @Get(':id/tree')
  @TreeResponse()
  @ApiOperation({ summary: 'The whole message tree' })
  async tree(@CurrentPrincipal() principal: Principal, @Param('id', uuid) id: string) {
    const { conversation, messages } = await this.conversations.tree(principal, id);
    const children = new Map<string, string[]>();
    for (const message of messages) {
      if (message.parentId) children.set(message.parentId, [...(children.get(message.parentId) ?? []), message.id]);
    }
    return {
      conversationId: conversation.id,
      currentLeafId: conversation.currentLeafId,
      rootIds: messages.filter((m) => m.parentId === null).map((m) => m.id),
      messages: messages.map((message) => ({ ...toMessageResponse(message), childIds: children.get(message.id) ?? [] })),
    };
  }

  /** JSON by default; `stream: true` answers with server-sent events. Writes its own response (errors go to the filter). */
  @Post(':id/messages')
  @TurnResponse()
  @ApiOperation({ summary: 'Send a message and get the answer (JSON, or server-sent events with stream: true)' })
  @IdempotencyKeyHeader()
  send(
    @CurrentPrincipal() principal: Principal,
    @Param('id', uuid) id: string,
    @Body() body: SendMessageDto,
    @Req() req: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const { stream: _stream, ...input } = body;
    return this.respond(principal, req, reply, body, (context) => this.turns.send(principal, id, input, context));
  }

  /** A new answer to the same question, as a sibling of an answer (or a child of a user message). */
  @Post(':id/messages/:messageId/regenerate')
  @TurnResponse()
  @ApiOperation({ summary: 'A new answer to the same question, as a sibling (JSON or server-sent events)' })
  @IdempotencyKeyHeader()
  regenerate(
    @CurrentPrincipal() principal: Principal,
    @Param('id', uuid) id: string,
    @Param('messageId', uuid) messageId: string,
    @Body() body: RegenerateDto,
    @Req() req: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const { stream: _stream, ...options } = body;
    return this.respond(principal, req, reply, body, (context) => this.turns.regenerate(principal, id, messageId, options, context));
  }

  @Post(':id/fork')
  @ConversationResponse(201)
  @ApiOperation({ summary: 'Fork the path root to message into a new conversation' })
  @HttpCode(201)
  async fork(@CurrentPrincipal() principal: Principal, @Param('id', uuid) id: string, @Body() body: ForkDto) {
    return toConversationResponse(await this.conversations.fork(principal, id, body.messageId));
  }

  /**
   * Runs a turn and writes it as JSON or as server-sent events; with an Idempotency-Key, a retry gets
   * the first result (as JSON, or as one created/delta/completed sequence when streaming).
   */
  private respond(
    principal: Principal,
    req: FastifyRequest,
    reply: FastifyReply,
    body: { stream?: boolean },
    run: (context: TurnRequestContext) => Promise<TurnResult>,
  ): Promise<void> {
    const abort = new AbortController();
    // The client going away (socket closed before the answer is written) interrupts the turn.
    reply.raw.on('close', () => {
      if (!reply.raw.writableFinished) abort.abort();
    });
    return this.idempotency.run(
      { userId: principal.userId, key: headerOf(req, 'idempotency-key'), route: `POST ${req.url.split('?')[0]}`, body },
      () => (body.stream ? this.stream(req, reply, abort.signal, run) : this.json(req, reply, abort.signal, run)),
      (stored) => {
        void reply.header('Idempotent-Replayed', 'true');
        if (!body.stream) {
          void reply.status(stored.status).send(stored.body);
          return;
        }
        const turn = stored.body as ReturnType<typeof toTurnResponse>;
        const events = new TurnEventStream(reply);
        if (turn.userMessage) events.send('message.created', turn.userMessage);
        events.send('message.delta', { messageId: turn.assistantMessage.id, delta: turn.assistantMessage.content });
        events.send('message.completed', { ...turn.assistantMessage, usage: turn.usage, finishReason: turn.finishReason, warnings: turn.warnings });
        events.end();
      },
    );
  }

  private async json(req: FastifyRequest, reply: FastifyReply, signal: AbortSignal, run: (context: TurnRequestContext) => Promise<TurnResult>): Promise<StoredResponse> {
    const response = toTurnResponse(await run({ signal, traceId: req.traceId, warnings: requestWarnings(req), setHeader: (name, value) => void reply.header(name, value) }));
    void reply.status(201).send(response);
    return { status: 201, body: response };
  }

  private async stream(req: FastifyRequest, reply: FastifyReply, signal: AbortSignal, run: (context: TurnRequestContext) => Promise<TurnResult>): Promise<StoredResponse> {
    const events = new TurnEventStream(reply);
    try {
      const turn = await run({
        signal,
        traceId: req.traceId,
        warnings: requestWarnings(req),
        setHeader: (name, value) => {
          if (!events.started) void reply.header(name, value);
        },
        listener: {
          userMessageStored: (message) => events.send('message.created', toMessageResponse(message)),
          delta: (messageId, delta) => events.send('message.delta', { messageId, delta }),
        },
      });
      events.send('message.completed', { ...toMessageResponse(turn.assistantMessage), usage: turn.usage, finishReason: turn.finishReason, warnings: turn.warnings });
      events.end();
      return { status: 201, body: toTurnResponse(turn) };
    } catch (error) {
      if (!events.started) throw error; // nothing streamed yet: answer with a plain JSON error
      const failure = toDomainError(error);
      events.error({ statusCode: failure.status, code: failure.code, message: failure.message, requestId: req.id });
      events.end();
      return { status: failure.status, body: { code: failure.code, message: failure.message } };
    }
  }
}
