import { DomainError } from '../../../libs/errors/domain-error.js';

export interface MessageLimits {
  maxChars: number;
  /** The plan's limit in tokens; unset: only the character limit applies. */
  maxTokens?: number;
}

/** What the caller measured about the message (counting tokens is the llm context's job). */
export interface MeasuredMessage {
  tokens?: number;
}

/** The first checks every message passes, before anything is stored or sent to a model. */
export function checkMessage(content: string, limits: MessageLimits, measured: MeasuredMessage = {}): void {
  if (content.trim().length === 0) throw new DomainError('EMPTY_MESSAGE', 'the message is empty');
  if (content.length > limits.maxChars) {
    throw new DomainError('MESSAGE_TOO_LONG', `the message has ${content.length} characters; the limit is ${limits.maxChars}`);
  }
  if (limits.maxTokens !== undefined && measured.tokens !== undefined && measured.tokens > limits.maxTokens) {
    throw new DomainError('MESSAGE_TOO_LONG', `the message has ${measured.tokens} tokens; the limit of your plan is ${limits.maxTokens}`);
  }
}

/** A user-supplied system prompt may be blank (no layer) but not longer than a message. */
export function checkSystemPrompt(text: string, limits: Pick<MessageLimits, 'maxChars'>): void {
  if (text.length > limits.maxChars) {
    throw new DomainError('MESSAGE_TOO_LONG', `the system prompt has ${text.length} characters; the limit is ${limits.maxChars}`);
  }
}
