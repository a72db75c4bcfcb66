import { EXPORT_FORMATS, toMarkdown, type ConversationExport } from '../../../src/conversation/domain/conversation-export.js';
import type { Conversation } from '../../../src/conversation/domain/conversation.js';
import type { Feedback } from '../../../src/conversation/domain/feedback.js';
import { draftMessage, type Message } from '../../../src/conversation/domain/message.js';

const conversation: Conversation = {
  id: 'c1', userId: 'u', title: 'Trip\nto Rome', model: 'llama-small', systemPrompt: null, metadata: {}, state: 'active',
  stateChangedAt: new Date(0), currentLeafId: null, messageCount: 0, createdAt: new Date('2026-11-01T09:00:00.000Z'),
  updatedAt: new Date(0), lastMessageAt: null, forkedFromConversationId: null, forkedFromMessageId: null, temporary: false,
};
const usage = { turns: 2, promptTokens: 30, completionTokens: 12, totalTokens: 42, costMicros: 7 };
const at = (minute: number) => new Date(`2026-11-01T09:${String(minute).padStart(2, '0')}:00.000Z`);
const message = (id: string, parent: Message | null, role: Message['role'], content: string, minute: number, extra: Partial<Message> = {}): Message => ({
  ...draftMessage(id, 'c1', parent, { role, content, tokenCount: 1, traceId: null }, at(minute)),
  ...extra,
});
const feedback = (messageId: string, rating: Feedback['rating'], reason: string | null, comment: string | null): Feedback => ({
  messageId, conversationId: 'c1', userId: 'u', rating, reason, comment, createdAt: new Date(0), updatedAt: new Date(0),
});

describe('conversation export', () => {
  it('comes as JSON or Markdown', () => {
    expect(EXPORT_FORMATS).toEqual(['json', 'markdown']);
  });

  it('writes the conversation header, then every branch depth-first with siblings in order, ratings and comments', () => {
    const q1 = message('q1', null, 'user', 'Plan a **trip**', 1);
    const a1 = message('a1', q1, 'assistant', '# Day 1\nColosseum', 2, { model: 'llama-small', promptTokens: 10, completionTokens: 5 });
    const q2 = message('q2', a1, 'user', 'And day 2?', 3);
    const a2 = message('a2', q1, 'assistant', 'Sorry', 4, { status: 'failed' });
    const q3 = message('q3', null, 'user', 'Second root', 5);
    const doc: ConversationExport = {
      conversation,
      // The children of one message come in the order they were written, whatever the list order around them.
      messages: [q1, a1, q3, a2, q2],
      feedback: [feedback('a1', 'down', 'wrong\nfacts', 'too\r\nlong'), feedback('a2', 'up', null, null), feedback('q9', 'up', 'gone', 'x')],
      usage,
    };
    expect(toMarkdown(doc)).toBe(
      [
        '# Trip to Rome',
        '',
        '- id: c1',
        '- model: llama-small',
        '- state: active',
        '- created: 2026-11-01T09:00:00.000Z',
        '- messages: 5',
        '- usage: 2 turns, 42 tokens (30 in, 12 out), cost 7 micros',
        '',
        '## user',
        '',
        '_2026-11-01T09:01:00.000Z · id q1 · root_',
        '',
        'Plan a **trip**',
        '',
        '## assistant',
        '',
        '_2026-11-01T09:02:00.000Z · id a1 · reply to q1 · llama-small · complete · 15 tokens · rated down (wrong facts)_',
        '',
        '# Day 1\nColosseum',
        '',
        '> feedback: too long',
        '',
        '## user',
        '',
        '_2026-11-01T09:03:00.000Z · id q2 · reply to a1_',
        '',
        'And day 2?',
        '',
        '## assistant',
        '',
        '_2026-11-01T09:04:00.000Z · id a2 · reply to q1 · model · failed · 0 tokens · rated up_',
        '',
        'Sorry',
        '',
        '## user',
        '',
        '_2026-11-01T09:05:00.000Z · id q3 · root_',
        '',
        'Second root',
        '',
      ].join('\n'),
    );
  });

  it('names an untitled conversation and a default model, and counts missing token figures as 0', () => {
    const q = message('q', null, 'user', 'hi', 1);
    const a = message('a', q, 'assistant', 'hello', 2, { model: 'm', promptTokens: null, completionTokens: 4, status: 'interrupted' });
    const doc: ConversationExport = {
      conversation: { ...conversation, title: null, model: null, state: 'archived' },
      messages: [q, a],
      feedback: [],
      usage: { turns: 0, promptTokens: 0, completionTokens: 0, totalTokens: 0, costMicros: 0 },
    };
    const lines = toMarkdown(doc).split('\n');
    expect(lines.slice(0, 8)).toEqual([
      '# Untitled conversation',
      '',
      '- id: c1',
      '- model: default',
      '- state: archived',
      '- created: 2026-11-01T09:00:00.000Z',
      '- messages: 2',
      '- usage: 0 turns, 0 tokens (0 in, 0 out), cost 0 micros',
    ]);
    expect(lines).toContain('_2026-11-01T09:02:00.000Z · id a · reply to q · m · interrupted · 4 tokens_');
  });

  it('writes only the header for a conversation without messages', () => {
    const doc: ConversationExport = { conversation, messages: [], feedback: [], usage };
    expect(toMarkdown(doc)).toBe(
      '# Trip to Rome\n\n- id: c1\n- model: llama-small\n- state: active\n- created: 2026-11-01T09:00:00.000Z\n- messages: 0\n' +
        '- usage: 2 turns, 42 tokens (30 in, 12 out), cost 7 micros\n',
    );
  });

  it('walks a very deep branch without running out of stack', () => {
    const messages: Message[] = [];
    let parent: Message | null = null;
    for (let i = 0; i < 20_000; i++) {
      parent = message(`m${i}`, parent, i % 2 ? 'assistant' : 'user', `text ${i}`, 1);
      messages.push(parent);
    }
    const markdown = toMarkdown({ conversation, messages, feedback: [], usage });
    expect(markdown.split('\n## ').length - 1).toBe(20_000);
    expect(markdown.endsWith('text 19999\n')).toBe(true);
  });
});
