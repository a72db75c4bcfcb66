import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsBoolean, IsIn, IsInt, IsISO8601, IsOptional, IsString, IsUUID, Length, Max, MaxLength, Min, ValidateIf } from 'class-validator';
import { OptionalNotNull, OptionalOrNull } from '../../../../libs/http/optional-fields.js';
import { QueryInt } from '../../../../libs/http/query-int.js';
import { CONVERSATION_STATES, REQUESTABLE_STATES, type Conversation, type ConversationState, type RequestableState } from '../../domain/conversation.js';
import { EXPORT_FORMATS, type ExportFormat } from '../../domain/conversation-export.js';
import { MAX_COMMENT_CHARS, MAX_REASON_CHARS, RATINGS, type Feedback, type Rating } from '../../domain/feedback.js';
import type { Message } from '../../domain/message.js';
import { IsConversationMetadata } from './metadata.validator.js';

export class CreateConversationDto {
  @ApiPropertyOptional() @OptionalOrNull() @IsString() @MaxLength(500) title?: string;
  @ApiPropertyOptional({ example: 'llama3.2:1b' }) @OptionalOrNull() @IsString() @Length(1, 200) model?: string;
  @ApiPropertyOptional() @OptionalOrNull() @IsString() @MaxLength(1_000_000) systemPrompt?: string;
  @ApiPropertyOptional({ type: 'object', additionalProperties: true, description: 'a JSON object: at most 64 keys (at every level), 4 levels, 8 KB' })
  @OptionalOrNull()
  @IsConversationMetadata()
  metadata?: Record<string, unknown>;
  @ApiPropertyOptional({ default: false, description: 'never found by search; deleted soon after its last activity (the plan decides how soon)' })
  @OptionalOrNull()
  @IsBoolean()
  temporary?: boolean;
}

export class UpdateConversationDto {
  @ApiPropertyOptional({ nullable: true }) @IsOptional() @ValidateIf((_, v) => v !== null) @IsString() @MaxLength(500) title?: string | null;
  @ApiPropertyOptional({ enum: REQUESTABLE_STATES, description: 'paused = pause, active = resume or unarchive, archived = archive' })
  @OptionalNotNull()
  @IsIn(REQUESTABLE_STATES)
  state?: RequestableState;
  @ApiPropertyOptional({ nullable: true }) @IsOptional() @ValidateIf((_, v) => v !== null) @IsString() @MaxLength(1_000_000) systemPrompt?: string | null;
  @ApiPropertyOptional({ description: 'make the branch ending at this message the current one' }) @OptionalNotNull() @IsUUID() currentLeafId?: string;
}

export class ListConversationsQuery {
  @ApiPropertyOptional({ enum: CONVERSATION_STATES, description: 'default: every state but archived' }) @IsOptional() @IsIn(CONVERSATION_STATES) state?: ConversationState;
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(200) model?: string;
  @ApiPropertyOptional({ description: 'created at or after (ISO 8601)' }) @IsOptional() @IsISO8601() from?: string;
  @ApiPropertyOptional({ description: 'created at or before (ISO 8601)' }) @IsOptional() @IsISO8601() to?: string;
  @ApiPropertyOptional({ description: 'full text over the title and every message (web search syntax)' }) @IsOptional() @IsString() @Length(1, 200) q?: string;
  @ApiPropertyOptional({ default: 20, maximum: 100 }) @IsOptional() @QueryInt() @Min(1) @Max(100) limit?: number;
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(300) cursor?: string;
}

export class TurnOptionsDto {
  @ApiPropertyOptional() @OptionalOrNull() @IsString() @Length(1, 200) model?: string;
  @ApiPropertyOptional({ default: false }) @OptionalOrNull() @IsBoolean() stream?: boolean;
  @ApiPropertyOptional({ default: false, description: 'with stream: the answer goes on when the client leaves (the plan\'s grace period) and can be reconnected to' })
  @OptionalOrNull()
  @IsBoolean()
  resumable?: boolean;
  @ApiPropertyOptional({ description: 'the request layer of the system prompt (after global, model, plan and conversation)' })
  @OptionalOrNull()
  @IsString()
  @MaxLength(1_000_000)
  systemPrompt?: string;
  @ApiPropertyOptional({ enum: ['json'], description: 'control: answer with one JSON object (checked)' }) @OptionalOrNull() @IsIn(['json']) format?: 'json';
  @ApiPropertyOptional({ description: 'the most tokens the answer may have (the room reserved for it caps it anyway)', minimum: 1 })
  @OptionalOrNull()
  @IsInt()
  @Min(1)
  @Max(1_000_000)
  maxTokens?: number;
}

