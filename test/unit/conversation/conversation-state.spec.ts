import { assertAcceptsMessages, assertEditable, changeState, type Conversation } from '../../../src/conversation/domain/conversation.js';
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
});
