import type { Message } from './message.js';

export interface ContextMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

export interface BuiltContext {
  messages: ContextMessage[];
  /** Ids of the history messages included, oldest first. */
  includedIds: string[];
  tokens: number;
  /** History messages of the branch that did not fit. */
  leftOut: number;
}

/** Per-message framing tokens of the LLaMA 3 chat template (header ids and end of turn). */
export const TOKENS_PER_MESSAGE = 4;

/**
 * The sliding window: the system prompt, then the newest messages of the branch that fit in the
 * budget — never half a message; the newest (user) message is always kept.
 */
export function fitContext(systemPrompt: { content: string; tokens: number } | null, branch: Message[], budget: number): BuiltContext {
  let tokens = systemPrompt ? systemPrompt.tokens + TOKENS_PER_MESSAGE : 0;
  const kept: Message[] = [];
  for (let i = branch.length - 1; i >= 0; i--) {
    const message = branch[i]!;
    const cost = message.tokenCount + TOKENS_PER_MESSAGE;
    if (kept.length > 0 && tokens + cost > budget) break;
    kept.push(message);
    tokens += cost;
  }
  kept.reverse();
  const messages: ContextMessage[] = systemPrompt ? [{ role: 'system', content: systemPrompt.content }] : [];
  for (const message of kept) messages.push({ role: message.role, content: message.content });
  return { messages, includedIds: kept.map((m) => m.id), tokens, leftOut: branch.length - kept.length };
}
