import type { Conversation } from './conversation.js';
import type { Feedback } from './feedback.js';
import type { Message } from './message.js';

export type ExportFormat = 'json' | 'markdown';
export const EXPORT_FORMATS: readonly ExportFormat[] = ['json', 'markdown'];

export interface ExportUsage {
  turns: number;
  promptTokens: number;
  completionTokens: number;
  totalTokens: number;
  costMicros: number;
}

/** One conversation as its owner takes it away: the whole tree (parents before children), ratings and usage. */
export interface ConversationExport {
  conversation: Conversation;
  messages: Message[];
  feedback: Feedback[];
  usage: ExportUsage;
}

/**
 * The conversation as a Markdown document: a heading, then every message depth-first from each root, siblings in
 * the order they were written, each under a heading naming its role, id and parent (so branches stay readable).
 * Message text is written as it is: Markdown in an answer stays Markdown.
 */
export function toMarkdown(doc: ConversationExport): string {
  const { conversation, messages, feedback, usage } = doc;
  const children = new Map<string | null, Message[]>();
  for (const message of messages) children.set(message.parentId, [...(children.get(message.parentId) ?? []), message]);
  const rating = new Map(feedback.map((f) => [f.messageId, f]));
  const lines: string[] = [
    `# ${oneLine(conversation.title ?? 'Untitled conversation')}`,
    '',
    `- id: ${conversation.id}`,
    `- model: ${conversation.model ?? 'default'}`,
    `- state: ${conversation.state}`,
    `- created: ${conversation.createdAt.toISOString()}`,
    `- messages: ${messages.length}`,
    `- usage: ${usage.turns} turns, ${usage.totalTokens} tokens (${usage.promptTokens} in, ${usage.completionTokens} out), cost ${usage.costMicros} micros`,
    '',
  ];
  // Depth-first without recursion: a deep branch cannot exhaust the stack.
  const stack = [...(children.get(null) ?? [])].reverse();
  while (stack.length) {
    const message = stack.pop()!;
    const facts = [message.createdAt.toISOString(), `id ${message.id}`, message.parentId ? `reply to ${message.parentId}` : 'root'];
    if (message.role === 'assistant') facts.push(`${message.model ?? 'model'}`, message.status, `${(message.promptTokens ?? 0) + (message.completionTokens ?? 0)} tokens`);
    const rated = rating.get(message.id);
    if (rated) facts.push(`rated ${rated.rating}${rated.reason ? ` (${oneLine(rated.reason)})` : ''}`);
    lines.push(`## ${message.role}`, '', `_${facts.join(' · ')}_`, '', message.content, '');
    if (rated?.comment) lines.push(`> feedback: ${oneLine(rated.comment)}`, '');
    stack.push(...[...(children.get(message.id) ?? [])].reverse());
  }
  return lines.join('\n');
}

const oneLine = (text: string): string => text.replace(/[\r\n]+/g, ' ');