export class SendMessageDto extends TurnOptionsDto {
  @ApiProperty({ example: 'Hello!' }) @IsString() @MaxLength(1_000_000) content: string;
  @ApiPropertyOptional({ description: 'an earlier message to continue from: starts a branch' }) @OptionalOrNull() @IsUUID() parentId?: string;
}

export class RegenerateDto extends TurnOptionsDto {}

export class ForkDto {
  @ApiProperty({ description: 'the last message the fork keeps (the path root → it is copied)' }) @IsUUID() messageId: string;
}

export class FeedbackDto {
  @ApiProperty({ enum: RATINGS }) @IsIn(RATINGS) rating: Rating;
  @ApiPropertyOptional({ maxLength: MAX_REASON_CHARS, example: 'inaccurate' }) @IsOptional() @IsString() @Length(1, MAX_REASON_CHARS) reason?: string;
  @ApiPropertyOptional({ maxLength: MAX_COMMENT_CHARS }) @IsOptional() @IsString() @Length(1, MAX_COMMENT_CHARS) comment?: string;
}

export function toFeedbackResponse(feedback: Feedback) {
  return {
    messageId: feedback.messageId,
    conversationId: feedback.conversationId,
    rating: feedback.rating,
    reason: feedback.reason,
    comment: feedback.comment,
    createdAt: feedback.createdAt.toISOString(),
    updatedAt: feedback.updatedAt.toISOString(),
  };
}

export class ExportQuery {
  @ApiPropertyOptional({ enum: EXPORT_FORMATS, default: 'json' }) @IsOptional() @IsIn(EXPORT_FORMATS) format?: ExportFormat;
}

export class BranchQuery {
  @ApiPropertyOptional({ description: 'show the branch ending at this message instead of the current one' })
  @IsOptional()
  @Transform(({ value }) => (typeof value === 'string' ? value.toLowerCase() : value))
  @IsUUID()
  leafId?: string;
}

/** The fields of a conversation a client sees. */
export function toConversationResponse(conversation: Conversation) {
  return {
    id: conversation.id,
    title: conversation.title,
    model: conversation.model,
    systemPrompt: conversation.systemPrompt,
    metadata: conversation.metadata,
    state: conversation.state,
    stateChangedAt: conversation.stateChangedAt.toISOString(),
    currentLeafId: conversation.currentLeafId,
    messageCount: conversation.messageCount,
    createdAt: conversation.createdAt.toISOString(),
    updatedAt: conversation.updatedAt.toISOString(),
    lastMessageAt: conversation.lastMessageAt?.toISOString() ?? null,
    forkedFrom: conversation.forkedFromConversationId
      ? { conversationId: conversation.forkedFromConversationId, messageId: conversation.forkedFromMessageId }
      : null,
    temporary: conversation.temporary,
  };
}

/** The fields of a message a client sees. */
export function toMessageResponse(message: Message) {
  return {
    id: message.id,
    conversationId: message.conversationId,
    parentId: message.parentId,
    role: message.role,
    content: message.content,
    status: message.status,
    tokenCount: message.tokenCount,
    model: message.model,
    promptTokens: message.promptTokens,
    completionTokens: message.completionTokens,
    latencyMs: message.latencyMs,
    ttftMs: message.ttftMs,
    costMicros: message.costMicros,
    errorCode: message.errorCode,
    traceId: message.traceId,
    context: message.context,
    createdAt: message.createdAt.toISOString(),
    completedAt: message.completedAt?.toISOString() ?? null,
  };
}
