import {
  CONVERSATION_STATES,
  REQUESTABLE_STATES,
  assertAcceptsMessages,
  assertEditable,
  changeState,
  type Conversation,
} from '../../../src/conversation/domain/conversation.js';
import { DomainError } from '../../../libs/errors/domain-error.js';

const conversation = (state: Conversation['state']): Conversation => ({
  id: 'c', userId: 'u', title: null, model: null, systemPrompt: null, metadata: {}, state, stateChangedAt: new Date(0),
  currentLeafId: null, messageCount: 0, createdAt: new Date(0), updatedAt: new Date(0), lastMessageAt: null,
  forkedFromConversationId: null, forkedFromMessageId: null, temporary: false,
});

describe('conversation states', () => {
  it.each(['paused', 'archived'] as const)('refuses new messages while %s', (state) => {
    expect(() => assertAcceptsMessages(conversation(state))).toThrow(expect.objectContaining({ code: 'CONVERSATION_NOT_ACTIVE' }));
  });

  it.each(['active', 'inactive'] as const)('accepts new messages while %s', (state) => {
    expect(() => assertAcceptsMessages(conversation(state))).not.toThrow();
  });

  it('records when the state changed, and leaves an unchanged state alone', () => {
    const at = new Date('2026-11-24T10:00:00Z');
    const paused = changeState(conversation('active'), 'paused', at);
    expect(paused.conversation).toMatchObject({ state: 'paused', stateChangedAt: at, updatedAt: at });
    expect(paused.change).toEqual({ from: 'active', to: 'paused', reason: 'requested', at });
    const same = conversation('paused');
    expect(changeState(same, 'paused', at)).toEqual({ conversation: same, change: null });
  });

  it('keeps an archived conversation read-only', () => {
    expect(() => assertEditable(conversation('archived'))).toThrow(expect.objectContaining({ code: 'CONVERSATION_NOT_ACTIVE' }));
    expect(() => assertEditable(conversation('paused'))).not.toThrow();
  });

  it('throws coded domain errors that map to HTTP 409', () => {
    try {
      assertAcceptsMessages(conversation('paused'));
      throw new Error('expected a throw');
    } catch (error) {
      expect(error).toBeInstanceOf(DomainError);
      expect((error as DomainError).status).toBe(409);
    }
  });

  it('has four states, of which a client may ask for all but inactive', () => {
    expect(CONVERSATION_STATES).toEqual(['active', 'inactive', 'paused', 'archived']);
    expect(REQUESTABLE_STATES).toEqual(['active', 'paused', 'archived']);
  });

  it('says why a message or an edit is refused', () => {
    expect(() => assertAcceptsMessages(conversation('paused'))).toThrow(
      new DomainError('CONVERSATION_NOT_ACTIVE', 'the conversation is paused; resume it to send messages'),
    );
    expect(() => assertAcceptsMessages(conversation('archived'))).toThrow(
      new DomainError('CONVERSATION_NOT_ACTIVE', 'the conversation is archived; resume it to send messages'),
    );
    expect(() => assertEditable(conversation('archived'))).toThrow(
      new DomainError('CONVERSATION_NOT_ACTIVE', 'the conversation is archived and read-only; set state to active to edit it'),
    );
    expect(() => assertEditable(conversation('active'))).not.toThrow();
    expect(() => assertEditable(conversation('inactive'))).not.toThrow();
  });

  it('changes only the state and its times, and leaves the original conversation as it was', () => {
    const at = new Date('2026-11-24T10:00:00Z');
    const before = { ...conversation('inactive'), title: 'Trip', messageCount: 3 };
    const { conversation: after, change } = changeState(before, 'active', at);
    expect(after).toEqual({ ...before, state: 'active', stateChangedAt: at, updatedAt: at });
    expect(change).toEqual({ from: 'inactive', to: 'active', reason: 'requested', at });
    expect(before.state).toBe('inactive');
    expect(before.updatedAt).toEqual(new Date(0));
  });
});
