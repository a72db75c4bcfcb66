import { Body, Controller, Delete, Get, HttpCode, Param, ParseUUIDPipe, Patch, Post, Put, Query, Req, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiHeader, ApiOperation, ApiTags } from '@nestjs/swagger';
import { IdempotencyKeyHeader } from '../../../libs/http/openapi.js';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { CurrentPrincipal } from '../../../libs/auth/auth.decorators.js';
import type { Principal } from '../../../libs/auth/principal.js';
import { DEFAULT_RESUMABLE_GRACE_SECONDS } from '../../../libs/auth/principal.js';
import { invalid, notFound } from '../../../libs/errors/domain-error.js';
import { toDomainError } from '../../../libs/errors/http-error.filter.js';
import { headerOf } from '../../../libs/http/headers.js';
import { requestWarnings } from '../../../libs/http/request-warnings.js';
import { UsageFacade } from '../../usage/usage.facade.js';
import type { StoredResponse } from '../domain/idempotency.js';
import { ConversationsService } from '../service/conversations.service.js';
import { FeedbackService } from '../service/feedback.service.js';
import { UserDataService } from '../service/user-data.service.js';
import { toMarkdown } from '../domain/conversation-export.js';
import { IdempotencyService } from '../service/idempotency.service.js';
import { SendMessageService, type TurnRequestContext, type TurnResult } from '../service/send-message.service.js';
import { TurnStreamStore, TurnStreamWriterFactory, type TurnStreamWriter } from '../service/turn-stream.store.js';
import {
  BranchQuery,
  CreateConversationDto,
  ExportQuery,
  FeedbackDto,
  ForkDto,
  RegenerateDto,
  ListConversationsQuery,
  SendMessageDto,
  UpdateConversationDto,
  toConversationResponse,
  toFeedbackResponse,
  toMessageResponse,
} from './dto/conversation.dto.js';
import {
  BranchResponse,
  ConversationDetailResponse,
  ConversationPageResponse,
  ConversationResponse,
  DeletedResponse,
  ExportResponse,
  FeedbackResponse,
  StreamResponse,
  TreeResponse,
  TurnResponse,
} from './dto/conversation.schemas.js';
import { TurnEventStream, onClientGone } from './turn-event-stream.js';

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
    private readonly feedback: FeedbackService,
    private readonly data: UserDataService,
    private readonly streams: TurnStreamWriterFactory,
    private readonly streamStore: TurnStreamStore,
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

  /** The whole tree with ratings and usage, as JSON or as a Markdown document (a download either way). */
  @Get(':id/export')
  @ExportResponse()
  @ApiOperation({ summary: 'Export the whole tree with ratings and usage, as JSON or Markdown (a download)' })
  async export(@CurrentPrincipal() principal: Principal, @Param('id', uuid) id: string, @Query() query: ExportQuery, @Res({ passthrough: true }) reply: FastifyReply) {
    const doc = await this.data.exportConversation(principal, id);
    const markdown = query.format === 'markdown';
    void reply.header('content-disposition', `attachment; filename="conversation-${id}.${markdown ? 'md' : 'json'}"`);
    if (markdown) {
      void reply.type('text/markdown; charset=utf-8');
      return toMarkdown(doc);
    }
    return {
      conversation: toConversationResponse(doc.conversation),
      messages: doc.messages.map(toMessageResponse),
      feedback: doc.feedback.map(toFeedbackResponse),
      usage: doc.usage,
    };
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
    const { stream: _stream, resumable: _resumable, ...input } = body;
    return this.respond(principal, id, req, reply, body, (context) => this.turns.send(principal, id, input, context));
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
    const { stream: _stream, resumable: _resumable, ...options } = body;
    return this.respond(principal, id, req, reply, body, (context) => this.turns.regenerate(principal, id, messageId, options, context));
  }

  /** The caller's rating of an answer: one per answer, replaced by the next. */
  @Put(':id/messages/:messageId/feedback')
  @FeedbackResponse()
  @ApiOperation({ summary: 'Rate an answer (one rating per answer, replaced by the next)' })
  async rate(@CurrentPrincipal() principal: Principal, @Param('id', uuid) id: string, @Param('messageId', uuid) messageId: string, @Body() body: FeedbackDto) {
    return toFeedbackResponse(await this.feedback.rate(principal, id, messageId, body));
  }

  /**
   * Reconnects to a resumable stream (by the answer's id, or the question's): the events after Last-Event-ID, then
   * the live rest, on any instance; a finished stream replays for GUS_STREAM_REPLAY_SECONDS.
   */
  @Get(':id/messages/:messageId/stream')
  @StreamResponse()
  @ApiOperation({ summary: 'Reconnect to a resumable stream: the events after Last-Event-ID, then the live rest' })
  @ApiHeader({ name: 'Last-Event-ID', required: false, description: 'the id of the last event received; default: from the start' })
  async resume(
    @CurrentPrincipal() principal: Principal,
    @Param('id', uuid) id: string,
    @Param('messageId', uuid) messageId: string,
    @Req() req: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const lastEventId = headerOf(req, 'last-event-id');
    if (lastEventId !== undefined && !/^\d{1,9}$/.test(lastEventId)) throw invalid('Last-Event-ID must be the id of an event of this stream');
    await this.conversations.get(principal, id);
    const found = await this.streamStore.find(messageId);
    if (!found || found.owner.userId !== principal.userId || found.owner.conversationId !== id) throw notFound('stream');
    const events = new TurnEventStream(reply);
    const gone = new AbortController();
    reply.raw.on('close', () => gone.abort());
    events.open();
    await this.streamStore.read(found.streamId, Number(lastEventId ?? 0), (event) => events.replay(event), gone.signal);
    events.end();
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
    conversationId: string,
    req: FastifyRequest,
    reply: FastifyReply,
    body: { stream?: boolean; resumable?: boolean },
    run: (context: TurnRequestContext) => Promise<TurnResult>,
  ): Promise<void> {
    const abort = new AbortController();
    const writer = body.stream && body.resumable ? this.streams.create({ userId: principal.userId, conversationId }) : null;
    // The client going away (socket closed before the answer is written) interrupts the turn; a resumable one
    // only once the plan's grace period has passed with no reader attached.
    const settled = onClientGone(reply, abort, writer, (principal.plan.resumableGraceSeconds ?? DEFAULT_RESUMABLE_GRACE_SECONDS) * 1000);
    return this.idempotency.run(
      { userId: principal.userId, key: headerOf(req, 'idempotency-key'), route: `POST ${req.url.split('?')[0]}`, body },
      async () => {
        try {
          return await (body.stream ? this.stream(req, reply, abort.signal, run, writer) : this.json(req, reply, abort.signal, run));
        } finally {
          settled();
        }
      },
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

  private async stream(
    req: FastifyRequest,
    reply: FastifyReply,
    signal: AbortSignal,
    run: (context: TurnRequestContext) => Promise<TurnResult>,
    writer: TurnStreamWriter | null,
  ): Promise<StoredResponse> {
    const events = new TurnEventStream(reply, writer ? (event) => writer.record(event) : undefined);
    try {
      const turn = await run({
        signal,
        traceId: req.traceId,
        warnings: requestWarnings(req),
        setHeader: (name, value) => {
          if (!events.started) void reply.header(name, value);
        },
        listener: {
          answerStarted: (answerId, questionId) => writer?.open(answerId, questionId),
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
