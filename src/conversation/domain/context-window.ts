import type { Message } from './message.js';

export interface ContextMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

/** A summary of the part of the branch that no longer fits, covering it up to one message. */
export interface ContextSummary {
  id: string;
  content: string;
  tokenCount: number;
  coversMessageId: string;
}

export interface BuiltContext {
  messages: ContextMessage[];
  /** Ids of the branch messages included, oldest first. */
  includedIds: string[];
  /** Tokens of the whole prompt, framing included. */
  tokens: number;
  /** Branch messages that were walked but did not fit (more may lie beyond the walk). */
  leftOut: number;
  summaryId: string | null;
}

/** LLaMA 3 frames each message as <|start_header_id|>role<|end_header_id|>\n\n … <|eot_id|>: 5 tokens. */
export const TOKENS_PER_MESSAGE = 5;
/** <|begin_of_text|> once, and the assistant header the model answers after. */
export const PROMPT_OVERHEAD_TOKENS = 1 + 4;

export const messageCost = (tokenCount: number): number => tokenCount + TOKENS_PER_MESSAGE;

/**
 * The sliding window: the system prompt, then the summary (if there is one and anything was left out),
 * then the newest messages of the branch that fit in the budget — never half a message, and the newest
 * (the user's) message always, even when it alone is too big (the caller rejects that case).
 */
export function fitContext(
  system: { content: string; tokens: number } | null,
  summary: ContextSummary | null,
  branch: Message[],
  budget: number,
): BuiltContext {
  let tokens = PROMPT_OVERHEAD_TOKENS + (system ? messageCost(system.tokens) : 0);
  const summaryCost = summary ? messageCost(summary.tokenCount) : 0;
  const kept: Message[] = [];
  for (let i = branch.length - 1; i >= 0; i--) {
    const message = branch[i]!;
    const cost = messageCost(message.tokenCount);
    // Keep room for the summary: it only exists when older messages are out of the window anyway.
    if (kept.length > 0 && tokens + cost + summaryCost > budget) break;
    kept.push(message);
    tokens += cost;
  }
  kept.reverse();
  const leftOut = branch.length - kept.length;
  const useSummary = summary !== null && (leftOut > 0 || kept[0]?.parentId !== null) && tokens + summaryCost <= budget;
  const messages: ContextMessage[] = system ? [{ role: 'system', content: system.content }] : [];
  if (useSummary) {
    messages.push({ role: 'system', content: `Summary of the earlier part of this conversation:\n${summary.content}` });
    tokens += summaryCost;
  }
  for (const message of kept) messages.push({ role: message.role, content: message.content });
  return { messages, includedIds: kept.map((m) => m.id), tokens, leftOut, summaryId: useSummary ? summary.id : null };
}
