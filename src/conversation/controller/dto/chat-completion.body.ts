import { type PipeTransform } from '@nestjs/common';
import { invalid } from '../../../../libs/errors/domain-error.js';
import { INPUT_LIMITS } from '../../../../libs/http/input-limits.js';

export type ChatRole = 'system' | 'user' | 'assistant' | 'tool';

export interface ChatMessageBody {
  role: ChatRole;
  content: string;
  name?: string;
  tool_call_id?: string;
}

/** OpenAI's chat completions body as gus reads it (the OpenAPI schema is ChatCompletionDto's). */
export interface ChatCompletionBody {
  model: string;
  messages: ChatMessageBody[];
  stream?: boolean;
  stream_options?: { include_usage?: boolean };
  response_format?: { type: 'text' | 'json_object' };
  temperature?: number;
  top_p?: number;
  max_tokens?: number;
  max_completion_tokens?: number;
  user?: string;
}

const ROLES: ReadonlySet<string> = new Set(['system', 'user', 'assistant', 'tool']);
const MESSAGE_KEYS: ReadonlySet<string> = new Set(['role', 'content', 'name', 'tool_call_id']);
const BODY_KEYS: ReadonlySet<string> = new Set(['model', 'messages', 'stream', 'stream_options', 'response_format', 'temperature', 'top_p', 'max_tokens', 'max_completion_tokens', 'user']);
const OPTIONAL_BODY_KEYS = [...BODY_KEYS].filter((key) => key !== 'model' && key !== 'messages');
const OPTIONAL_MESSAGE_KEYS = ['name', 'tool_call_id'];
const MAX_CONTENT_CHARS = 1_000_000;

type Problems = string[];

/** OpenAI takes null in an optional parameter as "not given", and so does gus (README, Decisions: null). */
function dropNulls(value: Record<string, unknown>, keys: readonly string[]): void {
  for (const key of keys) if (value[key] === null) delete value[key];
}
const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

function unknownKeys(value: Record<string, unknown>, allowed: ReadonlySet<string>, path: string, problems: Problems): void {
  for (const key in value) if (!allowed.has(key)) problems.push(`property ${path}${key} should not exist`);
}

function optionalString(value: unknown, name: string, max: number, problems: Problems): void {
  if (value === undefined) return;
  if (typeof value !== 'string') problems.push(`${name} must be a string`);
  else if (value.length > max) problems.push(`${name} must be shorter than or equal to ${max} characters`);
}

function optionalNumber(value: unknown, name: string, problems: Problems, positiveInteger = false): void {
  if (value === undefined) return;
  if (typeof value !== 'number' || !Number.isFinite(value)) problems.push(`${name} must be a number`);
  else if (positiveInteger && (!Number.isInteger(value) || value < 1)) problems.push(`${name} must be an integer of at least 1`);
}

/**
 * The chat completions body checked in one pass: up to 1,000 messages of up to 1,000,000 characters each, with
 * the messages class-validator would give. Hand-written because class-validator's nested validation looks up
 * each message's metadata anew (100–300 ms for 1,000 messages, holding the event loop); this costs one loop.
 */
export function parseChatCompletionBody(value: unknown): ChatCompletionBody {
  if (!isObject(value)) throw invalid('the body must be a JSON object');
  const problems: Problems = [];
  dropNulls(value, OPTIONAL_BODY_KEYS);
  unknownKeys(value, BODY_KEYS, '', problems);
  if (typeof value.model !== 'string' || value.model.length < 1 || value.model.length > 200) problems.push('model must be a string of 1 to 200 characters');
  const messages = value.messages;
  if (!Array.isArray(messages)) problems.push('messages must be an array');
  else if (messages.length < 1) problems.push('messages must contain at least 1 elements');
  else if (messages.length > INPUT_LIMITS.chat.maxMessages) problems.push(`messages must contain no more than ${INPUT_LIMITS.chat.maxMessages} elements`);
  else {
    for (let i = 0; i < messages.length && problems.length < 10; i++) {
      const message: unknown = messages[i];
      const at = `messages.${i}.`;
      if (!isObject(message)) {
        problems.push(`${at.slice(0, -1)} must be an object`);
        continue;
      }
      dropNulls(message, OPTIONAL_MESSAGE_KEYS);
      unknownKeys(message, MESSAGE_KEYS, at, problems);
      if (typeof message.role !== 'string' || !ROLES.has(message.role)) problems.push(`${at}role must be one of the following values: system, user, assistant, tool`);
      if (typeof message.content !== 'string') problems.push(`${at}content must be a string`);
      else if (message.content.length > MAX_CONTENT_CHARS) problems.push(`${at}content must be shorter than or equal to ${MAX_CONTENT_CHARS} characters`);
      optionalString(message.name, `${at}name`, 64, problems);
      optionalString(message.tool_call_id, `${at}tool_call_id`, 128, problems);
    }
  }
  if (value.stream !== undefined && typeof value.stream !== 'boolean') problems.push('stream must be a boolean value');
  if (value.stream_options !== undefined) {
    if (!isObject(value.stream_options)) problems.push('stream_options must be an object');
    else {
      dropNulls(value.stream_options, ['include_usage']);
      unknownKeys(value.stream_options, new Set(['include_usage']), 'stream_options.', problems);
      if (value.stream_options.include_usage !== undefined && typeof value.stream_options.include_usage !== 'boolean') problems.push('stream_options.include_usage must be a boolean value');
    }
  }
  if (value.response_format !== undefined) {
    if (!isObject(value.response_format)) problems.push('response_format must be an object');
    else {
      unknownKeys(value.response_format, new Set(['type']), 'response_format.', problems);
      if (value.response_format.type !== 'text' && value.response_format.type !== 'json_object') problems.push('response_format.type must be one of the following values: text, json_object');
    }
  }
  optionalNumber(value.temperature, 'temperature', problems);
  optionalNumber(value.top_p, 'top_p', problems);
  optionalNumber(value.max_tokens, 'max_tokens', problems, true);
  optionalNumber(value.max_completion_tokens, 'max_completion_tokens', problems, true);
  optionalString(value.user, 'user', 256, problems);
  if (problems.length > 0) throw invalid(problems.join('; '));
  return value as unknown as ChatCompletionBody;
}

/** `@Body(ChatCompletionBodyPipe)` on a parameter typed by the interface (which the global ValidationPipe skips). */
export class ChatCompletionBodyPipe implements PipeTransform<unknown, ChatCompletionBody> {
  transform(value: unknown): ChatCompletionBody {
    return parseChatCompletionBody(value);
  }
}
