import { DomainError } from '../../../libs/errors/domain-error.js';

export type ConversationState = 'active' | 'inactive' | 'paused' | 'archived';
export const CONVERSATION_STATES: readonly ConversationState[] = ['active', 'inactive', 'paused', 'archived'];
/** The states a client may ask for; inactive is reached by idling, not by request. */
export const REQUESTABLE_STATES = ['active', 'paused', 'archived'] as const;
export type RequestableState = (typeof REQUESTABLE_STATES)[number];

export interface Conversation {
  id: string;
  userId: string;
  title: string | null;
  model: string | null;
  systemPrompt: string | null;
  metadata: Record<string, unknown>;
  state: ConversationState;
  stateChangedAt: Date;
  currentLeafId: string | null;
  messageCount: number;
  createdAt: Date;
  updatedAt: Date;
  lastMessageAt: Date | null;
  forkedFromConversationId: string | null;
  forkedFromMessageId: string | null;
  /** Never found by search; deleted soon after its last activity (the plan's retention.temporaryMinutes). */
  temporary: boolean;
}

export interface StateChange {
  from: ConversationState;
  to: ConversationState;
  reason: 'requested' | 'idle' | 'new message';
  at: Date;
}

/** New messages are refused while paused or archived; an inactive conversation wakes up on its next message. */
export function assertAcceptsMessages(conversation: Conversation): void {
  if (conversation.state === 'paused' || conversation.state === 'archived') {
    throw new DomainError('CONVERSATION_NOT_ACTIVE', `the conversation is ${conversation.state}; resume it to send messages`);
  }
}

/** An archived conversation is read-only: only un-archiving it is allowed. */
export function assertEditable(conversation: Conversation): void {
  if (conversation.state === 'archived') {
    throw new DomainError('CONVERSATION_NOT_ACTIVE', 'the conversation is archived and read-only; set state to active to edit it');
  }
}

/** The conversation after a state change asked for by its owner, and the change to record (none if unchanged). */
export function changeState(conversation: Conversation, target: RequestableState, at: Date): { conversation: Conversation; change: StateChange | null } {
  if (conversation.state === target) return { conversation, change: null };
  return {
    conversation: { ...conversation, state: target, stateChangedAt: at, updatedAt: at },
    change: { from: conversation.state, to: target, reason: 'requested', at },
  };
}
