import { ApiResponse } from '@nestjs/swagger';
import { applyDecorators } from '@nestjs/common';

// OpenAPI schemas of what the conversation routes answer (the mappers in conversation.dto.ts).

const nullable = (schema: Record<string, unknown>) => ({ ...schema, nullable: true });
const time = { type: 'string', format: 'date-time' };
const id = { type: 'string', format: 'uuid' };

export const CONVERSATION_SCHEMA = {
  type: 'object',
  properties: {
    id,
    title: nullable({ type: 'string' }),
    model: nullable({ type: 'string' }),
    systemPrompt: nullable({ type: 'string' }),
    metadata: nullable({ type: 'object', additionalProperties: true }),
    state: { type: 'string', enum: ['active', 'inactive', 'paused', 'archived'] },
    stateChangedAt: time,
    currentLeafId: nullable(id),
    messageCount: { type: 'integer' },
    createdAt: time,
    updatedAt: time,
    lastMessageAt: nullable(time),
    forkedFrom: nullable({ type: 'object', properties: { conversationId: id, messageId: nullable(id) } }),
  },
};

export const MESSAGE_SCHEMA = {
  type: 'object',
  properties: {
    id,
    conversationId: id,
    parentId: nullable(id),
    role: { type: 'string', enum: ['system', 'user', 'assistant'] },
    content: { type: 'string' },
    status: { type: 'string', description: 'complete, failed, interrupted (assistant messages)' },
    tokenCount: { type: 'integer' },
    model: nullable({ type: 'string' }),
    promptTokens: nullable({ type: 'integer' }),
    completionTokens: nullable({ type: 'integer' }),
    latencyMs: nullable({ type: 'integer' }),
    ttftMs: nullable({ type: 'integer' }),
    costMicros: nullable({ type: 'integer' }),
    errorCode: nullable({ type: 'string' }),
    traceId: nullable({ type: 'string' }),
    context: nullable({ type: 'object', additionalProperties: true, description: 'what the prompt held (assistant messages)' }),
    createdAt: time,
    completedAt: nullable(time),
  },
};

const TURN_SCHEMA = {
  type: 'object',
  properties: {
    userMessage: nullable(MESSAGE_SCHEMA),
    assistantMessage: MESSAGE_SCHEMA,
    usage: {
      type: 'object',
      properties: { promptTokens: { type: 'integer' }, completionTokens: { type: 'integer' }, totalTokens: { type: 'integer' }, costMicros: { type: 'integer' } },
      additionalProperties: true,
    },
    finishReason: { type: 'string' },
    warnings: { type: 'array', items: { type: 'string' } },
  },
};

const SSE = {
  'text/event-stream': {
    schema: { type: 'string', description: 'with stream: true: events message.created, message.delta (one per chunk), message.completed or error' },
  },
};

export const ConversationResponse = (status = 200) => ApiResponse({ status, description: 'the conversation', schema: CONVERSATION_SCHEMA });

export const ConversationDetailResponse = () =>
  ApiResponse({
    status: 200,
    description: 'the conversation with its usage totals and state changes',
    schema: {
      allOf: [
        CONVERSATION_SCHEMA,
        { type: 'object', properties: { usage: { type: 'object', additionalProperties: true }, stateChanges: { type: 'array', items: { type: 'object', additionalProperties: true } } } },
      ],
    },
  });

export const ConversationPageResponse = () =>
  ApiResponse({ status: 200, description: 'a page of conversations, newest first', schema: { type: 'object', properties: { data: { type: 'array', items: CONVERSATION_SCHEMA }, nextCursor: nullable({ type: 'string' }) } } });

export const BranchResponse = () =>
  ApiResponse({
    status: 200,
    description: 'the messages of the branch, root first',
    schema: { type: 'object', properties: { conversationId: id, leafId: nullable(id), data: { type: 'array', items: MESSAGE_SCHEMA } } },
  });

export const TreeResponse = () =>
  ApiResponse({
    status: 200,
    description: 'every message, each with its children',
    schema: {
      type: 'object',
      properties: {
        conversationId: id,
        currentLeafId: nullable(id),
        rootIds: { type: 'array', items: id },
        messages: { type: 'array', items: { allOf: [MESSAGE_SCHEMA, { type: 'object', properties: { childIds: { type: 'array', items: id } } }] } },
      },
    },
  });

/** A turn: 201 with JSON, or 200 with server-sent events. */
export const TurnResponse = () =>
  applyDecorators(
    ApiResponse({ status: 201, description: 'the stored question and answer, usage and warnings', content: { 'application/json': { schema: TURN_SCHEMA } } }),
    ApiResponse({ status: 200, description: 'stream: true', content: SSE }),
  );

export const DeletedResponse = () => ApiResponse({ status: 204, description: 'deleted' });

export const FeedbackResponse = () =>
  ApiResponse({
    status: 200,
    description: 'the rating as stored (one per answer, replaced by the next)',
    schema: {
      type: 'object',
      properties: { messageId: id, conversationId: id, rating: { type: 'string' }, reason: nullable({ type: 'string' }), comment: nullable({ type: 'string' }), createdAt: time, updatedAt: time },
    },
  });

export const ExportResponse = () =>
  ApiResponse({
    status: 200,
    description: 'a download: JSON by default, Markdown with format=markdown',
    content: {
      'application/json': {
        schema: {
          type: 'object',
          properties: {
            conversation: CONVERSATION_SCHEMA,
            messages: { type: 'array', items: MESSAGE_SCHEMA },
            feedback: { type: 'array', items: { type: 'object', additionalProperties: true } },
            usage: { type: 'object', additionalProperties: true },
          },
        },
      },
      'text/markdown': { schema: { type: 'string' } },
    },
  });

export const StreamResponse = () => ApiResponse({ status: 200, description: 'the events after Last-Event-ID, then the live rest', content: SSE });
