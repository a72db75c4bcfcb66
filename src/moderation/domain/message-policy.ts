import { DomainError } from '../../../libs/errors/domain-error.js';

export interface MessageLimits {
  maxChars: number;
}

/** The first checks every message passes, before anything is stored or sent to a model. */
export function checkMessage(content: string, limits: MessageLimits): void {
  if (content.trim().length === 0) throw new DomainError('EMPTY_MESSAGE', 'the message is empty');
  if (content.length > limits.maxChars) {
    throw new DomainError('MESSAGE_TOO_LONG', `the message has ${content.length} characters; the limit is ${limits.maxChars}`);
  }
}
